from __future__ import annotations

from django.urls import path

from learn.quiz import views

# Included by learn/urls.py under "quiz/" inside the "learn" namespace.
urlpatterns = [
    path("", views.quiz_home, name="quiz"),
    path("start/", views.quiz_start, name="quiz_start"),
    path("statement/", views.statement_accept, name="quiz_statement"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="quiz_attempt"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="quiz_submit"),
]
