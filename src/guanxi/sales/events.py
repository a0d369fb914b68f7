"""Domain events of sales records on the account timeline: one function per event.

The wording of each kind is registered once (``registry.event_titles``) and filled from the event's
``data`` when shown, so every reader sees it in their own language.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import TimelineEvent
from guanxi.framework.registry import registry

TITLES = {
    "lead.converted": _("Lead %(name)s converted"),
    "opportunity.created": _("Opportunity %(name)s opened"),
    "opportunity.stage": _("Opportunity %(name)s moved to %(stage)s"),
    "opportunity.won": _("Opportunity %(name)s won"),
    "opportunity.lost": _("Opportunity %(name)s lost"),
}
registry.event_titles.update(TITLES)


def _event(account, kind: str, actor, data: dict, url: str = "") -> TimelineEvent:
    return TimelineEvent.objects.create(
        account=account, occurred_at=timezone.now(), kind=kind, title=(str(TITLES[kind]) % data)[:200], data=data,
        actor=actor, url=url,
    )


def lead_converted(lead, account, actor) -> TimelineEvent:
    return _event(account, "lead.converted", actor, {"name": lead.name}, lead.get_absolute_url())


def opportunity_created(opportunity, actor) -> TimelineEvent:
    return _event(opportunity.account, "opportunity.created", actor, {"name": opportunity.name}, opportunity.get_absolute_url())


def opportunity_moved(opportunity, actor) -> TimelineEvent:
    stage = opportunity.stage
    kind = "opportunity.won" if stage.is_won else "opportunity.lost" if stage.is_lost else "opportunity.stage"
    return _event(opportunity.account, kind, actor, {"name": opportunity.name, "stage": stage.name}, opportunity.get_absolute_url())
