"""URL patterns generated from a model's registered views: two lines a model in ``urls.py``."""

from __future__ import annotations

from django.urls import path


def model_urls(prefix: str, name: str, *, list=None, detail=None, edit=None, delete=None, bulk_edit=None) -> list:
    patterns = []
    if list:
        patterns.append(path(f"{prefix}/", list.as_view(), name=f"{name}_list"))
    if edit:
        patterns.append(path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"))
        patterns.append(path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"))
    if detail:
        patterns.append(path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"))
    if delete:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"))
    if bulk_edit:
        patterns.append(path(f"{prefix}/bulk-edit/", bulk_edit.as_view(), name=f"{name}_bulk_edit"))
    return patterns
