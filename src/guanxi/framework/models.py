"""Base models. A business model inherits change tracking, visibility and search by subclassing.

``BaseModel`` gives timestamps. ``BusinessModel`` adds the visibility manager and marks the
model as audited: services write its changes to the audit log through :mod:`guanxi.framework.audit`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .visibility import VisibleManager


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class BusinessModel(BaseModel):
    """A record users own and see by the visibility rules; every change is audited."""

    objects = VisibleManager()

    #: fields the audit log leaves out (derived keys, denormalized caches).
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at")
    visibility_owner_field: str | None = None
    visibility_territory_field: str | None = None
    visibility_via: tuple[str, ...] = ()

    class Meta:
        abstract = True
