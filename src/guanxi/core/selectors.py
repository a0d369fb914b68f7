"""Reads of the core app."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from .choices import TaskStatus
from .models import AuditEntry, Notification, Task


def record_history(*, obj, limit: int = 200):
    """The record's own audit rows and those of its children (addresses, phones, links …), newest first."""
    content_type = ContentType.objects.get_for_model(type(obj))
    key = f"{content_type.app_label}.{content_type.model}:{obj.pk}"
    own = Q(content_type=content_type, object_id=str(obj.pk))
    return AuditEntry.objects.filter(own | Q(parent_key=key)).select_related("actor", "content_type")[:limit]


def user_activity(*, user, limit: int = 100):
    return AuditEntry.objects.filter(actor=user).select_related("content_type")[:limit]


def my_tasks(*, user):
    return Task.objects.filter(assigned_to=user, status=TaskStatus.OPEN).order_by("due_at", "-id")


def overdue_count(*, user) -> int:
    return Task.objects.filter(assigned_to=user, status=TaskStatus.OPEN, due_at__lt=timezone.now()).count()


def my_notifications(*, user, unread_only: bool = False):
    qs = Notification.objects.filter(recipient=user).select_related("sender")
    return qs.filter(read_at__isnull=True) if unread_only else qs



def history_rows(entries) -> list[dict]:
    """Audit entries ready to show: field labels, choice labels, yes/no, and related records by name.

    Related records are fetched in one query per related model, whatever the number of entries.
    """
    from django.db import models
    from django.utils.translation import gettext as _

    from django.utils import dateparse, timezone

    from guanxi.framework.text import format_phone

    entries = list(entries)
    wanted: dict[type, set] = {}
    plans = []
    for entry in entries:
        model = entry.content_type.model_class()
        rows = []
        for name, (old, new) in (entry.changes or {}).items():
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except Exception:
                    field = None
            if isinstance(field, models.ForeignKey):
                wanted.setdefault(field.related_model, set()).update(v for v in (old, new) if v is not None)
            elif isinstance(field, models.ManyToManyField):
                for value in (old, new):
                    wanted.setdefault(field.related_model, set()).update(value or [])
            rows.append((name, field, old, new))
        plans.append((entry, rows))
    names = {
        model: {str(obj.pk): str(obj) for obj in model._default_manager.filter(pk__in=ids)}
        for model, ids in wanted.items()
    }

    def show(field, value):
        if value is None or value == "":
            return "—"
        if field is None:
            return value
        if isinstance(field, models.ForeignKey):
            return names.get(field.related_model, {}).get(str(value), f"#{value}")
        if isinstance(field, models.ManyToManyField):
            related = names.get(field.related_model, {})
            return ", ".join(related.get(str(v), f"#{v}") for v in value) or "—"
        if isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            parsed = dateparse.parse_datetime(value)
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else value
        if isinstance(value, str) and value.startswith("+") and value[1:].isdigit():
            return format_phone(value)
        return value

    out = []
    for entry, rows in plans:
        changes = [
            {"label": str(field.verbose_name) if field is not None else name, "old": show(field, old), "new": show(field, new)}
            for name, field, old, new in rows
        ]
        out.append({"entry": entry, "changes": changes})
    return out
