"""Columns of the case list, rendered in Python (a 50-row page has hundreds of cells)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table

PRIORITY_CLASSES = {"urgent": "bg-danger", "high": "bg-warning text-dark", "normal": "bg-secondary", "low": "bg-light text-dark"}
STATUS_CLASSES = {"new": "bg-info text-dark", "open": "bg-primary", "pending": "bg-warning text-dark", "resolved": "bg-success", "closed": "bg-secondary"}


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def number(record):
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)


def priority(record):
    return format_html('<span class="badge {}">{}</span>', PRIORITY_CLASSES.get(record.priority, "bg-secondary"), record.get_priority_display())


def status(record):
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(record.status, "bg-secondary"), record.get_status_display())


def account(record):
    return format_html('<a href="{}">{}</a>', record.account.get_absolute_url(), record.account)


def due(record):
    if record.resolution_due_at is None:
        return ""
    text = _time(record.resolution_due_at)
    if record.is_open and not record.sla_paused_at and record.resolution_due_at <= timezone.now():
        return format_html('<span class="text-danger fw-semibold">{}</span>', text)
    if record.sla_breached:
        return format_html('<span class="text-danger">{}</span>', text)
    return text


def created(record):
    return _time(record.created_at)


class CaseTable(Table):
    number = Column(_("number"), render=number, order_by=("-created_at", "-id"))
    subject = Column(_("subject"), "subject")
    account = Column(_("account"), render=account)
    status = Column(_("status"), render=status)
    priority = Column(_("priority"), render=priority)
    case_type = Column(_("type"), "case_type", optional=True)
    queue = Column(_("queue"), "queue", optional=True)
    assignee = Column(_("assignee"), "assignee", optional=True)
    due = Column(_("resolution due"), render=due, order_by=("resolution_due_at", "id"), optional=True)
    created = Column(_("created"), render=created, order_by=("-created_at", "-id"))
    default_order = "created"
