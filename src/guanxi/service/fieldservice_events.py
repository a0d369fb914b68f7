"""Domain events of work orders on the account timeline: one function per event.

The case a work order came from gets an internal note for the same moments, so the case's own
history tells the field story too (see :mod:`guanxi.service.fieldservice_services`).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import TimelineEvent
from guanxi.framework.registry import registry

TITLES = {
    "workorder.created": _("Work order %(number)s created: %(subject)s"),
    "workorder.scheduled": _("Work order %(number)s scheduled for %(when)s with %(technician)s"),
    "workorder.started": _("Work order %(number)s started on site"),
    "workorder.completed": _("Work order %(number)s completed: %(result)s"),
    "workorder.cancelled": _("Work order %(number)s cancelled"),
}
registry.event_titles.update(TITLES)


def _event(work_order, kind: str, actor, **data) -> TimelineEvent:
    data = {"number": work_order.number, "subject": work_order.subject, **data}
    return TimelineEvent.objects.create(
        account_id=work_order.account_id, occurred_at=timezone.now(), kind=kind, title=(str(TITLES[kind]) % data)[:200],
        data=data, actor=actor if getattr(actor, "pk", None) else None, url=work_order.get_absolute_url(),
    )


def work_order_created(work_order, actor):
    return _event(work_order, "workorder.created", actor)


def work_order_scheduled(work_order, actor):
    when = timezone.localtime(work_order.scheduled_start).strftime("%Y-%m-%d %H:%M")
    return _event(work_order, "workorder.scheduled", actor, when=when, technician=str(work_order.technician))


def work_order_started(work_order, actor):
    return _event(work_order, "workorder.started", actor)


def work_order_completed(work_order, actor, result_label: str):
    return _event(work_order, "workorder.completed", actor, result=str(result_label))


def work_order_cancelled(work_order, actor):
    return _event(work_order, "workorder.cancelled", actor)
