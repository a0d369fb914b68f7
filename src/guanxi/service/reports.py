"""Service reports over the cases a user can see: backlog, SLA attainment, first-contact resolution,
resolution time by category and agent, and satisfaction (CSAT). Each figure is one aggregate query."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from .choices import OPEN_STATUSES, CaseStatus
from .models import Case

RESOLVED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def _hours(duration) -> float | None:
    if duration is None:
        return None
    if isinstance(duration, (int, float)):  # some backends answer microseconds
        return duration / 3_600_000_000
    return duration.total_seconds() / 3600


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def service_report(*, user, start: datetime.datetime, end: datetime.datetime) -> dict:
    cases = Case.objects.visible_to(user)
    backlog = cases.filter(status__in=OPEN_STATUSES)
    by_status = dict(backlog.values_list("status").annotate(n=Count("id")).order_by())
    by_queue = list(backlog.values("queue__name").annotate(n=Count("id")).order_by("-n")[:20])
    resolved = cases.filter(resolved_at__gte=start, resolved_at__lt=end, merged_into__isnull=True)
    duration = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    totals = resolved.aggregate(
        n=Count("id"),
        with_target=Count("id", filter=Q(resolution_due_at__isnull=False)),
        on_time=Count("id", filter=Q(resolution_due_at__isnull=False, resolved_at__lte=F("resolution_due_at"))),
        response_target=Count("id", filter=Q(first_response_due_at__isnull=False, first_responded_at__isnull=False)),
        response_on_time=Count("id", filter=Q(first_response_due_at__isnull=False, first_responded_at__lte=F("first_response_due_at"))),
        avg_duration=Avg(duration),
    )
    replies = Count("notes", filter=Q(notes__is_public=True, notes__from_customer=False))
    first_contact = resolved.filter(reopen_count=0).annotate(replies=replies).filter(replies__lte=1).count()
    by_category = [
        {"name": row["category__name"], "n": row["n"], "hours": _hours(row["avg"])}
        for row in resolved.values("category__name").annotate(n=Count("id"), avg=Avg(duration)).order_by("-n")[:20]
    ]
    by_agent = [
        {"name": row["assignee__display_name"] or row["assignee__username"], "n": row["n"], "hours": _hours(row["avg"]),
         "csat": row["csat"]}
        for row in resolved.values("assignee__username", "assignee__display_name")
        .annotate(n=Count("id"), avg=Avg(duration), csat=Avg("satisfaction")).order_by("-n")[:20]
    ]
    rated = resolved.filter(satisfaction__isnull=False).aggregate(
        n=Count("id"), avg=Avg("satisfaction"), happy=Count("id", filter=Q(satisfaction__gte=4)),
        **{f"score{score}": Count("id", filter=Q(satisfaction=score)) for score in range(1, 6)},
    )
    return {
        "backlog": sum(by_status.values()),
        "by_status": [(CaseStatus(s).label, by_status.get(s, 0)) for s in OPEN_STATUSES],
        "by_queue": by_queue,
        "resolved": totals["n"],
        "sla_attainment": _percent(totals["on_time"], totals["with_target"]),
        "response_attainment": _percent(totals["response_on_time"], totals["response_target"]),
        "first_contact_resolution": _percent(first_contact, totals["n"]),
        "first_contact": first_contact,
        "resolved_on_time": totals["on_time"],
        "resolved_with_target": totals["with_target"],
        "responded_on_time": totals["response_on_time"],
        "responded_with_target": totals["response_target"],
        "avg_resolution_hours": _hours(totals["avg_duration"]),
        "by_category": by_category,
        "by_agent": by_agent,
        "csat_average": round(rated["avg"], 2) if rated["avg"] is not None else None,
        "csat_percent": _percent(rated["happy"], rated["n"]),
        "rated": rated["n"],
        "csat_distribution": [(score, rated[f"score{score}"]) for score in range(1, 6)],
    }


# Chart options (ECharts), built from the same report dict the tables show, so a chart never says
# something its table does not.

_GRID = {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True}


def _bar(labels: list[str], series: list[tuple[str, list]], *, horizontal: bool = False, y_name: str = "", y_max=None) -> dict:
    category = {"type": "category", "data": labels}
    value = {"type": "value", "name": y_name, **({"max": y_max} if y_max else {})}
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0}, "grid": _GRID,
        "xAxis": value if horizontal else category, "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "name": name, "data": data} for name, data in series],
    }


def _pie(name: str, rows: list[tuple[str, int]]) -> dict:
    return {
        "tooltip": {"trigger": "item"}, "legend": {"top": 0},
        "series": [{"type": "pie", "name": name, "radius": ["40%", "70%"], "label": {"formatter": "{b}: {c} ({d}%)"},
                    "data": [{"name": label, "value": value} for label, value in rows]}],
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def service_charts(report: dict) -> dict:
    """ECharts options for each figure of :func:`service_report` (labels translated in the active language)."""
    from django.utils.translation import gettext as _

    none = _("no queue")
    return {
        "status": _bar([label for label, _n in report["by_status"]], [(_("open cases"), [n for _label, n in report["by_status"]])]),
        "queue": _bar([row["queue__name"] or none for row in report["by_queue"]],
                      [(_("open cases"), [row["n"] for row in report["by_queue"]])], horizontal=True),
        "sla": _bar([_("First response within SLA"), _("Resolved within SLA")],
                    [(_("within target (%)"), [report["response_attainment"], report["sla_attainment"]])], y_name="%", y_max=100),
        "fcr": _pie(_("First-contact resolution"), [
            (_("resolved at first contact"), report["first_contact"]),
            (_("needed more contacts"), report["resolved"] - report["first_contact"]),
        ]),
        "category": _bar([row["name"] or "—" for row in report["by_category"]],
                         [(_("average hours"), [_round(row["hours"]) for row in report["by_category"]])], y_name=_("hours")),
        "agent": _bar([row["name"] or "—" for row in report["by_agent"]],
                      [(_("average hours"), [_round(row["hours"]) for row in report["by_agent"]]),
                       (_("Resolved"), [row["n"] for row in report["by_agent"]])]),
        "csat": _bar([str(score) for score, _n in report["csat_distribution"]],
                     [(_("ratings"), [n for _score, n in report["csat_distribution"]])], y_name=_("ratings")),
    }
