"""Tables of the sales plan's lists: commission plans and statements, expense claims."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table

from .tables import money

STATEMENT_CLASSES = {"draft": "bg-secondary", "approved": "bg-primary", "paid": "bg-success"}


def statement_status(record):
    return format_html('<span class="badge {}">{}</span>', STATEMENT_CLASSES.get(record.status, "bg-secondary"), record.get_status_display())


class CommissionPlanTable(Table):
    name = Column(_("name"), "name", linkify=True, order_by=("name",))
    currency = Column(_("currency"), "currency")
    active = Column(_("active"), render=lambda r: _("yes") if r.is_active else _("no"), order_by=("is_active", "name"))
    default_order = "name"


class CommissionStatementTable(Table):
    statement = Column(_("commission statement"), render=lambda r: format_html('<a href="{}">{} – {}</a>', r.get_absolute_url(), r.period_start, r.period_end),
                       order_by=("-period_start", "user", "id"))
    user = Column(_("user"), "user", order_by=("user", "-period_start"))
    plan = Column(_("commission plan"), "plan")
    status = Column(_("status"), render=statement_status, order_by=("status", "period_start"))
    won = Column(_("won"), render=lambda r: money(r.won_total, r.currency), css="text-end")
    total = Column(_("commission"), render=lambda r: money(r.total, r.currency), css="text-end", order_by=("-total", "id"))
    default_order = "statement"


EXPENSE_CLASSES = {"draft": "bg-secondary", "submitted": "bg-warning text-dark", "approved": "bg-success", "rejected": "bg-danger"}


def expense_status(record):
    return format_html('<span class="badge {}">{}</span>', EXPENSE_CLASSES.get(record.status, "bg-secondary"), record.get_status_display())


def linked_account(record):
    return format_html('<a href="{}">{}</a>', record.account.get_absolute_url(), record.account) if record.account_id else "—"


class ExpenseClaimTable(Table):
    title = Column(_("title"), "title", linkify=True)
    owner = Column(_("claimant"), "owner", order_by=("owner", "-created_at"))
    account = Column(_("account"), render=linked_account)
    status = Column(_("status"), render=expense_status, order_by=("status", "-created_at"))
    total = Column(_("total"), render=lambda r: money(r.total, r.currency), css="text-end", order_by=("-total", "id"))
    created = Column(_("created"), render=lambda r: r.created_at.date(), order_by=("-created_at", "-id"))
    default_order = "created"
