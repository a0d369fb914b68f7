"""The owners' historical win rates per stage, kept ahead of time.

The stage report shows, for each open deal, how often its owner won the deals they took through its
stage. Counting that from the stage history joins every ``StageChange`` to its opportunity (≈ 1.1 s at a
million deals). :class:`OwnerStageOutcome` keeps, per (owner, pipeline, stage), how many closed deals the
owner took through the stage and how many of them were won: a few hundred rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerStageOutcome(models.Model):
    """Closed and won deals that ``owner`` took through ``stage`` (kept by the opportunity services).

    A deal counts once per (owner at the time of a stage change, stage it entered) while it is won or lost —
    what ``selectors.win_rates_counted`` counts from the history. Rows are not unique per key: two writers
    may each add a row, and readers sum them. ``guanxi sales_win_rates`` rebuilds or checks the table.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pipeline = models.ForeignKey("sales.Pipeline", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("sales.Stage", on_delete=models.CASCADE, related_name="+")
    closed = models.IntegerField(default=0)
    won = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("owner's stage outcome")
        verbose_name_plural = _("owners' stage outcomes")
        default_permissions = ()
        indexes = [models.Index(fields=["owner", "stage"], name="opp_outcome_owner_stage_idx")]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.pipeline_id}/{self.stage_id}: {self.won}/{self.closed}"
