from __future__ import annotations

from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orders/", views.order_place, name="order_place"),
    path("orders/preview/", views.order_preview, name="order_preview"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("clock/fast-forward/", views.clock_fast_forward, name="fast_forward"),
    path("market/", views.market, name="market"),
    path("history/", views.history, name="history"),
    path("settings/", views.settings_page, name="settings"),
    path("reset/", views.account_reset, name="reset"),
]
