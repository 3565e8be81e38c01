from __future__ import annotations

from django.urls import include, path

from learn import views

app_name = "learn"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the course pattern: "glossary" and "quiz" are not course slugs.
    path("glossary/", views.glossary, name="glossary"),
    path("quiz/", include("learn.quiz.urls")),
    path("<slug:course_slug>/", views.course, name="course"),
    path("<slug:course_slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
]
