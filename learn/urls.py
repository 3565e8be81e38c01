from __future__ import annotations

from django.urls import path

from learn import views

app_name = "learn"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the course pattern: "glossary" is not a course slug.
    path("glossary/", views.glossary, name="glossary"),
    path("<slug:course_slug>/", views.course, name="course"),
    path("<slug:course_slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
]
