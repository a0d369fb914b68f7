"""Pipelines with ordered stages, opportunities moving through them, their stage history, competitors."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel
from guanxi.framework.urls import record_url

from ..choices import CloseReason, ForecastCategory, OpportunityStatus

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Pipeline(BaseModel):
    """A sales process: its own ordered stages and their default probabilities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:pipeline_detail", args=[self.pk])


class Stage(BaseModel):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(_("default probability (%)"), validators=PERCENT)
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "order"], name="stage_unique_order"),
            models.CheckConstraint(condition=~(Q(is_won=True) & Q(is_lost=True)), name="stage_not_won_and_lost"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost

    @property
    def status(self) -> str:
        return OpportunityStatus.WON if self.is_won else OpportunityStatus.LOST if self.is_lost else OpportunityStatus.OPEN


class Competitor(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.URLField(_("website"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:competitor_edit", args=[self.pk])


class Opportunity(BusinessModel):
    """A deal: an account may buy ``amount`` by ``expected_close_date``; its stage says how far it got."""

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="opportunities")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("primary contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_opportunities")
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="opportunities")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(_("status"), max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN, editable=False)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    price_book = models.ForeignKey("sales.PriceBook", verbose_name=_("price book"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text=_("Prices of the product lines; empty: the default price book in the opportunity's currency."))
    expected_close_date = models.DateField(_("expected close date"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=PERCENT)
    forecast_category = models.CharField(_("forecast category"), max_length=12, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    competitors = models.ManyToManyField(Competitor, verbose_name=_("competitors"), blank=True, related_name="opportunities")
    lead = models.ForeignKey("sales.Lead", verbose_name=_("from lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    stage_entered_at = models.DateTimeField(_("in this stage since"), editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    close_reason = models.CharField(_("win / loss reason"), max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(_("win / loss note"), max_length=300, blank=True)
    won_against = models.ForeignKey(
        Competitor, verbose_name=_("main competitor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Whom the deal was won from or lost to."),
    )
    description = models.TextField(_("description"), blank=True)

    audit_exclude = ("created_at", "updated_at", "stage_entered_at")
    visibility_owner_field = "owner"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="opp_recent_idx"),
            models.Index(fields=["pipeline", "stage", "-amount", "id"], name="opp_board_idx"),
            models.Index(fields=["owner", "status", "expected_close_date"], name="opp_owner_idx"),
            models.Index(fields=["status", "expected_close_date"], name="opp_close_idx"),
            models.Index(fields=["account", "status"], name="opp_account_idx"),
            models.Index(fields=["stage", "-updated_at"], name="opp_stage_idx"),
            models.Index(fields=["-amount", "id"], name="opp_amount_idx"),
            models.Index(fields=["forecast_category", "expected_close_date"], name="opp_forecast_idx"),
            models.Index(fields=["name"], name="opp_name_idx"),
            models.Index(fields=["expected_close_date", "id"], name="opp_close_date_idx"),
            models.Index(fields=["stage", "expected_close_date", "id"], name="opp_stage_close_idx"),
            # A rep's cards on the board (largest first) and a rep's list sorted by amount: index range scans.
            models.Index(fields=["pipeline", "owner", "stage", "-amount", "id"], name="opp_owner_board_idx"),
            models.Index(fields=["owner", "status", "amount", "id"], name="opp_owner_amount_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("sales:opportunity_detail", self.pk)

    @property
    def weighted_amount(self):
        from decimal import Decimal

        return (self.amount * Decimal(self.probability) / Decimal(100)).quantize(Decimal("0.01"))


class StageChange(BaseModel):
    """One move of an opportunity between stages; the time spent in the stage it left."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, verbose_name=_("from stage"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, verbose_name=_("to stage"), on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("time"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    #: the owner at the time: win rates are the rep's who held the deal
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, on_delete=models.SET_NULL, related_name="+")
    seconds_in_from_stage = models.PositiveBigIntegerField(_("seconds in the stage left"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)

    visibility_via = ("opportunity",)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="stage_change_opp_idx"),
            models.Index(fields=["owner", "to_stage"], name="stage_change_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"

    @property
    def days_in_from_stage(self) -> float:
        return round(self.seconds_in_from_stage / 86400, 1)
