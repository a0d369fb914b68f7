"""Activities: plan, change, complete and delete tasks, calls, meetings and visits; send reminders."""

from __future__ import annotations

import datetime
from typing import Any, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.services import notification_send
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from ..choices import ActivityStatus
from ..models import Activity, ActivityAttendee, CalendarFeed, Lead

__all__ = [
    "ACTIVITY_FIELDS", "activity_complete", "activity_create", "activity_delete", "activity_update", "activities_send_reminders",
    "calendar_feed_for", "calendar_feed_renew",
]

ACTIVITY_FIELDS = {
    "kind", "subject", "starts_at", "ends_at", "all_day", "location", "status", "owner", "account", "contact", "lead",
    "opportunity", "reminder_minutes", "description", "outcome",
}


def _reject_unknown(data: dict) -> None:
    unknown = set(data) - ACTIVITY_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def _tidy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tidy(v) if isinstance(v, str) and k not in {"description", "outcome"} else v for k, v in data.items()}


def _links(activity: Activity) -> None:
    """Fill the account from the opportunity or contact, and check that the links agree."""
    if activity.opportunity_id and not activity.account_id:
        activity.account_id = activity.opportunity.account_id
    if activity.contact_id and not activity.account_id:
        activity.account = activity.contact.primary_account
    if activity.opportunity_id and activity.opportunity.account_id != activity.account_id:
        raise ValidationError({"opportunity": _("The opportunity belongs to another account.")})
    if activity.contact_id and activity.account_id and not activity.contact.account_links.filter(account_id=activity.account_id).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})
    if activity.ends_at and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": _("The end is before the start.")})


def _remind_at(activity: Activity):
    if activity.reminder_minutes is None or activity.status != ActivityStatus.PLANNED:
        return None
    return activity.starts_at - datetime.timedelta(minutes=activity.reminder_minutes)


def _touch_lead(activity: Activity, acting_user) -> None:
    if activity.lead_id and activity.lead.owner_id == getattr(acting_user, "pk", None):
        Lead.objects.filter(pk=activity.lead_id).update(last_touched_at=timezone.now())


def _invite(activity: Activity, attendees: Iterable, acting_user) -> None:
    wanted = {u.pk: u for u in attendees if u.pk != activity.owner_id}
    current = set(activity.attendee_links.values_list("user_id", flat=True))
    activity.attendee_links.exclude(user_id__in=wanted).delete()
    ActivityAttendee.objects.bulk_create([ActivityAttendee(activity=activity, user_id=pk) for pk in wanted if pk not in current])
    for pk, user in wanted.items():
        if pk not in current and pk != getattr(acting_user, "pk", None):
            notification_send(recipient=user, sender=acting_user, url=activity.get_absolute_url(),
                              title=_("Invitation: %(subject)s, %(time)s") % {
                                  "subject": activity.subject, "time": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")})


@transaction.atomic
def activity_create(*, acting_user, attendees: Iterable = (), contacts: Iterable = (), **data) -> Activity:
    _reject_unknown(data)
    data = _tidy(data)
    data.setdefault("owner", acting_user)
    if data.get("owner") is None:
        data["owner"] = acting_user
    activity = Activity(**data)
    if activity.starts_at is not None:
        _links(activity)
        activity.remind_at = _remind_at(activity)
    if activity.status == ActivityStatus.DONE:
        activity.completed_at = timezone.now()
    base.create(activity, acting_user=acting_user, m2m={"contacts": contacts})
    _invite(activity, attendees, acting_user)
    _touch_lead(activity, acting_user)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, acting_user, attendees: Iterable | None = None, contacts: Iterable | None = None, **data) -> dict:
    _reject_unknown(data)
    data = _tidy(data)
    probe = Activity(**{f.attname: getattr(activity, f.attname) for f in Activity._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    if probe.starts_at is not None:
        _links(probe)
        data["account"] = probe.account
    derived: dict[str, Any] = {}
    remind_at = _remind_at(probe)
    if remind_at != activity.remind_at:
        derived.update(remind_at=remind_at, reminder_sent_at=None)
    if probe.status == ActivityStatus.DONE and activity.completed_at is None:
        derived["completed_at"] = timezone.now()
    elif probe.status != ActivityStatus.DONE and activity.completed_at is not None:
        derived["completed_at"] = None
    changes = base.update(activity, acting_user=acting_user, data=data, derived=derived,
                          m2m={"contacts": contacts} if contacts is not None else None)
    if attendees is not None:
        _invite(activity, attendees, acting_user)
    _touch_lead(activity, acting_user)
    return changes


def activity_complete(*, activity: Activity, acting_user, outcome: str = "") -> dict:
    data: dict[str, Any] = {"status": ActivityStatus.DONE}
    if outcome:
        data["outcome"] = outcome
    return activity_update(activity=activity, acting_user=acting_user, **data)


@transaction.atomic
def activity_delete(*, activity: Activity, acting_user) -> None:
    base.delete(activity, acting_user=acting_user)


def activities_send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind owners and attendees of the activities whose reminder time has come (in Guanxi and by e-mail)."""
    now = now or timezone.now()
    due = (
        Activity.objects.filter(status=ActivityStatus.PLANNED, remind_at__lte=now, reminder_sent_at__isnull=True)
        .select_related("owner").prefetch_related("attendees").order_by("remind_at", "id")
    )
    sent = 0
    for activity in due:
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now)
            if not claimed:
                continue  # another worker took it
            when = timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")
            title = _("Reminder: %(subject)s at %(time)s") % {"subject": activity.subject, "time": when}
            people = [activity.owner, *activity.attendees.all()]
            for person in people:
                notification_send(recipient=person, title=title, body=activity.location, url=activity.get_absolute_url())
            addresses = sorted({p.email for p in people if p.email})
            if addresses:
                body = "\n".join(x for x in (activity.subject, when, activity.location, activity.description) if x)
                transaction.on_commit(lambda t=title, b=body, a=addresses: send_mail(t, b, settings.DEFAULT_FROM_EMAIL, a, fail_silently=True))
            sent += 1
    return sent


@transaction.atomic
def calendar_feed_for(*, user) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_renew(*, user) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    from ..models.activities import new_feed_token

    feed = calendar_feed_for(user=user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token", "updated_at"])
    return feed
