"""Quotas: what a rep or a team should win in a period (forecasts themselves are computed, not stored)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel


class Quota(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="sales_quotas")
    team = models.ForeignKey("core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="sales_quotas")
    territory = models.ForeignKey("core.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="sales_quotas")
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
            models.CheckConstraint(condition=(Q(user__isnull=False) & Q(team__isnull=True) & Q(territory__isnull=True))
                                   | (Q(user__isnull=True) & Q(team__isnull=False) & Q(territory__isnull=True))
                                   | (Q(user__isnull=True) & Q(team__isnull=True) & Q(territory__isnull=False)),
                                   name="quota_user_team_or_territory"),
            models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="quota_user_period_unique"),
            models.UniqueConstraint(fields=["team", "period_start", "period_end"], name="quota_team_period_unique"),
            models.UniqueConstraint(fields=["territory", "period_start", "period_end"], name="quota_territory_period_unique"),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"], name="quota_period_idx")]

    def __str__(self) -> str:
        return f"{self.user or self.team or self.territory} {self.period_start}–{self.period_end}: {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("sales:forecast") + f"?start={self.period_start}"


class ForecastAdjustment(BusinessModel):
    """A manager's own figure for a rep's or a team's commit and best case in a period.

    Rows are never changed: a new adjustment is a new row, so the history stays; the latest row for
    a subject and period is the one the forecast shows next to the rep's number. ``owner`` is who the
    row belongs to for visibility: the adjusted rep, or the manager of the adjusted team (so the
    managers above see it through the team hierarchy).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="forecast_adjustments")
    team = models.ForeignKey("core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="forecast_adjustments")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", editable=False)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    commit = models.DecimalField(_("adjusted commit"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)])
    best_case = models.DecimalField(_("adjusted best case"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.TextField(_("note"))
    adjusted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("adjusted by"), on_delete=models.PROTECT, related_name="+",
                                    editable=False)

    visibility_owner_field = "owner"

    class Meta:
        verbose_name = _("forecast adjustment")
        verbose_name_plural = _("forecast adjustments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=(Q(user__isnull=False) & Q(team__isnull=True)) | (Q(user__isnull=True) & Q(team__isnull=False)),
                                   name="forecast_adj_user_or_team"),
        ]
        indexes = [
            models.Index(fields=["period_start", "period_end", "created_at"], name="forecast_adj_period_idx"),
            models.Index(fields=["user", "period_start", "created_at"], name="forecast_adj_user_idx"),
            models.Index(fields=["team", "period_start", "created_at"], name="forecast_adj_team_idx"),
            models.Index(fields=["owner", "period_start"], name="forecast_adj_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.period_start}–{self.period_end}"

    def get_absolute_url(self) -> str:
        return reverse("sales:forecast") + f"?start={self.period_start}&by={'team' if self.team_id else 'owner'}"
