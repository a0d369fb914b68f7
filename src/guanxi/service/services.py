"""Writes of the service app: cases and their life cycle, notes, attachments, links, merges, routing,
queues, agents, calendars and SLA policies.

Keyword-only with ``acting_user``, atomic, validated (errors name the field), audited through
:mod:`guanxi.framework.services`; timeline events are written with the change.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.customers import services as customer_services
from guanxi.customers.models import Account, Contact
from guanxi.framework import services as base
from guanxi.framework.text import fold, tidy

from . import events, sla
from .businesshours import china_official_days, parse_hours
from .choices import OPEN_STATUSES, TRANSITIONS, CaseChannel, CaseStatus, RoutingMethod
from .models import (
    AgentProfile, BusinessCalendar, CalendarDay, Case, CaseAttachment, CaseCategory, CaseLink, CaseNote,
    CaseNumberSequence, Queue, QueueMember, SlaPolicy, SlaTarget, case_search_text,
)

CASE_FIELDS = {"subject", "description", "account", "contact", "channel", "case_type", "category", "priority", "queue", "assignee",
               "installed_product", "service_contract", "requester_email", "requester_name"}
#: the channel of the survey interaction, by the case's channel
SURVEY_CHANNEL = {CaseChannel.PHONE: "phone", CaseChannel.EMAIL: "email", CaseChannel.WEB: "web", CaseChannel.PORTAL: "web", CaseChannel.CHAT: "chat"}


def _reject_unknown(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def _search_text(case: Case) -> str:
    return case_search_text(case.number, case.subject, case.requester_name, case.requester_email)


def next_case_number(now: datetime.datetime | None = None) -> str:
    """CS-<year>-<six digits>, counted per year; concurrent creators wait on the year's row."""
    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        if not CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(year=year, last=1)
            except IntegrityError:
                CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        last = CaseNumberSequence.objects.get(year=year).last
    return f"CS-{year}-{last:06d}"


def _check_contact(account: Account | None, contact: Contact | None) -> None:
    if contact is not None and account is not None and not contact.account_links.filter(account=account).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})


def _check_case_coverage(account: Account | None, data: dict) -> None:
    """The case's unit and contract must be its account's, and the contract in force."""
    unit, contract = data.get("installed_product"), data.get("service_contract")
    if unit is not None and account is not None and unit.account_id != account.pk:
        raise ValidationError({"installed_product": _("This unit belongs to another account.")})
    if contract is not None:
        if account is not None and contract.account_id != account.pk:
            raise ValidationError({"service_contract": _("This contract belongs to another account.")})
        if not contract.is_in_force():
            raise ValidationError({"service_contract": _("Contract %(number)s is not in force.") % {"number": contract.number}})


# --- cases --------------------------------------------------------------------------------------

@transaction.atomic
def case_create(*, acting_user, auto_assign: bool = True, **data) -> Case:
    """Open a case; without an assignee it is routed to an agent of its queue (or its category's queue).

    A case needs its customer's account, except one opened from mail of an unknown address: that one has
    the sender in ``requester_email`` and waits, "customer not identified", for :func:`case_link_customer`.
    """
    _reject_unknown(data, CASE_FIELDS)
    data = {k: (tidy(v) if isinstance(v, str) and k in ("subject", "requester_name") else v) for k, v in data.items()}
    data["requester_email"] = (data.get("requester_email") or "").strip().lower()
    if not data.get("account") and not data["requester_email"]:
        raise ValidationError({"account": _("Choose the customer's account.")})
    if not data.get("account") and (data.get("contact") or data.get("installed_product") or data.get("service_contract")):
        raise ValidationError({"account": _("Choose the customer's account first.")})
    _check_contact(data["account"], data.get("contact"))
    _check_case_coverage(data.get("account"), data)
    if data.get("service_contract") is None and data.get("account"):
        data["service_contract"] = contract_for_case(account=data["account"], installed_product=data.get("installed_product"))
    category = data.get("category")
    if data.get("queue") is None and category is not None and category.default_queue_id:
        data["queue"] = category.default_queue
    now = timezone.now()
    case = Case(**data, created_by=acting_user if getattr(acting_user, "pk", None) else None)
    case.number = next_case_number(now)
    case.search_text = _search_text(case)
    for name, value in sla.deadlines(case, start=now).items():
        setattr(case, name, value)
    if case.assignee_id and case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
    base.create(case, acting_user=acting_user)
    events.case_opened(case, acting_user)
    if auto_assign and case.assignee_id is None and case.queue_id is not None:
        case_route(case=case, acting_user=acting_user)
    return case


@transaction.atomic
def case_update(*, case: Case, acting_user, **data) -> dict:
    """Change a case's fields; a new priority (or account) recomputes its SLA deadlines from now."""
    _reject_unknown(data, CASE_FIELDS - {"queue", "assignee", "requester_email", "requester_name"})
    if "account" in data and data["account"] is None and case.account_id:
        raise ValidationError({"account": _("Choose the customer's account.")})
    if "subject" in data:
        data["subject"] = tidy(data["subject"])
    _check_contact(data.get("account", case.account), data.get("contact", case.contact))
    if any(k in data and data[k] != getattr(case, k) for k in ("installed_product", "service_contract", "account")):
        _check_case_coverage(data.get("account", case.account), {
            "installed_product": data.get("installed_product", case.installed_product),
            "service_contract": data["service_contract"] if "service_contract" in data and data["service_contract"] != case.service_contract else None,
        })
    derived: dict[str, Any] = {}
    new_deadlines = False
    if "subject" in data and data["subject"] != case.subject:
        probe = Case(number=case.number, subject=data["subject"], requester_name=case.requester_name, requester_email=case.requester_email)
        derived["search_text"] = _search_text(probe)
    if "service_contract" in data and data["service_contract"] != case.service_contract and case.is_open:
        # a case put under (or taken out of) a contract follows that contract's service level, counted from its opening
        probe = Case(priority=data.get("priority", case.priority), account=data.get("account", case.account), queue=case.queue,
                     service_contract=data["service_contract"], first_responded_at=case.first_responded_at,
                     first_response_due_at=case.first_response_due_at, first_response_warn_at=case.first_response_warn_at)
        fields = sla.deadlines(probe, start=case.created_at)
        if fields["sla_policy"] != case.sla_policy:
            data.update(fields)
            new_deadlines = True
    if "priority" in data and data["priority"] != case.priority and case.is_open:
        now = timezone.now()
        probe = Case(priority=data["priority"], account=data.get("account", case.account), queue=case.queue,
                     first_responded_at=case.first_responded_at, first_response_due_at=case.first_response_due_at,
                     first_response_warn_at=case.first_response_warn_at)
        timing = {k: v for k, v in sla.deadlines(probe, start=now, policy=case.sla_policy).items() if k.endswith("_at")}
        data.update(timing)
        new_deadlines = True
        if case.sla_paused_at and case.sla_policy_id:  # the clock stays stopped, with the new targets' time left
            derived["sla_clock"] = sla.minutes_left(case.sla_policy, now, timing)
    changes = base.update(case, acting_user=acting_user, data=data, derived=derived)
    if new_deadlines:
        sla.reset_escalation(case)
    return changes


@transaction.atomic
def case_set_status(*, case: Case, acting_user, status: str, satisfaction: int | None = None, comment: str = "") -> dict:
    """Move a case along new -> open -> pending -> resolved -> closed (or reopen it).

    Pending pauses the SLA clock when the policy says so; leaving pending restarts it. Closing may
    carry the customer's satisfaction (1-5 and a comment), recorded as an interaction.
    """
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a case status.") % {"value": status}})
    if status == case.status:
        return {}
    if status not in TRANSITIONS[case.status]:
        raise ValidationError({"status": _("A case cannot go from %(old)s to %(new)s.") % {
            "old": case.get_status_display(), "new": CaseStatus(status).label}})
    if case.merged_into_id and status == CaseStatus.OPEN:
        raise ValidationError({"status": _("This case was merged into %(number)s; reopen that one.") % {"number": case.merged_into.number}})
    now = timezone.now()
    data: dict[str, Any] = {"status": status}
    reopened = case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and status == CaseStatus.OPEN
    if status == CaseStatus.PENDING:
        data.update(sla.pause_fields(case, now))
    elif case.status == CaseStatus.PENDING:
        data.update(sla.resume_fields(case, now))
    if status == CaseStatus.RESOLVED:
        data["resolved_at"] = now
    if status == CaseStatus.CLOSED:
        data["closed_at"] = now
        data.setdefault("resolved_at", case.resolved_at or now)
    if reopened:
        data.update(resolved_at=None, closed_at=None, reopen_count=case.reopen_count + 1)
        if case.sla_policy_id:  # a reopened case gets a fresh resolution deadline
            probe = Case(priority=case.priority, account=case.account, queue=case.queue, first_responded_at=case.first_responded_at,
                         first_response_due_at=case.first_response_due_at, first_response_warn_at=case.first_response_warn_at)
            fields = sla.deadlines(probe, start=now, policy=case.sla_policy)
            data.update(resolution_due_at=fields["resolution_due_at"], resolution_warn_at=fields["resolution_warn_at"])
    changes = base.update(case, acting_user=acting_user, data=data)
    if reopened and case.sla_policy_id:
        sla.reset_escalation(case)
    events.case_status_changed(case, acting_user, status if status != CaseStatus.OPEN or reopened else "")
    if status == CaseStatus.CLOSED and satisfaction is not None:
        case_record_satisfaction(case=case, acting_user=acting_user, satisfaction=satisfaction, comment=comment)
    return changes


@transaction.atomic
def case_delete(*, case: Case, acting_user) -> None:
    """Delete a case (entered by mistake); its notes, attachments and links go with it."""
    files = [a.file for a in case.attachments.all() if a.file]
    base.delete(case, acting_user=acting_user)
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])


@transaction.atomic
def case_record_satisfaction(*, case: Case, acting_user, satisfaction, comment: str = "") -> Case:
    """The customer's rating of a resolved or closed case, kept on the case and as an interaction."""
    try:
        score = int(satisfaction)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"satisfaction": _("Rate from 1 to 5.")})
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise ValidationError({"satisfaction": _("Only a resolved or closed case can be rated.")})
    comment = (comment or "").strip()
    if not case.account_id:  # nobody to record the interaction for yet: the rating stays on the case
        base.update(case, acting_user=acting_user, data={"satisfaction": score, "satisfaction_comment": comment})
        return case
    interaction = customer_services.interaction_create(
        acting_user=acting_user, account=case.account, contact=case.contact, direction="inbound",
        channel=SURVEY_CHANNEL.get(case.channel, "phone"), started_at=timezone.now(), outcome="resolved",
        reason=(_("Satisfaction survey for case %(number)s") % {"number": case.number})[:200],
        satisfaction=score, notes=comment,
    )
    base.update(case, acting_user=acting_user, data={"satisfaction": score, "satisfaction_comment": comment, "survey_interaction": interaction})
    events.case_surveyed(case, acting_user, score)
    return case


@transaction.atomic
def case_assign(*, case: Case, acting_user, queue: Queue | None = None, assignee=None, route: bool = False) -> dict:
    """Put a case in a queue and/or give it to an agent (reassignment included); ``route`` picks the agent."""
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": _("This user is inactive.")})
    if queue is not None and not queue.is_active:
        raise ValidationError({"queue": _("This queue is closed.")})
    data: dict[str, Any] = {}
    if queue is not None:
        data["queue"] = queue
    if assignee is not None or (queue is not None and queue.pk != case.queue_id):
        data["assignee"] = assignee
    if assignee is not None and case.status == CaseStatus.NEW:
        data["status"] = CaseStatus.OPEN
    changes = base.update(case, acting_user=acting_user, data=data)
    if route and case.assignee_id is None:
        changes.update(case_route(case=case, acting_user=acting_user))
    return changes


def pick_agent(queue: Queue, *, skill: str = "") -> int | None:
    """The agent a new case of ``queue`` goes to, by its routing method; None when nobody can take it.

    Candidates: active members who are available and below their capacity of open cases, with the
    skill when one is asked (without anyone skilled, any candidate). Round robin takes the one who
    waited longest since their last case; least loaded the one with the fewest open cases.
    """
    if queue.routing == RoutingMethod.MANUAL:
        return None
    members = (
        QueueMember.objects.filter(queue=queue, user__is_active=True)
        .filter(Q(user__service_profile__isnull=True) | Q(user__service_profile__available=True))
        .annotate(open_cases=Count("user__service_cases", filter=Q(user__service_cases__status__in=OPEN_STATUSES)))
        .values("user_id", "last_assigned_at", "open_cases", "user__service_profile__capacity", "user__service_profile__skills")
    )
    candidates = [m for m in members if m["open_cases"] < (m["user__service_profile__capacity"] or 30)]
    if skill:
        skilled = [m for m in candidates if skill in (m["user__service_profile__skills"] or [])]
        candidates = skilled or candidates
    if not candidates:
        return None
    never = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    if queue.routing == RoutingMethod.LEAST_LOADED:
        chosen = min(candidates, key=lambda m: (m["open_cases"], m["last_assigned_at"] or never, m["user_id"]))
    else:
        chosen = min(candidates, key=lambda m: (m["last_assigned_at"] or never, m["user_id"]))
    return chosen["user_id"]


@transaction.atomic
def case_route(*, case: Case, acting_user) -> dict:
    """Give an unassigned case of a queue to the agent its routing picks; nothing when nobody can take it."""
    if case.queue_id is None:
        raise ValidationError({"queue": _("Put the case in a queue first.")})
    queue = Queue.objects.select_for_update().get(pk=case.queue_id)
    user_id = pick_agent(queue, skill=case.category.skill if case.category_id else "")
    if user_id is None:
        return {}
    QueueMember.objects.filter(queue=queue, user_id=user_id).update(last_assigned_at=timezone.now())
    data: dict[str, Any] = {"assignee": user_id}
    if case.status == CaseStatus.NEW:
        data["status"] = CaseStatus.OPEN
    return base.update(case, acting_user=acting_user, data=data)


# --- notes, attachments -------------------------------------------------------------------------

@transaction.atomic
def case_note_add(
    *, case: Case, acting_user, body: str, is_public: bool = False, files: Iterable = (), from_customer: bool = False,
    message_id: str = "", email_from: str = "", send_email: bool = True,
) -> CaseNote:
    """An internal note, or a reply the customer sees; the first public reply by an agent is the first response.

    A customer-visible reply goes out by e-mail (after the commit) when the customer has an address to reply to.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("A note cannot be empty.")})
    note = base.create(CaseNote(case=case, body=body, is_public=is_public or from_customer, from_customer=from_customer,
                                message_id=message_id, email_from=email_from,
                                author=acting_user if getattr(acting_user, "pk", None) else None), acting_user=acting_user)
    for upload in files:
        case_attachment_add(case=case, acting_user=acting_user, file=upload, note=note, is_public=note.is_public)
    if is_public and not from_customer and case.first_responded_at is None:
        base.update(case, acting_user=acting_user, data={"first_responded_at": note.created_at})
    elif from_customer and case.status == CaseStatus.PENDING:
        case_set_status(case=case, acting_user=acting_user, status=CaseStatus.OPEN)
    else:
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    if is_public and not from_customer and send_email:
        transaction.on_commit(lambda: _email_reply(note))
    return note


def _email_reply(note: CaseNote) -> None:
    """Send the reply; a mail server that is down loses nothing (the note is saved), it is logged."""
    import logging

    from . import mail

    try:
        message_id = mail.send_reply(note)
    except Exception:
        logging.getLogger("guanxi.service.mail").exception("could not e-mail the reply on case %s", note.case.number)
        return
    if message_id:
        CaseNote.objects.filter(pk=note.pk).update(message_id=message_id[:250])


@transaction.atomic
def case_attachment_add(*, case: Case, acting_user, file, note: CaseNote | None = None, is_public: bool = False, filename: str = "") -> CaseAttachment:
    limit = settings.GUANXI_MAX_ATTACHMENT_BYTES
    if file.size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}})
    name = tidy(filename or getattr(file, "name", "") or "attachment").rsplit("/", 1)[-1][:200]
    attachment = CaseAttachment(
        case=case, note=note, file=file, filename=name, size=file.size, is_public=is_public,
        content_type_label=(getattr(file, "content_type", "") or "")[:100],
        uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    return base.create(attachment, acting_user=acting_user)


@transaction.atomic
def case_attachment_delete(*, attachment: CaseAttachment, acting_user) -> None:
    base.delete(attachment, acting_user=acting_user)
    if attachment.file:
        transaction.on_commit(lambda: attachment.file.delete(save=False))


# --- links and merges ---------------------------------------------------------------------------

@transaction.atomic
def case_link(*, case: Case, other: Case, acting_user, kind: str = "related") -> CaseLink:
    if other.pk == case.pk:
        raise ValidationError({"other": _("A case cannot be linked to itself.")})
    if CaseLink.objects.filter(Q(case=case, other=other) | Q(case=other, other=case)).exists():
        raise ValidationError({"other": _("These cases are already linked.")})
    return base.create(CaseLink(case=case, other=other, kind=kind, created_by=acting_user), acting_user=acting_user)


@transaction.atomic
def case_unlink(*, link: CaseLink, acting_user) -> None:
    base.delete(link, acting_user=acting_user)


@transaction.atomic
def case_merge(*, source: Case, target: Case, acting_user) -> Case:
    """Fold ``source`` into ``target``: its notes and attachments move over, and it is closed as merged."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("A case cannot be merged into itself.")})
    if target.merged_into_id:
        raise ValidationError({"target": _("That case was itself merged into %(number)s.") % {"number": target.merged_into.number}})
    if source.account_id != target.account_id:
        raise ValidationError({"target": _("Only cases of the same account can be merged.")})
    if not target.is_open:
        raise ValidationError({"target": _("Merge into an open case.")})
    moved_notes = CaseNote.objects.filter(case=source).update(case=target)
    moved_files = CaseAttachment.objects.filter(case=source).update(case=target)
    CaseLink.objects.filter(Q(case=source, other=target) | Q(case=target, other=source)).delete()
    CaseLink.objects.filter(case=source).update(case=target)
    CaseLink.objects.filter(other=source).update(other=target)
    CaseLink.objects.filter(case=F("other")).delete()
    base.create(CaseNote(case=target, author=acting_user, body=_(
        "Merged case %(number)s (%(subject)s) into this one: %(notes)d notes and %(files)d attachments moved.") % {
        "number": source.number, "subject": source.subject, "notes": moved_notes, "files": moved_files}), acting_user=acting_user)
    now = timezone.now()
    base.update(source, acting_user=acting_user, data={
        "merged_into": target, "status": CaseStatus.CLOSED, "closed_at": now, "resolved_at": source.resolved_at or now,
        "sla_paused_at": None,
    })
    return target


# --- queues and agents --------------------------------------------------------------------------

QUEUE_FIELDS = {"name", "code", "description", "routing", "email", "supervisor", "sla_policy", "is_active"}


@transaction.atomic
def queue_create(*, acting_user, members: Iterable = (), **data) -> Queue:
    _reject_unknown(data, QUEUE_FIELDS)
    queue = base.create(Queue(**{k: tidy(v) if isinstance(v, str) else v for k, v in data.items()}), acting_user=acting_user)
    queue_set_members(queue=queue, acting_user=acting_user, members=members)
    return queue


@transaction.atomic
def queue_update(*, queue: Queue, acting_user, members: Iterable | None = None, **data) -> dict:
    _reject_unknown(data, QUEUE_FIELDS)
    changes = base.update(queue, acting_user=acting_user, data={k: tidy(v) if isinstance(v, str) else v for k, v in data.items()})
    if members is not None:
        changes.update(queue_set_members(queue=queue, acting_user=acting_user, members=members))
    return changes


@transaction.atomic
def queue_set_members(*, queue: Queue, acting_user, members: Iterable) -> dict:
    from guanxi.framework import audit

    wanted = {m.pk if hasattr(m, "pk") else int(m) for m in members}
    current = set(queue.memberships.values_list("user_id", flat=True))
    if wanted == current:
        return {}
    QueueMember.objects.filter(queue=queue, user_id__in=current - wanted).delete()
    QueueMember.objects.bulk_create([QueueMember(queue=queue, user_id=user_id) for user_id in sorted(wanted - current)])
    change = {"members": [sorted(current), sorted(wanted)]}
    audit.record(audit.UPDATE, queue, acting_user=acting_user, changes=change)
    return change


@transaction.atomic
def queue_delete(*, queue: Queue, acting_user) -> None:
    if queue.cases.filter(status__in=OPEN_STATUSES).exists():
        raise ValidationError({"queue": _("The queue still has open cases; move them first.")})
    base.delete(queue, acting_user=acting_user)


@transaction.atomic
def agent_profile_update(*, user, acting_user, skills: Iterable[str] | None = None, available: bool | None = None, capacity: int | None = None) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    data: dict[str, Any] = {}
    if skills is not None:
        data["skills"] = sorted({fold(s).replace(" ", "-") for s in skills if s.strip()})
    if available is not None:
        data["available"] = available
    if capacity is not None:
        data["capacity"] = capacity
    base.update(profile, acting_user=acting_user, data=data)
    return profile


@transaction.atomic
def category_create(*, acting_user, name: str, skill: str = "", default_queue: Queue | None = None) -> CaseCategory:
    return base.create(CaseCategory(name=tidy(name), skill=fold(skill), default_queue=default_queue), acting_user=acting_user)


@transaction.atomic
def category_update(*, category: CaseCategory, acting_user, **data) -> dict:
    _reject_unknown(data, {"name", "skill", "default_queue", "is_active"})
    return base.update(category, acting_user=acting_user, data=data)


# --- calendars and SLA policies -----------------------------------------------------------------

@transaction.atomic
def calendar_create(*, acting_user, name: str, time_zone: str = "Asia/Shanghai", hours: dict | None = None) -> BusinessCalendar:
    calendar = BusinessCalendar(name=tidy(name), time_zone=time_zone)
    if hours is not None:
        calendar.hours = hours
    _check_calendar(calendar)
    return base.create(calendar, acting_user=acting_user)


@transaction.atomic
def calendar_update(*, calendar: BusinessCalendar, acting_user, **data) -> dict:
    _reject_unknown(data, {"name", "time_zone", "hours"})
    probe = BusinessCalendar(**{"name": calendar.name, "time_zone": calendar.time_zone, "hours": calendar.hours, **data})
    _check_calendar(probe)
    return base.update(calendar, acting_user=acting_user, data=data)


def _check_calendar(calendar: BusinessCalendar) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("“%(zone)s” is not a time zone.") % {"zone": calendar.time_zone}}) from None
    try:
        weekly = parse_hours(calendar.hours)
    except (TypeError, ValueError):
        raise ValidationError({"hours": _("Write working hours as 09:00-12:00, 13:00-18:00.")}) from None
    if not any(weekly.values()):
        raise ValidationError({"hours": _("The calendar has no working hours.")})


@transaction.atomic
def calendar_day_set(*, calendar: BusinessCalendar, acting_user, date: datetime.date, kind: str, name: str = "") -> CalendarDay:
    day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
    if day is None:
        return base.create(CalendarDay(calendar=calendar, date=date, kind=kind, name=tidy(name)), acting_user=acting_user)
    base.update(day, acting_user=acting_user, data={"kind": kind, "name": tidy(name)})
    return day


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay, acting_user) -> None:
    base.delete(day, acting_user=acting_user)


@transaction.atomic
def calendar_seed_china(*, calendar: BusinessCalendar, acting_user, year: int) -> int:
    """Add China's official holidays and adjusted working days of ``year`` (from ``chinese_calendar``).

    Days already entered are left as they are, so an administrator's corrections survive a re-seed.
    """
    days = china_official_days(year)
    if not days:
        raise ValidationError({"year": _("No official calendar is known for %(year)d yet; enter its days by hand.") % {"year": year}})
    existing = set(calendar.days.filter(date__year=year).values_list("date", flat=True))
    added = 0
    for date, kind, name in days:
        if date not in existing:
            base.create(CalendarDay(calendar=calendar, date=date, kind=kind, name=name), acting_user=acting_user)
            added += 1
    return added


SLA_FIELDS = {"name", "calendar", "is_default", "pause_when_pending", "warn_percent", "raise_priority_on_breach", "reassign_on_breach"}


@transaction.atomic
def sla_policy_create(*, acting_user, targets: Iterable[dict] = (), **data) -> SlaPolicy:
    _reject_unknown(data, SLA_FIELDS)
    if data.get("is_default"):
        SlaPolicy.objects.filter(is_default=True).update(is_default=False)
    policy = base.create(SlaPolicy(**data), acting_user=acting_user)
    for target in targets:
        sla_target_set(policy=policy, acting_user=acting_user, **target)
    return policy


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, acting_user, **data) -> dict:
    _reject_unknown(data, SLA_FIELDS)
    if data.get("is_default") and not policy.is_default:
        SlaPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
    return base.update(policy, acting_user=acting_user, data=data)


@transaction.atomic
def sla_target_set(*, policy: SlaPolicy, acting_user, priority: str, first_response_minutes: int, resolution_minutes: int, value_tier: str = "") -> SlaTarget:
    if resolution_minutes < first_response_minutes:
        raise ValidationError({"resolution_minutes": _("Resolution cannot be due before the first response.")})
    target = SlaTarget.objects.filter(policy=policy, priority=priority, value_tier=value_tier).first()
    if target is None:
        return base.create(SlaTarget(policy=policy, priority=priority, value_tier=value_tier, first_response_minutes=first_response_minutes,
                                     resolution_minutes=resolution_minutes), acting_user=acting_user)
    base.update(target, acting_user=acting_user, data={"first_response_minutes": first_response_minutes, "resolution_minutes": resolution_minutes})
    return target


@transaction.atomic
def sla_target_delete(*, target: SlaTarget, acting_user) -> None:
    base.delete(target, acting_user=acting_user)


# --- knowledge base -----------------------------------------------------------------------------

ARTICLE_FIELDS = {"title", "problem", "solution", "category", "is_public", "is_published"}


def _article_text(data: dict) -> dict:
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    if "title" in data:
        data["title"] = tidy(data["title"])
    return data


def _save_version(article, acting_user) -> None:
    from .models import ArticleVersion

    ArticleVersion.objects.create(
        article=article, version=article.version, title=article.title, problem=article.problem, solution=article.solution,
        is_public=article.is_public, edited_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def article_create(*, acting_user, **data):
    from . import knowledge
    from .models import Article

    _reject_unknown(data, ARTICLE_FIELDS)
    data = _article_text(data)
    article = Article(**data, author=acting_user if getattr(acting_user, "pk", None) else None)
    article.search_tokens = knowledge.document(title=article.title, problem=article.problem, solution=article.solution)
    base.create(article, acting_user=acting_user)
    _save_version(article, acting_user)
    return article


@transaction.atomic
def article_update(*, article, acting_user, **data) -> dict:
    """Save an edit as a new version; the earlier versions are kept."""
    from . import knowledge

    _reject_unknown(data, ARTICLE_FIELDS)
    data = _article_text(data)
    text = {k: data.get(k, getattr(article, k)) for k in ("title", "problem", "solution")}
    edited = any(k in data and data[k] != getattr(article, k) for k in data)
    derived = {"search_tokens": knowledge.document(**text), "version": article.version + 1} if edited else None
    changes = base.update(article, acting_user=acting_user, data=data, derived=derived)
    if changes and derived:
        _save_version(article, acting_user)
    return changes


@transaction.atomic
def article_delete(*, article, acting_user) -> None:
    base.delete(article, acting_user=acting_user)


@transaction.atomic
def article_feedback(*, article, acting_user, helpful: bool, comment: str = "", case: Case | None = None):
    """Record "was this helpful"; the article keeps the running counts."""
    from .models import Article, ArticleFeedback

    feedback = ArticleFeedback.objects.create(
        article=article, helpful=bool(helpful), comment=(comment or "").strip()[:500], case=case,
        user=acting_user if getattr(acting_user, "pk", None) else None,
    )
    counter = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return feedback


@transaction.atomic
def article_category_create(*, acting_user, name: str):
    from .models import ArticleCategory

    return base.create(ArticleCategory(name=tidy(name)), acting_user=acting_user)


# --- numbering ----------------------------------------------------------------------------------

def next_number(prefix: str, now: datetime.datetime | None = None) -> str:
    """<prefix>-<year>-<six digits>, counted per prefix and year; concurrent creators wait on the row."""
    from .models import ServiceNumberSequence

    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        if not ServiceNumberSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    ServiceNumberSequence.objects.create(prefix=prefix, year=year, last=1)
            except IntegrityError:
                ServiceNumberSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
        last = ServiceNumberSequence.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year}-{last:06d}"


# --- installed products and warranties ----------------------------------------------------------

UNIT_FIELDS = {"product", "serial_number", "account", "contact", "install_date", "location", "warranty_end", "status", "notes"}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end_for(product, install_date: datetime.date | None) -> datetime.date | None:
    """The end of the warranty of a unit installed on ``install_date``, by its product's warranty term (inclusive)."""
    from .models import WarrantyTerm

    if product is None or install_date is None:
        return None
    term = WarrantyTerm.objects.filter(product=product).first()
    if term is None:
        return None
    return add_months(install_date, term.months) - datetime.timedelta(days=1)


def _check_unit(data: dict, unit=None) -> None:
    from .models import InstalledProduct

    product = data.get("product", getattr(unit, "product", None))
    serial = data.get("serial_number", getattr(unit, "serial_number", ""))
    if product is not None and serial:
        clash = InstalledProduct.objects.filter(product=product, serial_number=serial)
        if unit is not None:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            raise ValidationError({"serial_number": _("%(product)s already has a unit with serial number %(serial)s.") % {
                "product": product.name, "serial": serial}})
    _check_contact(data.get("account", getattr(unit, "account", None)), data.get("contact", getattr(unit, "contact", None)))
    install, end = data.get("install_date", getattr(unit, "install_date", None)), data.get("warranty_end", getattr(unit, "warranty_end", None))
    if install and end and end < install:
        raise ValidationError({"warranty_end": _("The warranty cannot end before the unit was installed.")})


def _unit_text(data: dict) -> dict:
    data = dict(data)
    for key in ("serial_number", "location"):
        if isinstance(data.get(key), str):
            data[key] = tidy(data[key])
    if "serial_number" in data:
        data["serial_number"] = fold(data["serial_number"]).upper().replace(" ", "") if data["serial_number"] else ""
    return data


@transaction.atomic
def installed_product_create(*, acting_user, **data):
    """Register a unit at a customer's site; without a warranty end it is computed from the product's warranty term."""
    from .models import InstalledProduct

    _reject_unknown(data, UNIT_FIELDS)
    data = _unit_text(data)
    if not data.get("account"):
        raise ValidationError({"account": _("Choose the customer's account.")})
    if not data.get("serial_number"):
        raise ValidationError({"serial_number": _("Enter the unit's serial number.")})
    _check_unit(data)
    if not data.get("warranty_end"):
        data["warranty_end"] = warranty_end_for(data.get("product"), data.get("install_date"))
    unit = base.create(InstalledProduct(**data), acting_user=acting_user)
    events.record_event(account_id=unit.account_id, kind="unit.installed", actor=acting_user, url=unit.get_absolute_url(),
                        product=unit.product.name, serial=unit.serial_number)
    return unit


@transaction.atomic
def installed_product_update(*, unit, acting_user, **data) -> dict:
    """Change a unit; an emptied warranty end (or a new install date or product while it was computed) is computed again."""
    _reject_unknown(data, UNIT_FIELDS)
    data = _unit_text(data)
    _check_unit(data, unit)
    was_computed = unit.warranty_end is not None and unit.warranty_end == warranty_end_for(unit.product, unit.install_date)
    moved = any(k in data and data[k] != getattr(unit, k) for k in ("install_date", "product"))
    if "warranty_end" in data and not data["warranty_end"] or (moved and was_computed and data.get("warranty_end") in (None, unit.warranty_end)):
        data["warranty_end"] = warranty_end_for(data.get("product", unit.product), data.get("install_date", unit.install_date))
    return base.update(unit, acting_user=acting_user, data=data)


@transaction.atomic
def installed_product_delete(*, unit, acting_user) -> None:
    """Delete a unit entered by mistake; one with returns keeps its history and cannot be deleted (retire it)."""
    if unit.rma_lines.exists():
        raise ValidationError({"__all__": _("This unit has returns; set its status to retired instead of deleting it.")})
    base.delete(unit, acting_user=acting_user)


@transaction.atomic
def warranty_term_set(*, acting_user, product, months: int | None):
    """Set (or, with no months, remove) the warranty length of a product."""
    from .models import WarrantyTerm

    term = WarrantyTerm.objects.filter(product=product).first()
    if not months:
        if term is not None:
            base.delete(term, acting_user=acting_user)
        return None
    if term is None:
        return base.create(WarrantyTerm(product=product, months=months), acting_user=acting_user)
    base.update(term, acting_user=acting_user, data={"months": months})
    return term


# --- service contracts and entitlements ---------------------------------------------------------

CONTRACT_FIELDS = {"name", "account", "contact", "start_date", "end_date", "value", "currency", "sla_policy", "owner",
                   "renewal_reminder_days", "notes"}


def _check_contract(data: dict, contract=None, installed_products=None) -> None:
    account = data.get("account", getattr(contract, "account", None))
    _check_contact(account, data.get("contact", getattr(contract, "contact", None)))
    start, end = data.get("start_date", getattr(contract, "start_date", None)), data.get("end_date", getattr(contract, "end_date", None))
    if start and end and end < start:
        raise ValidationError({"end_date": _("The contract cannot end before it starts.")})
    if installed_products and account is not None:
        foreign = [u for u in installed_products if u.account_id != account.pk]
        if foreign:
            raise ValidationError({"installed_products": _("%(unit)s belongs to another account.") % {"unit": foreign[0]}})


@transaction.atomic
def service_contract_create(*, acting_user, installed_products=(), **data):
    """A draft contract (activate it to put it in force); covered units must be the account's."""
    from .models import ServiceContract

    _reject_unknown(data, CONTRACT_FIELDS)
    if data.get("name"):
        data["name"] = tidy(data["name"])
    if not data.get("account"):
        raise ValidationError({"account": _("Choose the customer's account.")})
    installed_products = list(installed_products or [])
    _check_contract(data, installed_products=installed_products)
    if data.get("owner") is None:
        data["owner"] = acting_user if getattr(acting_user, "pk", None) else None
    contract = ServiceContract(**data)
    contract.number = next_number("SC")
    return base.create(contract, acting_user=acting_user, m2m={"installed_products": installed_products})


@transaction.atomic
def service_contract_update(*, contract, acting_user, installed_products=None, **data) -> dict:
    """Change a contract; a later end date (a renewal) sends the renewal reminder again when it comes near."""
    _reject_unknown(data, CONTRACT_FIELDS)
    if data.get("name"):
        data["name"] = tidy(data["name"])
    if contract.status == "cancelled":
        raise ValidationError({"__all__": _("A cancelled contract cannot be changed.")})
    if installed_products is not None:
        installed_products = list(installed_products)
    _check_contract(data, contract, installed_products)
    derived = {}
    if "end_date" in data and data["end_date"] != contract.end_date:
        derived["renewal_reminded_at"] = None
    m2m = {"installed_products": installed_products} if installed_products is not None else None
    return base.update(contract, acting_user=acting_user, data=data, m2m=m2m, derived=derived or None)


@transaction.atomic
def service_contract_set_status(*, contract, acting_user, status: str) -> dict:
    """draft -> active -> expired (or cancelled); an expired contract may be made active again after a renewal."""
    from .choices import CONTRACT_TRANSITIONS, ContractStatus

    if status not in ContractStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a contract status.") % {"value": status}})
    if status == contract.status:
        return {}
    if status not in CONTRACT_TRANSITIONS[contract.status]:
        raise ValidationError({"status": _("A contract cannot go from %(old)s to %(new)s.") % {
            "old": contract.get_status_display(), "new": ContractStatus(status).label}})
    if status == ContractStatus.ACTIVE and contract.end_date < timezone.localdate():
        raise ValidationError({"end_date": _("The contract ended on %(date)s; move its end date first.") % {"date": contract.end_date}})
    changes = base.update(contract, acting_user=acting_user, data={"status": status})
    kind = {"active": "contract.activated", "expired": "contract.expired", "cancelled": "contract.cancelled"}[status]
    events.record_event(account_id=contract.account_id, kind=kind, actor=acting_user, url=contract.get_absolute_url(),
                        number=contract.number, name=contract.name)
    return changes


@transaction.atomic
def service_contract_delete(*, contract, acting_user) -> None:
    """Delete a draft entered by mistake; a contract that was in force is cancelled instead, to keep its history."""
    if contract.status != "draft":
        raise ValidationError({"__all__": _("Only a draft contract can be deleted; cancel this one instead.")})
    base.delete(contract, acting_user=acting_user)


ENTITLEMENT_FIELDS = {"name", "unit", "quantity"}


@transaction.atomic
def entitlement_create(*, contract, acting_user, **data):
    from .models import Entitlement

    _reject_unknown(data, ENTITLEMENT_FIELDS)
    if data.get("name"):
        data["name"] = tidy(data["name"])
    return base.create(Entitlement(contract=contract, **data), acting_user=acting_user)


@transaction.atomic
def entitlement_update(*, entitlement, acting_user, **data) -> dict:
    _reject_unknown(data, ENTITLEMENT_FIELDS)
    if "quantity" in data and data["quantity"] is not None and data["quantity"] < entitlement.used:
        raise ValidationError({"quantity": _("%(used)s are already used; the quantity cannot be less.") % {"used": entitlement.used}})
    return base.update(entitlement, acting_user=acting_user, data=data)


@transaction.atomic
def entitlement_delete(*, entitlement, acting_user) -> None:
    if entitlement.usages.exists():
        raise ValidationError({"__all__": _("This entitlement has been used; set its quantity instead of deleting it.")})
    base.delete(entitlement, acting_user=acting_user)


@transaction.atomic
def entitlement_consume(*, entitlement, acting_user, quantity, case: Case | None = None, note: str = ""):
    """Use visits or hours of a contract (for a case); refused past what is left, or when the contract is not in force."""
    from decimal import Decimal, InvalidOperation

    from .models import Entitlement, EntitlementUsage

    try:
        amount = Decimal(str(quantity))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if amount <= 0:
        raise ValidationError({"quantity": _("Use more than zero.")})
    locked = Entitlement.objects.select_for_update().select_related("contract").get(pk=entitlement.pk)
    contract = locked.contract
    if not contract.is_in_force():
        raise ValidationError({"entitlement": _("Contract %(number)s is not in force (%(status)s, %(start)s – %(end)s).") % {
            "number": contract.number, "status": contract.get_status_display(), "start": contract.start_date, "end": contract.end_date}})
    if case is not None and case.account_id != contract.account_id:
        raise ValidationError({"case": _("The case is of another account than the contract.")})
    if locked.used + amount > locked.quantity:
        raise ValidationError({"quantity": _("Only %(left)s of %(name)s left on contract %(number)s; %(asked)s asked.") % {
            "left": locked.remaining.normalize(), "name": locked.name, "number": contract.number, "asked": amount.normalize()}})
    usage = base.create(EntitlementUsage(entitlement=locked, case=case, quantity=amount, note=(note or "").strip()[:300],
                                         used_by=acting_user if getattr(acting_user, "pk", None) else None), acting_user=acting_user)
    base.update(locked, acting_user=acting_user, data={"used": locked.used + amount})
    entitlement.used = locked.used
    return usage


@transaction.atomic
def entitlement_usage_delete(*, usage, acting_user) -> None:
    """Undo a use recorded by mistake: its quantity is given back."""
    from .models import Entitlement

    locked = Entitlement.objects.select_for_update().get(pk=usage.entitlement_id)
    base.update(locked, acting_user=acting_user, data={"used": max(locked.used - usage.quantity, 0)})
    base.delete(usage, acting_user=acting_user)


def contract_reminders(*, today: datetime.date | None = None) -> dict:
    """The daily pass: expire active contracts past their end, and remind owners of contracts ending soon (once each)."""
    from django.urls import reverse

    from guanxi.core.models import Notification

    from .choices import ContractStatus
    from .models import ServiceContract

    today = today or timezone.localdate()
    expired = 0
    for contract in ServiceContract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today).select_related("account"):
        service_contract_set_status(contract=contract, acting_user=None, status=ContractStatus.EXPIRED)
        expired += 1
    due = (
        ServiceContract.objects.filter(status=ContractStatus.ACTIVE, renewal_reminded_at__isnull=True, end_date__gte=today,
                                       end_date__lte=today + datetime.timedelta(days=366))
        .select_related("account").order_by("end_date", "id")
    )
    reminded = 0
    now = timezone.now()
    with transaction.atomic():
        for contract in due:
            if contract.end_date - datetime.timedelta(days=contract.renewal_reminder_days) > today:
                continue
            recipient = contract.owner_id or contract.account.owner_id
            if recipient:
                Notification.objects.create(
                    recipient_id=recipient, url=contract.get_absolute_url(),
                    title=(_("Service contract %(number)s of %(account)s ends on %(date)s: time to renew") % {
                        "number": contract.number, "account": contract.account.name, "date": contract.end_date})[:200],
                )
            ServiceContract.objects.filter(pk=contract.pk).update(renewal_reminded_at=now)
            reminded += 1
    return {"expired": expired, "reminded": reminded, "list_url": reverse("service:servicecontract_list")}


def contract_for_case(*, account, installed_product=None):
    """The contract in force a new case of this account (or unit) falls under, or None."""
    from . import selectors

    if account is None:
        return None
    return selectors.contracts_in_force(account_id=account.pk, installed_product_id=getattr(installed_product, "pk", None)).first()


# --- returns (RMA) ------------------------------------------------------------------------------

RMA_FIELDS = {"account", "contact", "case", "reason", "owner", "diagnosis", "return_carrier", "return_tracking_number"}


def _check_rma(data: dict, rma=None) -> None:
    account = data.get("account", getattr(rma, "account", None))
    _check_contact(account, data.get("contact", getattr(rma, "contact", None)))
    case = data.get("case", getattr(rma, "case", None))
    if case is not None and account is not None and case.account_id != account.pk:
        raise ValidationError({"case": _("The case is of another account.")})


@transaction.atomic
def rma_create(*, acting_user, lines=(), **data):
    """Authorise a return; ``lines``: ``[{"installed_product": unit, "product": …, "quantity": 1, "problem": "…"}]``."""
    from .choices import RmaStatus
    from .models import Rma

    _reject_unknown(data, RMA_FIELDS)
    if not data.get("account"):
        raise ValidationError({"account": _("Choose the customer's account.")})
    data["reason"] = (data.get("reason") or "").strip()
    if not data["reason"]:
        raise ValidationError({"reason": _("Say why the item is returned.")})
    _check_rma(data)
    if data.get("owner") is None:
        data["owner"] = acting_user if getattr(acting_user, "pk", None) else None
    rma = Rma(**data, status=RmaStatus.AUTHORISED, authorised_at=timezone.now())
    rma.number = next_number("RMA")
    base.create(rma, acting_user=acting_user)
    for line in lines:
        rma_line_add(rma=rma, acting_user=acting_user, **line)
    events.record_event(account_id=rma.account_id, kind="rma.authorised", actor=acting_user, url=rma.get_absolute_url(), number=rma.number)
    return rma


@transaction.atomic
def rma_from_case(*, case: Case, acting_user, reason: str = ""):
    """A return for a case: its account and contact, and its installed product as the first line."""
    if not case.account_id:
        raise ValidationError({"case": _("Link the case to its customer before opening a return.")})
    lines = [{"installed_product": case.installed_product}] if case.installed_product_id else []
    return rma_create(acting_user=acting_user, account=case.account, contact=case.contact, case=case,
                      reason=reason or case.subject, lines=lines)


@transaction.atomic
def rma_update(*, rma, acting_user, **data) -> dict:
    _reject_unknown(data, RMA_FIELDS - {"account"})
    if rma.status in ("closed", "cancelled"):
        raise ValidationError({"__all__": _("A closed or cancelled return cannot be changed.")})
    for key in ("reason", "diagnosis", "return_carrier", "return_tracking_number"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    if "reason" in data and not data["reason"]:
        raise ValidationError({"reason": _("Say why the item is returned.")})
    _check_rma(data, rma)
    return base.update(rma, acting_user=acting_user, data=data)


@transaction.atomic
def rma_line_add(*, rma, acting_user, installed_product=None, product=None, quantity: int = 1, problem: str = ""):
    from .models import RmaLine

    if rma.status not in ("requested", "authorised", "received"):
        raise ValidationError({"__all__": _("Lines can be added only before the return is diagnosed.")})
    if installed_product is not None:
        if installed_product.account_id != rma.account_id:
            raise ValidationError({"installed_product": _("This unit belongs to another account.")})
        product = product or installed_product.product
        if product.pk != installed_product.product_id:
            raise ValidationError({"product": _("The unit is a %(product)s.") % {"product": installed_product.product.name}})
        if quantity != 1:
            raise ValidationError({"quantity": _("A unit with a serial number is returned one at a time.")})
    if product is None:
        raise ValidationError({"product": _("Choose the returned product or unit.")})
    return base.create(RmaLine(rma=rma, installed_product=installed_product, product=product, quantity=quantity,
                               problem=(problem or "").strip()[:300]), acting_user=acting_user)


@transaction.atomic
def rma_line_delete(*, line, acting_user) -> None:
    if line.rma.status not in ("requested", "authorised", "received"):
        raise ValidationError({"__all__": _("Lines can be removed only before the return is diagnosed.")})
    base.delete(line, acting_user=acting_user)


#: the status a return's units get when it reaches a status
_UNIT_STATUS = {"received": "in_repair", "replaced": "replaced", "refunded": "retired", "cancelled": "active"}


@transaction.atomic
def rma_set_status(*, rma, acting_user, status: str, diagnosis: str | None = None, return_carrier: str | None = None,
                   return_tracking_number: str | None = None) -> dict:
    """authorised -> received -> diagnosed -> repaired / replaced / refunded -> shipped back -> closed (cancel before diagnosis).

    Diagnosing needs the diagnosis; shipping back needs the carrier and tracking number. The units follow:
    in repair when received, back in service when a repaired unit is shipped, replaced or retired otherwise.
    """
    from .choices import RMA_TRANSITIONS, RmaStatus
    from .models import InstalledProduct

    if status not in RmaStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a return status.") % {"value": status}})
    if status == rma.status:
        return {}
    if status not in RMA_TRANSITIONS[rma.status]:
        raise ValidationError({"status": _("A return cannot go from %(old)s to %(new)s.") % {
            "old": rma.get_status_display(), "new": RmaStatus(status).label}})
    now = timezone.now()
    data: dict[str, Any] = {"status": status}
    if diagnosis is not None:
        data["diagnosis"] = diagnosis.strip()
    if return_carrier is not None:
        data["return_carrier"] = tidy(return_carrier)
    if return_tracking_number is not None:
        data["return_tracking_number"] = return_tracking_number.strip()
    if status == RmaStatus.RECEIVED and not rma.lines.exists():
        raise ValidationError({"status": _("Add the returned items before marking the return received.")})
    if status == RmaStatus.DIAGNOSED and not data.get("diagnosis", rma.diagnosis):
        raise ValidationError({"diagnosis": _("Write the diagnosis.")})
    if status == RmaStatus.SHIPPED:
        if rma.status == RmaStatus.REPLACED:
            missing = [line.installed_product.serial_number for line in rma.lines.filter(installed_product__isnull=False, replacement__isnull=True)
                       .select_related("installed_product")]
            if missing:
                raise ValidationError({"status": _("Record the replacement unit for serial number %(serials)s before shipping.") % {
                    "serials": ", ".join(missing)}})
        if not data.get("return_carrier", rma.return_carrier):
            raise ValidationError({"return_carrier": _("Name the carrier of the return shipment.")})
        if not data.get("return_tracking_number", rma.return_tracking_number):
            raise ValidationError({"return_tracking_number": _("Enter the tracking number of the return shipment.")})
    stamp = {"authorised": "authorised_at", "received": "received_at", "diagnosed": "diagnosed_at", "repaired": "resolved_at", "replaced": "resolved_at",
             "refunded": "resolved_at", "shipped": "shipped_at", "closed": "closed_at", "cancelled": "closed_at"}[status]
    derived = {stamp: now}
    previous = rma.status
    changes = base.update(rma, acting_user=acting_user, data=data, derived=derived)
    changes.setdefault(stamp, [None, now])
    unit_status = _UNIT_STATUS.get(status)
    if status == RmaStatus.SHIPPED and previous == RmaStatus.REPAIRED:
        unit_status = "active"
    if unit_status:
        unit_ids = [pk for pk in rma.lines.values_list("installed_product_id", flat=True) if pk]
        for unit in InstalledProduct.objects.filter(pk__in=unit_ids).exclude(status=unit_status):
            if status == RmaStatus.CANCELLED and unit.status != "in_repair":
                continue
            base.update(unit, acting_user=acting_user, data={"status": unit_status})
    events.record_event(account_id=rma.account_id, kind=f"rma.{status}", actor=acting_user, url=rma.get_absolute_url(),
                        number=rma.number, carrier=rma.return_carrier, tracking=rma.return_tracking_number)
    return changes


@transaction.atomic
def rma_line_replace(*, line, acting_user, serial_number: str, warranty: str = "carry_over", product=None,
                     install_date=None, notes: str = ""):
    """Record the unit that replaces a returned one: a new installed product of the same account (and site),
    linked to the old unit, with the old unit's warranty end carried over or a warranty restarted from
    ``install_date`` (today by default). The old unit is marked replaced. Returns the new unit.
    """
    from .choices import ReplacementWarranty, RmaStatus
    from .models import RmaLine

    line = RmaLine.objects.select_for_update(of=("self",)).select_related("rma", "installed_product__product").get(pk=line.pk)
    rma, old = line.rma, line.installed_product
    if old is None:
        raise ValidationError({"installed_product": _("This line names no unit: only a returned unit can be replaced by another.")})
    if rma.status not in (RmaStatus.DIAGNOSED, RmaStatus.REPLACED):
        raise ValidationError({"status": _("Record a replacement once the return is diagnosed (it is %(status)s).") % {
            "status": rma.get_status_display()}})
    if line.replacement_id:
        raise ValidationError({"serial_number": _("Unit %(serial)s was already replaced by %(new)s.") % {
            "serial": old.serial_number, "new": line.replacement.serial_number}})
    if warranty not in ReplacementWarranty.values:
        raise ValidationError({"warranty": _("Choose whether the warranty carries over or restarts.")})
    install_date = install_date or timezone.localdate()
    product = product or old.product
    if warranty == ReplacementWarranty.CARRY_OVER and (old.warranty_end is None or old.warranty_end < install_date):
        raise ValidationError({"warranty": _("Unit %(serial)s has no warranty left to carry over; restart the warranty instead.") % {
            "serial": old.serial_number}})
    warranty_end = old.warranty_end if warranty == ReplacementWarranty.CARRY_OVER else warranty_end_for(product, install_date)
    new = installed_product_create(
        acting_user=acting_user, product=product, serial_number=serial_number, account=old.account, contact=old.contact,
        install_date=install_date, location=old.location, warranty_end=warranty_end,
        notes=notes or _("Replaces %(serial)s (return %(number)s).") % {"serial": old.serial_number, "number": rma.number},
    )
    base.update(new, acting_user=acting_user, data={"replaces": old})
    base.update(line, acting_user=acting_user, data={"replacement": new})
    if old.status != "replaced":
        base.update(old, acting_user=acting_user, data={"status": "replaced"})
    events.record_event(account_id=rma.account_id, kind="unit.replaced", actor=acting_user, url=new.get_absolute_url(),
                        old=old.serial_number, new=new.serial_number, number=rma.number, product=product.name)
    return new


@transaction.atomic
def rma_request(*, account, contact, units, reason: str, acting_user=None):
    """A return the customer asks for (portal): status "requested" until staff authorise (or cancel) it.

    ``units``: the account's installed products in service or in repair, none already in an open return.
    """
    from .choices import OPEN_RMA_STATUSES, InstalledProductStatus, RmaStatus
    from .models import Rma, RmaLine

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the item is returned.")})
    units = list(units)
    if not units:
        raise ValidationError({"installed_products": _("Choose at least one product to return.")})
    for unit in units:
        if unit.account_id != account.pk or unit.status not in (InstalledProductStatus.ACTIVE, InstalledProductStatus.IN_REPAIR):
            raise ValidationError({"installed_products": _("Unit %(serial)s cannot be returned from this account.") % {
                "serial": unit.serial_number}})
    busy = (RmaLine.objects.filter(installed_product__in=units, rma__status__in=OPEN_RMA_STATUSES)
            .select_related("rma", "installed_product").first())
    if busy is not None:
        raise ValidationError({"installed_products": _("Unit %(serial)s is already in return %(number)s.") % {
            "serial": busy.installed_product.serial_number, "number": busy.rma.number}})
    rma = Rma(account=account, contact=contact, reason=reason, status=RmaStatus.REQUESTED)
    rma.number = next_number("RMA")
    base.create(rma, acting_user=acting_user)
    for unit in units:
        rma_line_add(rma=rma, acting_user=acting_user, installed_product=unit)
    events.record_event(account_id=account.pk, kind="rma.requested", actor=acting_user, url=rma.get_absolute_url(), number=rma.number)
    _notify_rma_request(rma)
    return rma


def _notify_rma_request(rma) -> None:
    """The account's owner hears of a customer's return request (staff authorise it)."""
    from guanxi.core.services import notification_send

    owner = rma.account.owner
    if owner is not None and owner.is_active:
        notification_send(recipient=owner, title=_("Return %(number)s requested by %(account)s") % {"number": rma.number, "account": rma.account},
                          url=rma.get_absolute_url())
