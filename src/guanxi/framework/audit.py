"""Audit helpers used by every service: snapshot a record, diff it, write one audit row.

The rows live in ``core.AuditEntry``; this module only knows how to fill them. Who acted comes
from the service's ``acting_user``; where from (web, API token, import, job) from
:mod:`guanxi.framework.context`.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile

from .context import current_source

CREATE, UPDATE, DELETE = "create", "update", "delete"


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, FieldFile):  # an empty one raises on .url, so test the type, not the attribute
        return value.name or None
    return value


def tracked_fields(instance: models.Model) -> list[models.Field]:
    exclude = set(getattr(instance, "audit_exclude", ()))
    return [
        f
        for f in instance._meta.concrete_fields
        if f.name not in exclude and not f.primary_key
    ]


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.name: _plain(getattr(instance, f.attname)) for f in tracked_fields(instance)}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(action: str, instance: models.Model, *, acting_user, changes: dict | None = None, repr_: str | None = None):
    """Write one audit row for ``instance``; ``changes`` maps field -> [old, new]."""
    entry = _entry(action, instance, acting_user=acting_user, changes=changes, repr_=repr_)
    entry.save(force_insert=True)
    return entry


def _entry(action: str, instance: models.Model, *, acting_user, changes: dict | None = None, repr_: str | None = None):
    """The audit row of :func:`record`, not yet saved."""
    AuditEntry = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    source = current_source()
    return AuditEntry(
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        action=action,
        # ``_meta.model``, not ``type()``: the instance may be a lazy proxy such as ``request.user``.
        content_type=ContentType.objects.get_for_model(instance._meta.model),
        object_id=str(instance.pk),
        object_repr=(repr_ or str(instance))[:200],
        changes=changes or {},
        source=source.source,
        source_detail=source.detail[:200],
        ip=source.ip,
        request_id=source.request_id,
        parent_key=parent_key(instance),
    )


def parent_key(instance: models.Model) -> str:
    """"app.model:pk" of the record ``instance`` belongs to (``audit_parent``), or ""."""
    parent = instance.audit_parent() if hasattr(instance, "audit_parent") else None
    if parent is None:
        return ""
    return f"{parent._meta.app_label}.{parent._meta.model_name}:{parent.pk}"


def record_create(instance, *, acting_user):
    after = snapshot(instance)
    return record(CREATE, instance, acting_user=acting_user, changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], False)})


def _deleted(instance) -> dict[str, list[Any]]:
    """The changes of a delete: each value the record had -> None."""
    return {k: [v, None] for k, v in snapshot(instance).items() if v not in (None, "", [])}


def record_delete(instance, *, acting_user):
    return record(DELETE, instance, acting_user=acting_user, changes=_deleted(instance))


def record_delete_many(instances, *, acting_user) -> list:
    """:func:`record_delete` for each of ``instances``, written in one statement."""
    AuditEntry = apps.get_model("core", "AuditEntry")
    return AuditEntry.objects.bulk_create(
        [_entry(DELETE, instance, acting_user=acting_user, changes=_deleted(instance)) for instance in instances])


def apply_changes(instance: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``data`` on ``instance``; return {field: [old, new]} for the values that really changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in data.items():
        field = instance._meta.get_field(name)
        attname = field.attname
        old_value = getattr(instance, attname)
        new_value = new.pk if isinstance(new, models.Model) and attname.endswith("_id") else new
        if _plain(old_value) != _plain(new_value):
            changes[name] = [_plain(old_value), _plain(new_value)]
            if field.is_relation and not isinstance(new, models.Model):
                setattr(instance, attname, new)
            else:
                setattr(instance, name, new)
    return changes
