"""The pipeline board's column figures, kept ahead of time.

Counting and summing every visible deal per stage is a scan of the whole pipeline (≈ 0.7 s at a
million opportunities). :class:`OpportunityStageTotal` holds the count and amount per (pipeline,
stage, owner, account) — a few thousand rows for a million deals, since an account's deals share an
owner — and the board sums the rows the user may see: the same visibility rule as the opportunity
(its owner, or through its account), so an account's new owner or territory is seen at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.framework.visibility import VisibleManager


class OpportunityStageTotal(models.Model):
    """How many opportunities, for how much, are in a stage for one owner and account (kept by the opportunity services).

    Rows are not unique per key: two writers may each add a row, and the board sums them. ``total_cents``
    is an integer so sums stay exact on SQLite too. ``guanxi sales_board_totals`` rebuilds the table
    (after a bulk load that bypassed the services, or to check it).
    """

    pipeline = models.ForeignKey("sales.Pipeline", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("sales.Stage", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)

    objects = VisibleManager()
    visibility_owner_field = "owner"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("pipeline board total")
        verbose_name_plural = _("pipeline board totals")
        default_permissions = ()
        indexes = [
            models.Index(fields=["pipeline", "owner", "stage"], name="opp_stagetotal_owner_idx"),
            models.Index(fields=["account", "pipeline", "stage"], name="opp_stagetotal_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline_id}/{self.stage_id}/{self.owner_id}/{self.account_id}: {self.count}"
