"""Service levels of cases: deadlines on create and on priority change, the pause while pending, and
the escalation pass that warns, reassigns and raises priority when a deadline is near or missed.

Deadlines are computed once (in business time, by :mod:`.businesshours`) and stored on the case with
their warning moments, so the escalation pass is a handful of set-based statements over indexed
columns, however many cases are open.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import BigIntegerField, Case as When_, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import ngettext

from guanxi.framework.bulk import BATCH, insert_many
from guanxi.framework.urls import record_url

from .businesshours import WorkingTime
from .choices import OPEN_STATUSES, PRIORITY_ORDER
from .models import Case, Queue, SlaPolicy, SlaTarget

DEADLINES = ("first_response", "resolution")


def policy_for(case: Case) -> SlaPolicy | None:
    """The policy of a case: its service contract's, else its queue's, else the default policy."""
    if case.service_contract_id and case.service_contract.sla_policy_id:
        return case.service_contract.sla_policy
    if case.queue_id and case.queue.sla_policy_id:
        return case.queue.sla_policy
    return SlaPolicy.objects.filter(is_default=True).select_related("calendar").first()


def target_for(policy: SlaPolicy, priority: str, value_tier: str) -> SlaTarget | None:
    """The target for this priority and tier, else the priority's target for any tier."""
    targets = {t.value_tier: t for t in policy.targets.filter(priority=priority, value_tier__in=[value_tier, ""])}
    return targets.get(value_tier) or targets.get("")


def working_time(policy: SlaPolicy) -> WorkingTime:
    return WorkingTime.for_calendar(policy.calendar)


def deadlines(case: Case, *, start: datetime.datetime, policy: SlaPolicy | None = None) -> dict:
    """The SLA fields of ``case`` counted from ``start`` (its creation, or a priority change)."""
    policy = policy or policy_for(case)
    empty = {"sla_policy": None, "first_response_due_at": None, "first_response_warn_at": None,
             "resolution_due_at": None, "resolution_warn_at": None}
    if policy is None:
        return empty
    # a case whose customer is not identified yet has no value tier: the targets for any tier apply
    target = target_for(policy, case.priority, case.account.value_tier if case.account_id else "")
    if target is None:
        return {**empty, "sla_policy": policy}
    clock = working_time(policy)
    share = min(max(policy.warn_percent, 1), 100) / 100
    fields = {"sla_policy": policy}
    for name, minutes in (("first_response", target.first_response_minutes), ("resolution", target.resolution_minutes)):
        fields[f"{name}_due_at"] = clock.add(start, minutes)
        fields[f"{name}_warn_at"] = clock.add(start, minutes * share)
    if case.first_responded_at:
        fields["first_response_due_at"] = case.first_response_due_at
        fields["first_response_warn_at"] = case.first_response_warn_at
    return fields


def minutes_left(policy: SlaPolicy, now: datetime.datetime, moments: dict) -> dict:
    """``{"resolution_due_at": minutes, …}``: business minutes from ``now`` to each moment (0 when past)."""
    clock = working_time(policy)
    return {key: max(0.0, clock.minutes_between(now, moment)) for key, moment in moments.items() if moment is not None}


def pause_fields(case: Case, now: datetime.datetime) -> dict:
    """Stop the clock: remember the business minutes left to each deadline and warning."""
    if case.sla_policy is None or not case.sla_policy.pause_when_pending or case.sla_paused_at:
        return {}
    moments = {f"{name}_{suffix}": getattr(case, f"{name}_{suffix}") for name in DEADLINES for suffix in ("due_at", "warn_at")}
    if case.first_responded_at:
        moments = {k: v for k, v in moments.items() if not k.startswith("first_response")}
    return {"sla_paused_at": now, "sla_clock": minutes_left(case.sla_policy, now, moments)}


def resume_fields(case: Case, now: datetime.datetime) -> dict:
    """Start the clock again: each deadline moves by the business time the case spent pending."""
    if not case.sla_paused_at:
        return {}
    clock = working_time(case.sla_policy) if case.sla_policy else None
    fields: dict = {"sla_paused_at": None, "sla_clock": {}}
    if clock is not None:
        for key, minutes in (case.sla_clock or {}).items():
            if not (key.startswith("first_response") and case.first_responded_at):
                fields[key] = clock.add(now, minutes)
    return fields


def sla_state(case: Case, now: datetime.datetime | None = None) -> dict:
    """For the detail page: each deadline, and whether it is met, missed, near or on track."""
    now = now or timezone.now()
    out = {}
    for name, done_at in (("first_response", case.first_responded_at), ("resolution", case.resolved_at)):
        due, warn = getattr(case, f"{name}_due_at"), getattr(case, f"{name}_warn_at")
        if due is None:
            state = ""
        elif done_at is not None:
            state = "met" if done_at <= due else "missed"
        elif case.sla_paused_at:
            state = "paused"
        elif now >= due:
            state = "missed"
        elif warn is not None and now >= warn:
            state = "near"
        else:
            state = "on_track"
        out[name] = {"due": due, "state": state}
    return out


# --- escalation ---------------------------------------------------------------------------------

def _open_running():
    """Open cases whose clock runs (not paused)."""
    return Case.objects.filter(status__in=OPEN_STATUSES, sla_paused_at__isnull=True)


def _near(now):
    return Q(first_responded_at__isnull=True, first_response_warn_at__lte=now) | Q(resolution_warn_at__lte=now)


def _missed(now):
    return Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now)


def _recipients(rows) -> dict[int, int]:
    """user id -> how many of the cases concern them (the assignee, else the queue's supervisor)."""
    counts: dict[int, int] = defaultdict(int)
    for assignee_id, supervisor_id in rows:
        for user_id in {assignee_id or supervisor_id, supervisor_id} - {None}:
            counts[user_id] += 1
    return counts


def _notify(counts: dict[int, int], title, url: str) -> int:
    """One notification per person; ``title(n)`` words it."""
    from guanxi.core.models import Notification

    insert_many([Notification(recipient_id=user_id, title=title(n), url=url) for user_id, n in counts.items()])
    return len(counts)


def reset_escalation(case: Case) -> None:
    """New deadlines (priority changed, reopened, another policy): the case may be warned and escalated
    again. A miss already recorded (``breached``) stays."""
    from .models import CaseEscalation

    CaseEscalation.objects.filter(case=case, level__gt=0).update(level=0)
    if Case.escalation.is_cached(case):  # read again when next asked
        Case.escalation.related.delete_cached_value(case)


def _mark(ids, *, level: int, now) -> None:
    """Write the escalation level of these cases: ``INSERT … ON CONFLICT DO UPDATE`` into the narrow
    ``service_caseescalation`` (its primary key its only index), never the case table.
    PostgreSQL: one statement with the ids as one array parameter."""
    from django.db import connection

    from .models import CaseEscalation

    if not ids:
        return
    if connection.vendor == "postgresql":
        stamp = "escalated_at" if level >= 2 else "warned_at"
        breached = "true" if level >= 2 else "false"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO service_caseescalation (case_id, level, breached, {stamp}) "
                f"SELECT id, %s, {breached}, %s FROM unnest(%s::bigint[]) AS id "
                f"ON CONFLICT (case_id) DO UPDATE SET level = excluded.level, {stamp} = excluded.{stamp}"
                + (", breached = true" if level >= 2 else ""),
                [level, now, list(ids)])
        return
    if level >= 2:
        rows = [CaseEscalation(case_id=pk, level=level, breached=True, escalated_at=now) for pk in ids]
        fields = ["level", "breached", "escalated_at"]
    else:
        rows = [CaseEscalation(case_id=pk, level=level, warned_at=now) for pk in ids]
        fields = ["level", "warned_at"]
    CaseEscalation.objects.bulk_create(rows, batch_size=BATCH, update_conflicts=True, unique_fields=["case"], update_fields=fields)


@transaction.atomic
def escalate(*, now: datetime.datetime | None = None) -> dict:
    """One escalation pass over every open case; returns what it did.

    - target near (a policy's share of the time used), not yet warned: notify the assignee (or the
      queue's supervisor) once, grouped into one notification per person;
    - target missed, not yet escalated: mark the case missed, raise its priority one step and hand it
      to the queue's supervisor where the policy says so, notify, and write the account timeline.

    The cases are found from partial indexes on open cases. What changes on every pass (the level, the
    miss) is written to ``CaseEscalation``, not to the case: a case row is written only when its priority
    or assignee changes, since every write of a case row inserts into each of the case table's indexes.
    """
    from django.urls import reverse

    from django.db import connection

    from .models import CaseEscalation

    now = now or timezone.now()
    list_url = reverse("service:case_list")
    if connection.vendor == "postgresql":
        # A batch of plain index scans: just-in-time compiling its statements cost seconds (4.6 s measured
        # at 100,000 open cases), more than running them.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    supervisor = Subquery(Queue.objects.filter(pk=OuterRef("queue_id")).values("supervisor_id")[:1])

    escalated = CaseEscalation.objects.filter(case=OuterRef("pk"), level__gte=2)
    missed = _open_running().filter(_missed(now)).filter(~Exists(escalated)).order_by()
    missed_rows = list(missed.annotate(supervisor=supervisor).values_list("pk", "number", "account_id", "priority", "assignee_id", "supervisor",
                                                                           "sla_policy__raise_priority_on_breach", "sla_policy__reassign_on_breach"))
    raise_ids = [r[0] for r in missed_rows if r[6] and r[3] != PRIORITY_ORDER[-1]]
    reassign_ids = [r[0] for r in missed_rows if r[7] and r[5] and r[5] != r[4]]
    _mark(sorted(r[0] for r in missed_rows), level=2, now=now)
    # The case rows change only where the policy raises the priority or hands the case on: one UPDATE per
    # chunk, each case written once, in key order (neighbouring rows share heap and index pages).
    raised, reassigned = set(raise_ids), set(reassign_ids)
    bump = When_(*[When(priority=low, then=Value(str(high))) for low, high in zip(PRIORITY_ORDER, PRIORITY_ORDER[1:])],
                 default=F("priority"))
    for chunk in _chunks(sorted(raised | reassigned)):
        chunk_raised = [pk for pk in chunk if pk in raised]
        chunk_reassigned = [pk for pk in chunk if pk in reassigned]
        changes = {"updated_at": now}
        if chunk_raised:
            changes["priority"] = When_(When(pk__in=chunk_raised, then=bump), default=F("priority"))
        if chunk_reassigned:
            changes["assignee_id"] = When_(When(pk__in=chunk_reassigned, then=supervisor), default=F("assignee_id"),
                                           output_field=BigIntegerField())
        Case.objects.filter(pk__in=chunk).update(**changes)
    _audit_escalations(missed_rows, raise_ids, reassign_ids)
    _timeline_missed(missed_rows, now)
    notified = _notify(_recipients((r[4], r[5]) for r in missed_rows),
                       lambda n: ngettext("%(count)d case missed its service level", "%(count)d cases missed their service level", n) % {"count": n},
                       list_url + "?sla=missed")

    warned = CaseEscalation.objects.filter(case=OuterRef("pk"), level__gte=1)
    near = _open_running().filter(_near(now)).filter(~Exists(warned)).order_by()
    near_rows = list(near.annotate(supervisor=supervisor).values_list("pk", "assignee_id", "supervisor"))
    _mark(sorted(r[0] for r in near_rows), level=1, now=now)
    notified += _notify(_recipients((r[1], r[2]) for r in near_rows),
                        lambda n: ngettext("%(count)d case is near its service level target",
                                           "%(count)d cases are near their service level target", n) % {"count": n},
                        list_url + "?sla=near")
    return {"missed": len(missed_rows), "near": len(near_rows), "priority_raised": len(raise_ids),
            "reassigned": len(reassign_ids), "notifications": notified}


def _chunks(ids, size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _audit_escalations(rows, raise_ids, reassign_ids) -> None:
    """One audit row per escalated case (bulk-inserted), saying what changed."""
    from django.contrib.contenttypes.models import ContentType

    from guanxi.core.models import AuditEntry
    from guanxi.framework.context import current_source

    source = current_source()
    content_type = ContentType.objects.get_for_model(Case)
    raised, reassigned = set(raise_ids), set(reassign_ids)
    bump = {str(low): str(high) for low, high in zip(PRIORITY_ORDER, PRIORITY_ORDER[1:])}
    entries = []
    for pk, number, account_id, priority, assignee_id, supervisor_id, _r, _a in rows:
        changes = {"escalation_level": [None, 2], "sla_breached": [False, True]}
        if pk in raised:
            changes["priority"] = [priority, bump[priority]]
        if pk in reassigned:
            changes["assignee"] = [assignee_id, supervisor_id]
        entries.append(AuditEntry(
            actor=None, action="update", content_type=content_type, object_id=str(pk), object_repr=number,
            changes=changes, source=source.source, source_detail=source.detail[:200] or "service_escalate",
            parent_key=f"customers.account:{account_id}" if account_id else "",
        ))
    insert_many(entries)


def _timeline_missed(rows, now) -> None:
    from guanxi.customers.models import TimelineEvent

    from .events import TITLES

    title = str(TITLES["case.sla_missed"])
    insert_many([
        TimelineEvent(account_id=account_id, occurred_at=now, kind="case.sla_missed",
                      title=(title % {"number": number})[:200], data={"number": number}, url=record_url("service:case_detail", pk))
        for pk, number, account_id, *_rest in rows
        if account_id is not None  # a case without an identified customer has no account timeline
    ])
