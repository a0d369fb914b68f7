"""Domain events of customer records: one function per event, each writing a timeline row."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TimelineEvent


def _event(account, kind: str, title: str, actor, body: str = "", url: str = "") -> TimelineEvent:
    return TimelineEvent.objects.create(
        account=account, occurred_at=timezone.now(), kind=kind, title=title[:200], body=body, actor=actor, url=url
    )


def account_created(account, actor) -> TimelineEvent:
    return _event(account, "account.created", _("Account created"), actor)


def account_updated(account, actor, changes: dict) -> TimelineEvent | None:
    interesting = {"owner", "lifecycle_stage", "value_tier", "territory"} & set(changes)
    if not interesting:
        return None
    labels = ", ".join(str(account._meta.get_field(name).verbose_name) for name in sorted(interesting))
    return _event(account, "account.changed", _("Changed: %(fields)s") % {"fields": labels}, actor)


def contact_linked(link, actor) -> TimelineEvent:
    return _event(link.account, "contact.linked", _("Contact %(name)s added") % {"name": link.contact.name}, actor, url=link.contact.get_absolute_url())
