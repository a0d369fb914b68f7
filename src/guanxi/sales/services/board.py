"""Keeping the pipeline board's totals (:class:`~guanxi.sales.models.OpportunityStageTotal`) in step.

Every service that creates, changes or deletes an opportunity reads the deal's board key (pipeline,
stage, owner, account, amount) before and after, in the same transaction, and moves its count and
amount from the old key to the new one: two small index lookups, no scan. ``board_totals_rebuild``
recomputes the table in one ``INSERT … SELECT … GROUP BY`` (bulk loads, repairs).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from ..models import Opportunity, OpportunityStageTotal

__all__ = ["board_key", "board_totals_move", "board_totals_rebuild"]

KEY_FIELDS = ("pipeline_id", "stage_id", "owner_id", "account_id", "amount")


def board_key(pk: int | None) -> tuple | None:
    """The stored (pipeline, stage, owner, account, amount) of an opportunity; None when there is none."""
    if pk is None:
        return None
    return Opportunity.objects.filter(pk=pk).values_list(*KEY_FIELDS).first()


def _cents(amount) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def _add(key: tuple, count: int, cents: int) -> None:
    pipeline_id, stage_id, owner_id, account_id = key
    rows = OpportunityStageTotal.objects.filter(pipeline_id=pipeline_id, stage_id=stage_id, owner_id=owner_id, account_id=account_id)
    row_id = rows.order_by("id").values_list("id", flat=True).first()
    if row_id is None:
        OpportunityStageTotal.objects.create(pipeline_id=pipeline_id, stage_id=stage_id, owner_id=owner_id, account_id=account_id,
                                             count=count, total_cents=cents)
        return
    OpportunityStageTotal.objects.filter(pk=row_id).update(count=F("count") + count, total_cents=F("total_cents") + cents)
    if count < 0:
        rows.filter(count__lte=0, total_cents=0).delete()


def board_totals_move(before: tuple | None, after: tuple | None) -> None:
    """Move one opportunity's count and amount from its old board key to its new one (either may be None)."""
    if before == after:
        return
    if before is not None:
        _add(before[:4], -1, -_cents(before[4]))
    if after is not None:
        _add(after[:4], 1, _cents(after[4]))


@transaction.atomic
def board_totals_rebuild() -> int:
    """Recompute every total from the opportunities; returns the number of rows written."""
    table, source = OpportunityStageTotal._meta.db_table, Opportunity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (pipeline_id, stage_id, owner_id, account_id, count, total_cents) "
            f"SELECT pipeline_id, stage_id, owner_id, account_id, COUNT(*), SUM(CAST(ROUND(amount * 100) AS BIGINT)) "
            f"FROM {source} GROUP BY pipeline_id, stage_id, owner_id, account_id")
        return cursor.rowcount
