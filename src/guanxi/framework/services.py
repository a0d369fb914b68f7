"""Building blocks for services: validated, audited create / update / delete.

App services (``account_create``, ``contact_update`` …) add their domain rules (normalization,
derived keys, territory placement) and call these for the part every write shares. They are
keyword-only, take ``acting_user``, and run inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import audit


def full_clean(instance: models.Model, exclude: Iterable[str] = ()) -> None:
    """Validate every field; the error maps field names to reasons (forms and API show them as such)."""
    instance.full_clean(exclude=list(exclude), validate_unique=True)


def _set_m2m(instance: models.Model, m2m: dict[str, Iterable[models.Model]] | None, changes: dict) -> None:
    for name, values in (m2m or {}).items():
        manager = getattr(instance, name)
        before = sorted(manager.values_list("pk", flat=True))
        after = sorted({v.pk if isinstance(v, models.Model) else int(v) for v in values})
        if before != after:
            manager.set(after)
            changes[name] = [before, after]


@transaction.atomic
def create(instance: models.Model, *, acting_user, m2m: dict | None = None, audit_it: bool = True) -> models.Model:
    full_clean(instance)
    instance.save()
    changes: dict = {}
    _set_m2m(instance, m2m, changes)
    if audit_it:
        entry_changes = {k: [None, v] for k, v in audit.snapshot(instance).items() if v not in (None, "", [], False)}
        entry_changes.update({k: [None, v[1]] for k, v in changes.items()})
        audit.record(audit.CREATE, instance, acting_user=acting_user, changes=entry_changes)
    return instance


@transaction.atomic
def update(
    instance: models.Model, *, acting_user, data: dict[str, Any], m2m: dict | None = None, audit_it: bool = True,
    derived: dict[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """Apply ``data``; save and audit only what changed. Returns the changes (empty: nothing to do)."""
    changes = audit.apply_changes(instance, data)
    m2m_changes: dict = {}
    if changes or derived:
        for name, value in (derived or {}).items():
            setattr(instance, name, value)
        full_clean(instance)
        update_fields = {instance._meta.get_field(n).attname for n in changes} | set(derived or {})
        if update_fields:
            if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
                update_fields.add("updated_at")
            instance.save(update_fields=sorted(update_fields))
    _set_m2m(instance, m2m, m2m_changes)
    changes.update(m2m_changes)
    exclude = set(getattr(instance, "audit_exclude", ()))
    visible_changes = {k: v for k, v in changes.items() if k not in exclude}
    if visible_changes and audit_it:
        audit.record(audit.UPDATE, instance, acting_user=acting_user, changes=visible_changes)
    return changes


@transaction.atomic
def delete(instance: models.Model, *, acting_user) -> None:
    audit.record_delete(instance, acting_user=acting_user)
    instance.delete()


@transaction.atomic
def delete_many(instances: list[models.Model], *, acting_user) -> None:
    """:func:`delete` for many records of one model, set-wise: their audit rows in one statement, then
    one ``QuerySet.delete()`` (Django's collector cascades to the related rows of every app a batch of
    records at a time, and sends each record's delete signals as ``delete`` does)."""
    if not instances:
        return
    audit.record_delete_many(instances, acting_user=acting_user)
    type(instances[0])._base_manager.filter(pk__in=[i.pk for i in instances]).delete()


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}
