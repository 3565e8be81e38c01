from __future__ import annotations

from django.http import Http404
from django.urls import include, path

app_name = "learn"


def _until_learn_pages_merge(request, **kwargs):
    # Placeholder routes so lesson links reverse until the Learn branch's pages merge.
    raise Http404


urlpatterns: list = [
    path("quiz/", include("learn.quiz.urls")),
    path("<slug:course>/", _until_learn_pages_merge, name="course"),
    path("<slug:course>/<slug:lesson>/", _until_learn_pages_merge, name="lesson"),
]
