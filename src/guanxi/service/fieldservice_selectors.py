"""Reads of field service, always through ``visible_to(user)``: work orders, the technicians a
dispatcher plans for, the dispatch board, calendars, conflicts and suggested technicians.

Conflict checks are pure functions over rows read once, so the board checks every job it shows
without a query per job.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case as When_, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import Territory
from guanxi.framework.visibility import scope_for

from .businesshours import parse_hours
from .fieldservice_choices import ConflictKind, WorkOrderStatus
from .models import Technician, TechnicianTimeOff, WorkOrder
from .models.fieldservice import ACTIVE_WORK_ORDER

PRIORITY_RANK = When_(
    When(priority="urgent", then=Value(0)), When(priority="high", then=Value(1)), When(priority="normal", then=Value(2)),
    default=Value(3), output_field=IntegerField(),
)


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: datetime.date, days: int = 1) -> tuple[datetime.datetime, datetime.datetime]:
    """The first and last moment (exclusive) of ``days`` local days from ``day``."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())
    return start, start + datetime.timedelta(days=days)


# --- work orders --------------------------------------------------------------------------------

def work_order_list(*, user):
    return WorkOrder.objects.visible_to(user)


def work_orders_of_case(*, case, user):
    return WorkOrder.objects.visible_to(user).filter(case=case).select_related("technician").order_by("-created_at", "-id")


def unassigned_work_orders(*, user, limit: int = 100):
    """Visible work orders waiting for a technician, most urgent and earliest wanted first."""
    return list(
        WorkOrder.objects.visible_to(user).filter(status=WorkOrderStatus.NEW)
        .select_related("account", "territory").annotate(rank=PRIORITY_RANK)
        .order_by("rank", "window_start", "created_at", "id")[:limit]
    )


def my_jobs(*, user, day: datetime.date):
    """The technician's jobs of one local day, and those still open from before it, in time order."""
    start, end = day_bounds(day)
    return list(
        WorkOrder.objects.filter(technician=user).filter(
            Q(scheduled_start__gte=start, scheduled_start__lt=end)
            | Q(scheduled_start__lt=start, status__in=[WorkOrderStatus.DISPATCHED, WorkOrderStatus.IN_PROGRESS])
        ).exclude(status=WorkOrderStatus.CANCELLED).select_related("account", "contact").order_by("scheduled_start", "id")
    )


# --- technicians --------------------------------------------------------------------------------

def technicians_in_scope(*, user):
    """Active technicians the user plans for: everyone for organisation-wide roles, else those whose user is in
    the user's owner scope (themselves and the teams they manage) or who work in one of the user's territories."""
    scope = scope_for(user)
    queryset = Technician.objects.filter(is_active=True, user__is_active=True).select_related("user", "territory")
    if scope.everything:
        return queryset
    if scope.user_id is None:
        return queryset.none()
    return queryset.filter(Q(user_id__in=sorted(scope.owner_ids)) | Q(territory_id__in=sorted(scope.territory_ids)))


def _territory_parents() -> dict[int, int | None]:
    return dict(Territory.objects.values_list("pk", "parent_id"))


def covers(technician_territory: int | None, territory: int | None, parents: dict[int, int | None]) -> bool | None:
    """Whether a technician of ``technician_territory`` covers ``territory`` (itself or one below it); ``None``: not known."""
    if not territory or not technician_territory:
        return None
    seen = set()
    while territory and territory not in seen:
        if territory == technician_territory:
            return True
        seen.add(territory)
        territory = parents.get(territory)
    return False


# --- conflicts ----------------------------------------------------------------------------------

@dataclass
class Conflict:
    kind: str
    message: str

    @property
    def label(self) -> str:
        return ConflictKind(self.kind).label


def working_spans(technician: Technician, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]] | None:
    """The technician's working periods of a local day as aware times; ``None`` when no hours are set (any time)."""
    if not technician.working_hours:
        return None
    weekly = parse_hours(technician.working_hours)
    zone = local_zone()
    return [(datetime.datetime.combine(day, a, tzinfo=zone), datetime.datetime.combine(day, b, tzinfo=zone)) for a, b in weekly.get(day.weekday(), [])]


def conflicts_for(*, work_order: WorkOrder, technician: Technician, start, end, jobs, time_off, parents) -> list[Conflict]:
    """What is wrong with ``technician`` doing ``work_order`` from ``start`` to ``end``.

    ``jobs`` are the technician's other active work orders and ``time_off`` their time off near that
    time (rows already read); ``parents`` maps territory ids to their parents.
    """
    found: list[Conflict] = []
    missing = sorted(set(work_order.required_skills or []) - set(technician.skills or []))
    if missing:
        found.append(Conflict(ConflictKind.SKILLS, _("%(technician)s lacks: %(skills)s") % {"technician": technician, "skills": ", ".join(missing)}))
    if start is None or end is None:
        return found
    for job in jobs:
        if job.pk != work_order.pk and job.scheduled_start and job.scheduled_end and job.scheduled_start < end and start < job.scheduled_end:
            found.append(Conflict(ConflictKind.OVERLAP, _("Overlaps %(number)s (%(start)s–%(end)s)") % {
                "number": job.number, "start": timezone.localtime(job.scheduled_start).strftime("%H:%M"),
                "end": timezone.localtime(job.scheduled_end).strftime("%H:%M")}))
    for off in time_off:
        if off.starts_at < end and start < off.ends_at:
            found.append(Conflict(ConflictKind.TIME_OFF, _("%(technician)s is off: %(reason)s") % {
                "technician": technician, "reason": off.reason or _("time off")}))
    local_start = timezone.localtime(start, local_zone())
    spans = working_spans(technician, local_start.date())
    if spans is not None and not any(a <= start and end <= b for a, b in spans):
        found.append(Conflict(ConflictKind.HOURS, _("Outside %(technician)s's working hours") % {"technician": technician}))
    if covers(technician.territory_id, work_order.territory_id, parents) is False:
        found.append(Conflict(ConflictKind.TERRITORY, _("%(technician)s works in %(territory)s") % {
            "technician": technician, "territory": technician.territory}))
    return found


def _jobs_and_time_off(user_ids, start, end):
    jobs: dict[int, list[WorkOrder]] = {}
    for job in (WorkOrder.objects.filter(technician_id__in=user_ids, status__in=ACTIVE_WORK_ORDER,
                                         scheduled_start__lt=end, scheduled_end__gt=start)
                .select_related("account").order_by("scheduled_start", "id")):
        jobs.setdefault(job.technician_id, []).append(job)
    offs: dict[int, list[TechnicianTimeOff]] = {}
    for off in TechnicianTimeOff.objects.filter(technician__user_id__in=user_ids, starts_at__lt=end, ends_at__gt=start).select_related("technician"):
        offs.setdefault(off.technician.user_id, []).append(off)
    return jobs, offs


def schedule_conflicts(*, work_order: WorkOrder, technician: Technician, start, end) -> list[Conflict]:
    """Conflicts of one proposed assignment, read from the database."""
    window_start = min(start, end) - datetime.timedelta(days=1) if start and end else timezone.now()
    window_end = max(start, end) + datetime.timedelta(days=1) if start and end else timezone.now()
    jobs, offs = _jobs_and_time_off([technician.user_id], window_start, window_end)
    return conflicts_for(work_order=work_order, technician=technician, start=start, end=end,
                         jobs=jobs.get(technician.user_id, []), time_off=offs.get(technician.user_id, []), parents=_territory_parents())


# --- suggestions --------------------------------------------------------------------------------

@dataclass
class Suggestion:
    technician: Technician
    score: int
    missing_skills: list[str]
    in_territory: bool | None
    free_minutes: int
    slot_start: datetime.datetime | None
    conflicts: list[Conflict] = field(default_factory=list)


def _free_gaps(spans, busy):
    """Free intervals of working ``spans`` once ``busy`` intervals are taken out."""
    gaps = []
    for a, b in spans:
        cursor = a
        for s, e in sorted(busy):
            if e <= cursor or s >= b:
                continue
            if s > cursor:
                gaps.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < b:
            gaps.append((cursor, b))
    return gaps


def suggest_technicians(*, work_order: WorkOrder, user, day: datetime.date | None = None, limit: int = 5) -> list[Suggestion]:
    """Technicians in the user's scope for ``work_order`` on ``day``, best first.

    Score (0-100): skills covered 50, territory 30 (unknown 15), free time that day 20; a technician
    with no free slot long enough for the estimated duration loses 40. The slot is the earliest free one,
    from the requested window's start when there is one.
    """
    if day is None:
        when = work_order.scheduled_start or work_order.window_start or timezone.now()
        day = timezone.localtime(when, local_zone()).date()
    start, end = day_bounds(day)
    technicians = list(technicians_in_scope(user=user))
    jobs, offs = _jobs_and_time_off([t.user_id for t in technicians], start, end)
    parents = _territory_parents()
    required = set(work_order.required_skills or [])
    duration = datetime.timedelta(minutes=work_order.duration_minutes)
    earliest = max(work_order.window_start or start, timezone.now() if day == timezone.localdate() else start)
    out = []
    for tech in technicians:
        spans = working_spans(tech, day)
        if spans is None:
            spans = [(start + datetime.timedelta(hours=8), start + datetime.timedelta(hours=18))]
        total = sum(((b - a).total_seconds() for a, b in spans), 0.0) / 60
        busy = [(j.scheduled_start, j.scheduled_end) for j in jobs.get(tech.user_id, []) if j.pk != work_order.pk]
        busy += [(o.starts_at, o.ends_at) for o in offs.get(tech.user_id, [])]
        gaps = _free_gaps(spans, busy)
        free = int(sum((b - a).total_seconds() for a, b in gaps) / 60)
        slot = next((max(a, earliest) for a, b in gaps if b - max(a, earliest) >= duration), None)
        missing = sorted(required - set(tech.skills or []))
        in_territory = covers(tech.territory_id, work_order.territory_id, parents)
        score = (50 * (len(required) - len(missing)) / len(required) if required else 50)
        score += {True: 30, None: 15, False: 0}[in_territory]
        score += 20 * (free / total) if total else 0
        if slot is None:
            score -= 40
        conflicts = []
        if slot is not None:
            conflicts = conflicts_for(work_order=work_order, technician=tech, start=slot, end=slot + duration,
                                      jobs=jobs.get(tech.user_id, []), time_off=offs.get(tech.user_id, []), parents=parents)
        out.append(Suggestion(tech, round(score), missing, in_territory, free, slot, conflicts))
    out.sort(key=lambda s: (-s.score, -s.free_minutes, s.technician.user.username))
    return out[:limit]


# --- the dispatch board and calendars -----------------------------------------------------------

#: unassigned work orders the board lists (the most urgent first); the rest are one click away in the list
BOARD_UNASSIGNED = 50


@dataclass
class BoardRow:
    technician: Technician
    days: list[list]  # per day: [(job, [Conflict])]
    time_off: list


def dispatch_board(*, user, day: datetime.date, days: int = 1) -> dict:
    """One row per technician in the user's scope with their jobs of ``days`` local days (each with its
    conflicts) and time off; the unassigned work orders beside it. A fixed number of queries."""
    start, end = day_bounds(day, days)
    technicians = list(technicians_in_scope(user=user))
    ids = [t.user_id for t in technicians]
    visible = set(WorkOrder.objects.visible_to(user).filter(technician_id__in=ids, scheduled_start__lt=end, scheduled_end__gt=start)
                  .values_list("pk", flat=True))
    jobs, offs = _jobs_and_time_off(ids, start - datetime.timedelta(days=1), end + datetime.timedelta(days=1))
    parents = _territory_parents()
    dates = [day + datetime.timedelta(days=n) for n in range(days)]
    rows = []
    for tech in technicians:
        own = jobs.get(tech.user_id, [])
        per_day = []
        for date in dates:
            a, b = day_bounds(date)
            cell = []
            for job in own:
                if job.scheduled_start < b and job.scheduled_end > a:
                    conflicts = conflicts_for(work_order=job, technician=tech, start=job.scheduled_start, end=job.scheduled_end,
                                              jobs=own, time_off=offs.get(tech.user_id, []), parents=parents)
                    # a job of an account the dispatcher cannot see shows only as busy time
                    cell.append((job if job.pk in visible else None, conflicts, job.scheduled_start, job.scheduled_end))
            per_day.append(cell)
        time_off = [o for o in offs.get(tech.user_id, []) if o.starts_at < end and o.ends_at > start]
        rows.append(BoardRow(tech, per_day, time_off))
    unassigned = unassigned_work_orders(user=user, limit=BOARD_UNASSIGNED + 1)
    return {"rows": rows, "dates": dates, "unassigned": unassigned[:BOARD_UNASSIGNED], "more_unassigned": len(unassigned) > BOARD_UNASSIGNED,
            "start": start, "end": end}


def technician_calendar(*, technician: Technician, user, day: datetime.date, days: int = 7) -> dict:
    """The technician's work orders and time off of ``days`` local days, by day."""
    start, end = day_bounds(day, days)
    jobs = list(WorkOrder.objects.visible_to(user).filter(technician_id=technician.user_id, scheduled_start__lt=end, scheduled_end__gt=start)
                .exclude(status=WorkOrderStatus.CANCELLED).select_related("account").order_by("scheduled_start", "id"))
    offs = list(technician.time_off.filter(starts_at__lt=end, ends_at__gt=start))
    out = []
    for n in range(days):
        date = day + datetime.timedelta(days=n)
        a, b = day_bounds(date)
        out.append({
            "date": date,
            "jobs": [j for j in jobs if j.scheduled_start < b and j.scheduled_end > a],
            "time_off": [o for o in offs if o.starts_at < b and o.ends_at > a],
            "hours": working_spans(technician, date),
        })
    return {"days": out, "start": start, "end": end}
