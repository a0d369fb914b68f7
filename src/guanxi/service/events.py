"""Domain events of cases on the account timeline: one function per event.

The wording of each kind is registered once and filled from the event's data when shown, so every
reader sees it in their own language.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import TimelineEvent
from guanxi.framework.registry import registry

TITLES = {
    "case.opened": _("Case %(number)s opened: %(subject)s"),
    "case.resolved": _("Case %(number)s resolved"),
    "case.closed": _("Case %(number)s closed"),
    "case.reopened": _("Case %(number)s reopened"),
    "case.sla_missed": _("Case %(number)s missed its service level"),
    "case.survey": _("Case %(number)s rated %(score)s of 5"),
    "contract.activated": _("Service contract %(number)s in force: %(name)s"),
    "contract.expired": _("Service contract %(number)s expired"),
    "contract.cancelled": _("Service contract %(number)s cancelled"),
    "unit.installed": _("%(product)s installed (serial number %(serial)s)"),
    "case.customer_linked": _("Case %(number)s linked to this customer (mail from %(email)s)"),
    "unit.replaced": _("%(product)s %(old)s replaced by %(new)s (return %(number)s)"),
    "rma.requested": _("Return %(number)s requested by the customer"),
    "rma.authorised": _("Return %(number)s authorised"),
    "rma.received": _("Return %(number)s received"),
    "rma.diagnosed": _("Return %(number)s diagnosed"),
    "rma.repaired": _("Return %(number)s repaired"),
    "rma.replaced": _("Return %(number)s replaced"),
    "rma.refunded": _("Return %(number)s refunded"),
    "rma.shipped": _("Return %(number)s shipped back (%(carrier)s %(tracking)s)"),
    "rma.closed": _("Return %(number)s closed"),
    "rma.cancelled": _("Return %(number)s cancelled"),
}
registry.event_titles.update(TITLES)


def _event(case, kind: str, actor, **data) -> TimelineEvent | None:
    if not case.account_id:  # the customer is not identified yet: no account timeline to write on
        return None
    data = {"number": case.number, "subject": case.subject, **data}
    return TimelineEvent.objects.create(
        account_id=case.account_id, occurred_at=timezone.now(), kind=kind, title=(str(TITLES[kind]) % data)[:200],
        data=data, actor=actor if getattr(actor, "pk", None) else None, url=case.get_absolute_url(),
    )


def case_opened(case, actor):
    return _event(case, "case.opened", actor)


def case_status_changed(case, actor, status: str):
    kind = {"resolved": "case.resolved", "closed": "case.closed", "open": "case.reopened"}.get(status)
    return _event(case, kind, actor) if kind else None


def case_customer_linked(case, actor):
    return _event(case, "case.customer_linked", actor, email=case.requester_email or "—")


def case_surveyed(case, actor, score: int):
    return _event(case, "case.survey", actor, score=score)


def record_event(*, account_id: int, kind: str, actor, url: str, **data) -> TimelineEvent:
    """A timeline event of a contract, unit or return (their wording is registered above)."""
    return TimelineEvent.objects.create(
        account_id=account_id, occurred_at=timezone.now(), kind=kind, title=(str(TITLES[kind]) % data)[:200],
        data=data, actor=actor if getattr(actor, "pk", None) else None, url=url,
    )
