"""Columns of the case list, rendered in Python (a 50-row page has hundreds of cells)."""

from __future__ import annotations

from functools import lru_cache

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.urls import record_url
from guanxi.framework.tables import Column, Table, choice_label

PRIORITY_CLASSES = {"urgent": "bg-danger", "high": "bg-warning text-dark", "normal": "bg-secondary", "low": "bg-light text-dark"}
STATUS_CLASSES = {"new": "bg-info text-dark", "open": "bg-primary", "pending": "bg-warning text-dark", "resolved": "bg-success", "closed": "bg-secondary"}

@lru_cache(maxsize=256)
def _badge_html(css: str, label: str):
    return format_html('<span class="badge {}">{}</span>', css, label)


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def number(record):
    return format_html('<a href="{}">{}</a>', record_url("service:case_detail", record.pk), record.number)


def priority(record):
    return _badge_html(PRIORITY_CLASSES.get(record.priority, "bg-secondary"), str(choice_label(record, "priority")))


def status(record):
    return _badge_html(STATUS_CLASSES.get(record.status, "bg-secondary"), str(choice_label(record, "status")))


def account(record):
    if record.account_id is None:  # a case from an unknown sender
        return format_html('<span class="badge bg-warning text-dark">{}</span> <small class="text-muted">{}</small>',
                           _("Customer not identified"), getattr(record, "requester_email", ""))
    return format_html('<a href="{}">{}</a>', record_url("customers:account_detail", record.account_id), record.account)


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


# --- installed products, service contracts, returns ---------------------------------------------

CONTRACT_STATUS_CLASSES = {"draft": "bg-light text-dark", "active": "bg-success", "expired": "bg-secondary", "cancelled": "bg-dark"}
UNIT_STATUS_CLASSES = {"active": "bg-success", "in_repair": "bg-warning text-dark", "replaced": "bg-secondary", "retired": "bg-dark"}
RMA_STATUS_CLASSES = {"authorised": "bg-info text-dark", "received": "bg-primary", "diagnosed": "bg-primary", "repaired": "bg-success",
                      "replaced": "bg-success", "refunded": "bg-success", "shipped": "bg-warning text-dark", "closed": "bg-secondary",
                      "cancelled": "bg-dark"}


def _badge(classes):
    def render(record):
        return format_html('<span class="badge {}">{}</span>', classes.get(record.status, "bg-secondary"), record.get_status_display())
    return render


def _link(attr):
    def render(record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), getattr(record, attr))
    return render


def _date(name):
    def render(record):
        value = getattr(record, name)
        return value.isoformat() if value else ""
    return render


def warranty(record):
    if record.warranty_end is None:
        return ""
    if record.under_warranty():
        return format_html('<span class="text-success">{}</span>', record.warranty_end.isoformat())
    return format_html('<span class="text-muted">{}</span>', record.warranty_end.isoformat())


def contract_value(record):
    return f"{record.value:,.2f} {record.currency}"


class InstalledProductTable(Table):
    serial_number = Column(_("serial number"), render=_link("serial_number"), order_by=("serial_number", "id"))
    product = Column(_("product"), render=lambda r: r.product.name)
    account = Column(_("account"), render=account)
    status = Column(_("status"), render=_badge(UNIT_STATUS_CLASSES))
    install_date = Column(_("install date"), render=_date("install_date"), order_by=("install_date", "id"))
    warranty_end = Column(_("warranty end"), render=warranty, order_by=("warranty_end", "id"))
    location = Column(_("location"), "location", optional=True)
    created = Column(_("created"), render=created, order_by=("-created_at", "-id"), optional=True)
    default_order = "created"


class ServiceContractTable(Table):
    number = Column(_("number"), render=_link("number"), order_by=("-created_at", "-id"))
    name = Column(_("name"), "name")
    account = Column(_("account"), render=account)
    status = Column(_("status"), render=_badge(CONTRACT_STATUS_CLASSES))
    start_date = Column(_("start date"), render=_date("start_date"), order_by=("start_date", "id"), optional=True)
    end_date = Column(_("end date"), render=_date("end_date"), order_by=("end_date", "id"))
    sla_policy = Column(_("SLA policy"), "sla_policy", optional=True)
    value = Column(_("value"), render=contract_value, css="text-end", optional=True)
    default_order = "number"


class RmaTable(Table):
    number = Column(_("number"), render=_link("number"), order_by=("-created_at", "-id"))
    account = Column(_("account"), render=account)
    status = Column(_("status"), render=_badge(RMA_STATUS_CLASSES))
    reason = Column(_("reason for return"), render=lambda r: r.reason[:60])
    case = Column(_("case"), render=lambda r: format_html('<a href="{}">{}</a>', r.case.get_absolute_url(), r.case.number) if r.case_id else "", optional=True)
    owner = Column(_("owner"), "owner", optional=True)
    updated = Column(_("updated"), render=lambda r: _time(r.updated_at), order_by=("-updated_at", "-id"), optional=True)
    created = Column(_("created"), render=created, order_by=("-created_at", "-id"))
    default_order = "created"
