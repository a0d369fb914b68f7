"""Reads for the forecast page: the managers' adjustments in force and their history, and the chart."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .models import ForecastAdjustment


def adjustments_in_force(*, user, start, end, by: str) -> dict:
    """The latest adjustment visible to ``user`` per rep (``by="owner"``) or team for exactly this period."""
    if by not in ("owner", "team"):
        return {}
    field = "user_id" if by == "owner" else "team_id"
    rows = (ForecastAdjustment.objects.visible_to(user).filter(period_start=start, period_end=end, **{f"{field}__isnull": False})
            .select_related("adjusted_by").order_by("created_at", "id"))
    latest: dict = {}
    for row in rows:  # oldest first: the last one written wins
        latest[getattr(row, field)] = row
    return latest


def adjustment_history(*, user, start, end, limit: int = 50) -> list[ForecastAdjustment]:
    return list(ForecastAdjustment.objects.visible_to(user).filter(period_start=start, period_end=end)
                .select_related("user", "team", "adjusted_by").order_by("-created_at", "-id")[:limit])


def chart_options(rows: list[dict]) -> dict:
    """Grouped bars per row: won, commit (adjusted where a manager did), best case and quota."""
    def num(value):
        return float(value) if isinstance(value, Decimal) else value

    names = [row["name"] for row in rows]
    series = [
        (_("Won"), "won"), (_("Commit"), "final_commit"), (_("Best case"), "final_best_case"), (_("Quota"), "quota"),
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30 if len(names) > 6 else 0}},
        "yAxis": {"type": "value"},
        "series": [{"name": label, "type": "bar", "data": [num(row.get(key)) for row in rows]} for label, key in series],
    }
