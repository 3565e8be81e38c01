from __future__ import annotations

from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
