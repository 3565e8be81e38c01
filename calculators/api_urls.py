from __future__ import annotations

app_name = "calculators_api"

urlpatterns: list = []
