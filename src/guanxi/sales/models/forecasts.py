"""Quotas: what a rep or a team should win in a period (forecasts themselves are computed, not stored)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel


class Quota(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="sales_quotas")
    team = models.ForeignKey("core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="sales_quotas")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(_("quota"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    visibility_owner_field = "user"

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["-period_start", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(user__isnull=False) & Q(team__isnull=True)) | (Q(user__isnull=True) & Q(team__isnull=False)),
                                   name="quota_user_or_team"),
            models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="quota_user_period_unique"),
            models.UniqueConstraint(fields=["team", "period_start", "period_end"], name="quota_team_period_unique"),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"], name="quota_period_idx")]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.period_start}–{self.period_end}: {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("sales:forecast") + f"?start={self.period_start}"
