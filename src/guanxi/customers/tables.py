from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.framework.html import fmt, fmt_join
from guanxi.framework.tables import Column, Table, choice_label
from guanxi.framework.text import format_phone

# Cells are rendered in Python, not with a template per cell: a 50-row page has hundreds of cells.
TIER_CLASSES = {"vip": "bg-warning text-dark", "key": "bg-primary", "small": "bg-light text-dark"}


def tier(record):
    return fmt('<span class="badge {}">{}</span>', TIER_CLASSES.get(record.value_tier, "bg-secondary"), choice_label(record, "value_tier"))


def phone(record):
    if not record.primary_phone:
        return ""
    return fmt('<a href="tel:{}">{}</a>', record.primary_phone, format_phone(record.primary_phone, settings.GUANXI_DEFAULT_REGION))


def tags(record):
    listed = getattr(record, "listed_tags", None)  # the list page's prefetch; other callers use the manager
    listed = record.tags.all() if listed is None else listed
    if not listed:
        return ""
    return fmt_join("", '<span class="badge bg-{} me-1">{}</span>', ((t.color, t.name) for t in listed))


def updated(record):
    return timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M")


def contact_account(record):
    account = record.shown_primary_account()
    return fmt('<a href="{}">{}</a>', account.get_absolute_url(), account) if account else ""


def interaction_start(record):
    return fmt('<a href="{}">{}</a>', record.get_absolute_url(), timezone.localtime(record.started_at).strftime("%Y-%m-%d %H:%M"))


def interaction_account(record):
    return fmt('<a href="{}">{}</a>', record.account.get_absolute_url(), record.account)


class AccountTable(Table):
    name = Column(_("name"), "name", order_by=("name_pinyin", "id"), linkify=True)
    kind = Column(_("type"), "kind", optional=True)
    value_tier = Column(_("value tier"), render=tier, order_by=("value_tier", "-updated_at"))
    lifecycle_stage = Column(_("lifecycle stage"), "lifecycle_stage", order_by=("lifecycle_stage", "-updated_at"), optional=True)
    industry = Column(_("industry"), "industry", order_by=("industry", "-updated_at"), optional=True)
    city = Column(_("city"), "city", order_by=("province", "city"), optional=True)
    territory = Column(_("territory"), "territory", optional=True)
    phone = Column(_("phone"), render=phone, optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "-updated_at"))
    tags = Column(_("tags"), render=tags, optional=True)
    updated = Column(_("updated"), render=updated, order_by=("-updated_at", "-id"))
    default_order = "updated"


class ContactTable(Table):
    name = Column(_("name"), "name", order_by=("name_pinyin", "id"), linkify=True)
    title = Column(_("job title"), "title", optional=True)
    account = Column(_("account"), render=contact_account)
    phone = Column(_("phone"), render=phone, optional=True)
    email = Column(_("e-mail"), "primary_email", optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "-updated_at"))
    updated = Column(_("updated"), render=updated, order_by=("-updated_at", "-id"))
    default_order = "updated"


class InteractionTable(Table):
    started = Column(_("start time"), render=interaction_start, order_by=("-started_at", "-id"))
    channel = Column(_("channel"), "channel")
    direction = Column(_("direction"), "direction", optional=True)
    account = Column(_("account"), render=interaction_account)
    contact = Column(_("contact"), "contact", optional=True)
    reason = Column(_("reason"), "reason")
    outcome = Column(_("outcome"), "outcome", optional=True)
    user = Column(_("user / agent"), "user", optional=True)
    default_order = "started"
