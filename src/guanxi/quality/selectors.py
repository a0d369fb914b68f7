"""Reads of the data-quality app, through visibility."""

from __future__ import annotations

from django.db.models import Q

from .models import ImportBatch, ImportMapping


def batch_list(*, user):
    return ImportBatch.objects.visible_to(user).select_related("owner")


def batch_get(*, user, pk: int) -> ImportBatch:
    return ImportBatch.objects.visible_to(user).select_related("owner", "job").get(pk=pk)


def mappings_for(*, user, target: str | None = None):
    """The user's own mappings and the shared ones."""
    mappings = ImportMapping.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
    return mappings.filter(target=target) if target else mappings
