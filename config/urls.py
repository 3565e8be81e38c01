from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts.views import login_throttled, password_change_throttled, set_language
from config import views
from sandbox.margin_views import insurance_fund

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The header's language switcher (a POST form): Django's set_language, wrapped so
    # a signed-in learner's choice is stored on them too. It replaces Django's
    # django.conf.urls.i18n route (same path and name), so there is one switcher URL.
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("learn/", include("learn.urls")),
    path("calculators/", include("calculators.urls")),
    path("api/calculators/", include("calculators.api_urls")),
    path("sandbox/", include("sandbox.urls")),
    path("insurance-fund/", insurance_fund, name="insurance_fund"),
    path("notifications/", include("notifications.urls")),
    # The admin's own views behind the site's password limiter (they match before
    # admin.site.urls, which has no limit): one count per account and address,
    # whichever door the guesses come through.
    path("admin/login/", login_throttled(admin.site.login)),
    path(
        "admin/password_change/",
        admin.site.admin_view(password_change_throttled(admin.site.password_change)),
    ),
    path("admin/", admin.site.urls),
]
