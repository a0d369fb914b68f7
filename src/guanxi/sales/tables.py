"""List columns of leads and opportunities (cells rendered in Python, not a template per cell)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table, choice_label
from guanxi.framework.text import format_phone
from guanxi.framework.urls import record_url

STATUS_CLASSES = {
    "new": "bg-info text-dark", "working": "bg-primary", "qualified": "bg-success", "disqualified": "bg-secondary",
    "converted": "bg-dark", "open": "bg-primary", "won": "bg-success", "lost": "bg-secondary",
}
RATING_CLASSES = {"hot": "bg-danger", "warm": "bg-warning text-dark", "cold": "bg-info text-dark"}


def money(amount, currency: str = "CNY") -> str:
    # What ``intcomma(f"{amount:.2f}")`` gives (a string with decimals: commas in every language), without
    # its failed int() and regular expressions on every row.
    return f"{currency} {amount:,.2f}"


def status(record):
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(record.status, "bg-secondary"), choice_label(record, "status"))


def rating(record):
    if not record.rating:
        return ""
    return format_html('<span class="badge {}">{}</span>', RATING_CLASSES.get(record.rating, "bg-secondary"), record.get_rating_display())


def lead_phone(record):
    if not record.phone:
        return ""
    return format_html('<a href="tel:{}">{}</a>', record.phone, format_phone(record.phone, settings.GUANXI_DEFAULT_REGION))


def updated(record):
    return timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M")


def amount(record):
    return money(record.amount, record.currency)


def account(record):
    return format_html('<a href="{}">{}</a>', record_url("customers:account_detail", record.account_id), record.account)


class LeadTable(Table):
    name = Column(_("name"), "name", order_by=("name_pinyin", "id"), linkify=True)
    company = Column(_("company"), "company")
    status = Column(_("status"), render=status, order_by=("status", "-updated_at"))
    rating = Column(_("rating"), render=rating, order_by=("rating", "-updated_at"), optional=True)
    score = Column(_("score"), "score", order_by=("-score", "-id"), css="text-end")
    source = Column(_("source"), "source", order_by=("source", "-updated_at"), optional=True)
    phone = Column(_("phone"), render=lead_phone, optional=True)
    territory = Column(_("territory"), "territory", optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "status", "-updated_at"))
    updated = Column(_("updated"), render=updated, order_by=("-updated_at", "-id"))
    default_order = "updated"


class OpportunityTable(Table):
    name = Column(_("name"), "name", order_by=("name",), linkify=True)
    account = Column(_("account"), render=account)
    stage = Column(_("stage"), "stage", order_by=("stage", "-updated_at"))
    status = Column(_("status"), render=status, optional=True)
    amount = Column(_("amount"), render=amount, order_by=("-amount", "id"), css="text-end")
    probability = Column(_("probability (%)"), "probability", css="text-end", optional=True)
    close = Column(_("expected close date"), "expected_close_date", order_by=("expected_close_date",))
    owner = Column(_("owner"), "owner", order_by=("owner", "status", "expected_close_date"))
    updated = Column(_("updated"), render=updated, order_by=("-updated_at", "-id"), optional=True)
    default_order = "updated"


def activity_start(record):
    when = timezone.localtime(record.starts_at)
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), when.strftime("%Y-%m-%d") if record.all_day else when.strftime("%Y-%m-%d %H:%M"))


def activity_about(record):
    target = record.opportunity or record.lead or record.account
    return format_html('<a href="{}">{}</a>', target.get_absolute_url(), target) if target else ""


class ActivityTable(Table):
    start = Column(_("start"), render=activity_start, order_by=("starts_at", "id"))
    kind = Column(_("type"), "kind", order_by=("kind", "starts_at"))
    subject = Column(_("subject"), "subject", linkify=True)
    about = Column(_("about"), render=activity_about)
    status = Column(_("status"), "status", optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "starts_at"))
    default_order = "start"


def total(record):
    return money(record.total, record.currency)


def quote_number(record):
    return format_html('<a href="{}">{} v{}</a>', record.get_absolute_url(), record.number, record.version)


class QuoteTable(Table):
    number = Column(_("quote number"), render=quote_number)
    title = Column(_("title"), "title")
    account = Column(_("account"), render=account)
    status = Column(_("status"), "status", order_by=("status", "-updated_at"))
    total = Column(_("total"), render=total, css="text-end")
    owner = Column(_("owner"), "owner", order_by=("owner", "status", "-updated_at"))
    updated = Column(_("updated"), render=updated, order_by=("-updated_at", "-id"))
    default_order = "updated"


def ordered(record):
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), timezone.localtime(record.ordered_at).strftime("%Y-%m-%d"))


class SalesOrderTable(Table):
    number = Column(_("order number"), "number", linkify=True)
    ordered = Column(_("ordered"), render=ordered, order_by=("-ordered_at", "-id"))
    account = Column(_("account"), render=account)
    status = Column(_("status"), "status", order_by=("status", "-ordered_at"))
    total = Column(_("total"), render=total, css="text-end")
    owner = Column(_("owner"), "owner", order_by=("owner", "status", "-ordered_at"))
    default_order = "ordered"


def contract_value(record):
    return money(record.value, record.currency)


class ContractTable(Table):
    number = Column(_("contract number"), "number", linkify=True)
    title = Column(_("title"), "title")
    account = Column(_("account"), render=account)
    status = Column(_("status"), "status", order_by=("status", "end_date"))
    start = Column(_("start date"), "start_date", optional=True)
    end = Column(_("end date"), "end_date", order_by=("end_date", "id"))
    value = Column(_("contract value"), render=contract_value, css="text-end")
    owner = Column(_("owner"), "owner", order_by=("owner", "end_date"))
    default_order = "end"
