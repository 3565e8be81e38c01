from __future__ import annotations

from django.conf import settings
from django.urls import path

from calculators import views

app_name = "calculators_api"

urlpatterns = [
    path("<slug:slug>/", views.calculator_api, name="calculator"),
]

# The benchmark's baseline: a bare view behind the same middleware (bench/calculators.py).
# Registered before the slug route would shadow it, and only when BENCH_HELLO is on.
if settings.BENCH_HELLO:
    urlpatterns.insert(0, path("_bench/hello/", views.bench_hello, name="bench_hello"))
