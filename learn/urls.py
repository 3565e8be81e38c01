from __future__ import annotations

app_name = "learn"

# Courses, lessons, the glossary and the margin quiz arrive with the Learn issue.
urlpatterns: list = []
