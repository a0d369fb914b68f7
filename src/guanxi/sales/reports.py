"""The numbers of the sales charts page (``/sales/reports/``), over the opportunities the user can see.

- pipeline by stage: open opportunities of a pipeline, count and amount per stage (one ``GROUP BY``);
- conversion funnel: of the opportunities of the pipeline created in the period, how many reached each
  open stage and the won stage — reached = its current stage or any stage it was moved into
  (``StageChange.to_stage``) is at or after it; lost stages do not count as progress (two queries);
- win rate by month: won ÷ (won + lost) of the deals closed in each month (Asia/Shanghai months);
- sales cycle: average days from creation to closing of the deals won in each month.
Currencies are not converted (amounts are summed as they are, as the forecast does).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.utils import timezone

from .choices import OpportunityStatus
from .models import Opportunity, Pipeline, StageChange

MONTHS = 12


def months_back(today: datetime.date, months: int = MONTHS) -> list[datetime.date]:
    first = today.replace(day=1)
    out = []
    for _i in range(months):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def _period_start(months: list[datetime.date]) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(months[0], datetime.time.min))


def pipeline_by_stage(*, user, pipeline: Pipeline) -> list[dict]:
    stages = [s for s in pipeline.stages.order_by("order") if not s.is_closed]
    totals = {r["stage"]: r for r in Opportunity.objects.visible_to(user).filter(pipeline=pipeline, status=OpportunityStatus.OPEN)
              .order_by().values("stage").annotate(n=Count("id"), amount=Sum("amount"))}
    return [{"stage": s, "count": totals.get(s.pk, {}).get("n", 0), "amount": totals.get(s.pk, {}).get("amount") or Decimal("0")} for s in stages]


def funnel(*, user, pipeline: Pipeline, since: datetime.datetime) -> list[dict]:
    stages = [s for s in pipeline.stages.order_by("order") if not s.is_lost]
    opportunities = Opportunity.objects.visible_to(user).filter(pipeline=pipeline, created_at__gte=since)
    furthest = dict(opportunities.filter(stage__is_lost=False).order_by().values_list("pk", "stage__order"))
    lost_ids = set(opportunities.filter(stage__is_lost=True).order_by().values_list("pk", flat=True))
    moved = (StageChange.objects.filter(opportunity__in=opportunities, to_stage__is_lost=False).order_by().values("opportunity")
             .annotate(top=Max("to_stage__order")).values_list("opportunity", "top"))
    for pk, top in moved:
        furthest[pk] = max(furthest.get(pk, 0), top)
    for pk in lost_ids:
        furthest.setdefault(pk, stages[0].order if stages else 0)
    total = len(furthest)
    rows = []
    for stage in stages:
        reached = sum(1 for order in furthest.values() if order >= stage.order)
        rows.append({"stage": stage, "count": reached, "percent": round(100 * reached / total) if total else None})
    return rows


def _month(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date().replace(day=1)


def win_rate_and_cycle(*, user, months: list[datetime.date]) -> list[dict]:
    """Per month: won, lost, win rate (%), average sales cycle of the won deals (days, one decimal)."""
    closed = (Opportunity.objects.visible_to(user).filter(status__in=(OpportunityStatus.WON, OpportunityStatus.LOST),
                                                          closed_at__gte=_period_start(months))
              .order_by().values_list("status", "created_at", "closed_at"))
    won: dict = defaultdict(int)
    lost: dict = defaultdict(int)
    days: dict = defaultdict(list)
    for status, created_at, closed_at in closed.iterator(chunk_size=2000):
        month = _month(closed_at)
        if status == OpportunityStatus.WON:
            won[month] += 1
            days[month].append((closed_at - created_at).total_seconds() / 86400)
        else:
            lost[month] += 1
    rows = []
    for month in months:
        w, lo = won[month], lost[month]
        rows.append({
            "month": month, "won": w, "lost": lo, "win_rate": round(100 * w / (w + lo)) if w + lo else None,
            "cycle_days": round(sum(days[month]) / len(days[month]), 1) if days[month] else None,
        })
    return rows


# --- chart options (ECharts), built here so the template stays declarative ------------------------

def bar_options(labels: list[str], series: list[tuple[str, list]], *, horizontal: bool = False, stack: bool = False, y_name: str = "") -> dict:
    category = {"type": "category", "data": labels}
    value = {"type": "value", "name": y_name}
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0}, "grid": {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": value if horizontal else category, "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "name": name, "data": data, **({"stack": "total"} if stack else {})} for name, data in series],
    }


def funnel_options(rows: list[dict], name: str) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "series": [{"type": "funnel", "name": name, "sort": "none", "left": "10%", "width": "80%", "label": {"formatter": "{b}: {c}"},
                    "data": [{"name": r["stage"].name, "value": r["count"]} for r in rows]}],
    }


def line_options(labels: list[str], series: list[tuple[str, list]], *, y_name: str = "", y_max=None) -> dict:
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0}, "grid": {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value", "name": y_name, **({"max": y_max} if y_max else {})},
        "series": [{"type": "line", "name": name, "data": data, "connectNulls": False} for name, data in series],
    }
