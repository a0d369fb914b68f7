"""Keeping the owners' win rates per stage (:class:`~guanxi.sales.models.OwnerStageOutcome`) in step.

A closed deal contributes one *closed* (and, when won, one *won*) to every distinct (owner, stage) of its
stage history. The services that can change that — a move into or out of a closed stage, a deal created
closed, a delete — read the deal's contribution before and after the write, in the same transaction, and
apply the difference. Moves between open stages, the board's everyday drag and drop, need no query.
``win_rates_rebuild`` recomputes the table from one ``GROUP BY`` over the history (bulk loads, repairs).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from ..choices import OpportunityStatus
from ..models import OwnerStageOutcome, Stage, StageChange

__all__ = ["win_rate_contribution", "win_rates_move", "win_rates_rebuild"]

CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST)


def win_rate_contribution(pk: int | None) -> dict[tuple[int, int, int], bool]:
    """(owner, pipeline, stage) → won, for each distinct owner and stage in the history of a closed deal;
    empty while the deal is open (or gone)."""
    if pk is None:
        return {}
    rows = (
        StageChange.objects.filter(opportunity_id=pk, opportunity__status__in=CLOSED, owner_id__isnull=False)
        .order_by().values_list("owner_id", "to_stage__pipeline_id", "to_stage_id", "opportunity__status").distinct()
    )
    return {(owner, pipeline, stage): status == OpportunityStatus.WON for owner, pipeline, stage, status in rows}


def _add(key: tuple[int, int, int], closed: int, won: int) -> None:
    owner_id, pipeline_id, stage_id = key
    rows = OwnerStageOutcome.objects.filter(owner_id=owner_id, stage_id=stage_id)
    row_id = rows.order_by("id").values_list("id", flat=True).first()
    if row_id is None:
        OwnerStageOutcome.objects.create(owner_id=owner_id, pipeline_id=pipeline_id, stage_id=stage_id, closed=closed, won=won)
        return
    OwnerStageOutcome.objects.filter(pk=row_id).update(closed=F("closed") + closed, won=F("won") + won)
    if closed < 0:
        rows.filter(closed__lte=0, won__lte=0).delete()


def win_rates_move(before: dict, after: dict) -> None:
    """Take one deal's old contribution out and put its new one in (only the keys that differ are written)."""
    for key in before.keys() | after.keys():
        closed = (key in after) - (key in before)
        won = bool(after.get(key)) - bool(before.get(key))
        if closed or won:
            _add(key, closed, won)


def closing_touched(*stages: Stage) -> bool:
    """Whether a move between these stages can change the win rates (it enters or leaves a closed stage)."""
    return any(stage.is_closed for stage in stages)


@transaction.atomic
def win_rates_rebuild() -> int:
    """Recompute every (owner, pipeline, stage) from the stage history; returns the number of rows written.
    The counting is one ``GROUP BY`` in the database (a few hundred rows come back)."""
    from ..selectors import stage_outcomes_counted

    OwnerStageOutcome.objects.all().delete()
    rows = OwnerStageOutcome.objects.bulk_create([
        OwnerStageOutcome(owner_id=r["owner_id"], pipeline_id=r["to_stage__pipeline_id"], stage_id=r["to_stage_id"],
                          closed=r["closed"], won=r["won"])
        for r in stage_outcomes_counted()
    ])
    return len(rows)
