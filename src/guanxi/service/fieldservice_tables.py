"""Columns of the work order list, rendered in Python."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table

from .tables import PRIORITY_CLASSES

STATUS_CLASSES = {
    "new": "bg-info text-dark", "scheduled": "bg-primary", "dispatched": "bg-warning text-dark", "in_progress": "bg-danger",
    "completed": "bg-success", "cancelled": "bg-secondary",
}


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def number(record):
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)


def status(record):
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(record.status, "bg-secondary"), record.get_status_display())


def priority(record):
    return format_html('<span class="badge {}">{}</span>', PRIORITY_CLASSES.get(record.priority, "bg-secondary"), record.get_priority_display())


def account(record):
    return format_html('<a href="{}">{}</a>', record.account.get_absolute_url(), record.account)


def case(record):
    return format_html('<a href="{}">{}</a>', record.case.get_absolute_url(), record.case.number) if record.case_id else ""


class WorkOrderTable(Table):
    number = Column(_("number"), render=number, order_by=("-created_at", "-id"))
    subject = Column(_("subject"), "subject")
    account = Column(_("account"), render=account)
    work_type = Column(_("type"), "work_type", optional=True)
    status = Column(_("status"), render=status)
    priority = Column(_("priority"), render=priority)
    technician = Column(_("technician"), "technician")
    scheduled = Column(_("scheduled start"), render=lambda r: _time(r.scheduled_start), order_by=("scheduled_start", "id"))
    case = Column(_("case"), render=case, optional=True)
    created = Column(_("created"), render=lambda r: _time(r.created_at), order_by=("-created_at", "-id"), optional=True)
    default_order = "created"
