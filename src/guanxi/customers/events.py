"""Domain events of customer records: one function per event, each writing a timeline row.

The wording of each kind is registered once (``registry.event_titles``) and filled from the
event's ``data`` when it is shown, so every reader sees it in their own language.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import registry

from .models import TimelineEvent

def _changed_title(data: dict) -> str:
    from .models import Account

    labels = ", ".join(str(Account._meta.get_field(name).verbose_name) for name in data.get("fields", []))
    return _("Changed: %(fields)s") % {"fields": labels}


TITLES = {
    "account.created": _("Account created"),
    "account.changed": _changed_title,
    "contact.linked": _("Contact %(name)s added"),
}
registry.event_titles.update(TITLES)


def _render(kind: str, data: dict) -> str:
    wording = TITLES[kind]
    return wording(data) if callable(wording) else str(wording) % data


def _event(account, kind: str, actor, data: dict | None = None, body: str = "", url: str = "") -> TimelineEvent:
    data = data or {}
    return TimelineEvent.objects.create(
        account=account, occurred_at=timezone.now(), kind=kind, title=_render(kind, data)[:200], data=data,
        body=body, actor=actor, url=url,
    )


def account_created(account, actor) -> TimelineEvent:
    return _event(account, "account.created", actor)


def account_updated(account, actor, changes: dict) -> TimelineEvent | None:
    interesting = sorted({"owner", "lifecycle_stage", "value_tier", "territory"} & set(changes))
    if not interesting:
        return None
    # Field names are stored; their labels are looked up in the reader's language when shown.
    return _event(account, "account.changed", actor, data={"fields": interesting})


def contact_linked(link, actor) -> TimelineEvent:
    return _event(link.account, "contact.linked", actor, data={"name": link.contact.name}, url=link.contact.get_absolute_url())
