from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_throttled(views.LoginView.as_view()), name="login"),
    # Django's LogoutView only accepts POST: a link or an image tag cannot log you out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.password_change_throttled(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
