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

