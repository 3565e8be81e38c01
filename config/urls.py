from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("learn/", include("learn.urls")),
    path("calculators/", include("calculators.urls")),
    path("api/calculators/", include("calculators.api_urls")),
    path("sandbox/", include("sandbox.urls")),
    path("admin/", admin.site.urls),
]
