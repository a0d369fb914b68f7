"""Base models. A business model inherits change tracking, visibility and search by subclassing.

``BaseModel`` gives timestamps. ``BusinessModel`` adds the visibility manager and marks the
model as audited: services write its changes to the audit log through :mod:`guanxi.framework.audit`.
"""

from __future__ import annotations

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from .visibility import VisibleManager


#: the choices of a field with fixed choices, by value (labels still lazy, so translated when shown)
_CHOICES_BY_VALUE: dict[models.Field, dict] = {}


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        """``get_<field>_display()``, with the field's choices by value built once (``choices_by_value``).

        Django builds that dict on each call, and hashing each (value, lazy label) pair translates every
        label: a 360° view's timeline asked for a few hundred translations to show sixty labels.
        """
        value = getattr(self, field.attname)
        return force_str(choices_by_value(field).get(make_hashable(value), value), strings_only=True)


def choices_by_value(field) -> dict:
    """The labels of ``field``'s choices by (hashable) value, labels still lazy so translated when shown.

    Built once per field when the choices are fixed (a list); computed choices (a callable) are read anew.
    Empty when the field has no choices.
    """
    by_value = _CHOICES_BY_VALUE.get(field)
    if by_value is None:
        by_value = {make_hashable(value): label for value, label in field.flatchoices}
        if isinstance(field.choices, (list, tuple)):
            _CHOICES_BY_VALUE[field] = by_value
    return by_value


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
