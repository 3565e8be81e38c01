from __future__ import annotations

from django.urls import path

from sandbox import margin_views, views

app_name = "sandbox"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orders/", views.order_place, name="order_place"),
    path("orders/preview/", views.order_preview, name="order_preview"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("clock/fast-forward/", views.clock_fast_forward, name="fast_forward"),
    path("market/", views.market, name="market"),
    path("margin/", margin_views.margin_page, name="margin"),
    path("margin/transfer/", margin_views.margin_transfer, name="margin_transfer"),
    path("margin/borrow/", margin_views.margin_borrow, name="margin_borrow"),
    path("margin/repay/", margin_views.margin_repay, name="margin_repay"),
    path("margin/orders/", margin_views.margin_order_place, name="margin_order_place"),
    path("margin/orders/preview/", margin_views.margin_order_preview, name="margin_order_preview"),
    path(
        "margin/liquidations/<int:liquidation_id>/",
        margin_views.liquidation_detail,
        name="liquidation",
    ),
    path("history/", views.history, name="history"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/margin/", margin_views.margin_settings_update, name="margin_settings"),
    path("settings/cooling-off/", margin_views.cooling_off_start, name="cooling_off"),
    path("reset/", views.account_reset, name="reset"),
]
