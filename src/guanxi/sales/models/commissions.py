"""Commissions: plans of rules with tiered rates, who is on which plan, and the statements computed
from won opportunities (see ``services/commissions.py`` for the arithmetic)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy as _

from guanxi.customers.choices import ValueTier
from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import StatementStatus


def percent(value) -> str:
    """A percentage without trailing zeros and never in exponent form: 100.00 → "100", 7.50 → "7.5"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


class CommissionPlan(BaseModel):
    """A set of rules; reps and teams are put on a plan for a span of time. Configuration: model permissions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY",
                                help_text=_("Only won opportunities in this currency earn commission under the plan."))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    audit_exclude = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "name"], name="commission_plan_active_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:commissionplan_detail", args=[self.pk])


class CommissionRule(BaseModel):
    """Which won deals a rate schedule applies to: the first rule (by order) whose filter matches wins."""

    plan = models.ForeignKey(CommissionPlan, verbose_name=_("commission plan"), on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=10)
    value_tier = models.CharField(_("account value tier"), max_length=10, choices=ValueTier.choices, blank=True,
                                  help_text=_("Empty: deals with accounts of any tier."))
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                help_text=_("Empty: any product line, and deals without product lines."))

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["plan", "order", "id"]
        indexes = [models.Index(fields=["plan", "order", "id"], name="commission_rule_order_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()

    def matches(self, *, value_tier: str, product_id: int | None) -> bool:
        """Whether a part of a deal — one product line, or a whole deal without lines (``product_id`` None) — falls under this rule."""
        if self.value_tier and self.value_tier != value_tier:
            return False
        return self.product_id is None or self.product_id == product_id


class CommissionTier(BaseModel):
    """From ``attainment_from`` % of quota on, the rule pays ``rate`` % (an accelerator above 100 %)."""

    rule = models.ForeignKey(CommissionRule, verbose_name=_("commission rule"), on_delete=models.CASCADE, related_name="tiers")
    attainment_from = models.DecimalField(_("from attainment (%)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("commission tier")
        verbose_name_plural = _("commission tiers")
        ordering = ["rule", "attainment_from"]
        constraints = [models.UniqueConstraint(fields=["rule", "attainment_from"], name="commission_tier_unique")]

    def __str__(self) -> str:
        return f"≥ {percent(self.attainment_from)}%: {percent(self.rate)}%"

    @property
    def from_display(self) -> str:
        return percent(self.attainment_from)

    @property
    def rate_display(self) -> str:
        return percent(self.rate)


class CommissionAssignment(BaseModel):
    """Puts a user, or every member of a team and the teams below, on a plan from ``start_date`` (to ``end_date``)."""

    plan = models.ForeignKey(CommissionPlan, verbose_name=_("commission plan"), on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="commission_assignments")
    team = models.ForeignKey("core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="commission_assignments")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission plan assignment")
        verbose_name_plural = _("commission plan assignments")
        ordering = ["plan", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(user__isnull=False) & Q(team__isnull=True)) | (Q(user__isnull=True) & Q(team__isnull=False)),
                                   name="commission_assignment_user_or_team"),
        ]
        indexes = [
            models.Index(fields=["user", "start_date"], name="commission_assign_user_idx"),
            models.Index(fields=["team", "start_date"], name="commission_assign_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} → {self.plan}"

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()


class CommissionStatement(BusinessModel):
    """What a rep earned in a period under a plan, with one line per amount; draft → approved → paid."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="commission_statements")
    plan = models.ForeignKey(CommissionPlan, verbose_name=_("commission plan"), on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    quota = models.DecimalField(_("quota"), max_digits=18, decimal_places=2, null=True, blank=True)
    won_total = models.DecimalField(_("won"), max_digits=18, decimal_places=2, default=0)
    total = models.DecimalField(_("commission"), max_digits=18, decimal_places=2, default=0)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    audit_exclude = ("created_at", "updated_at", "computed_at")
    visibility_owner_field = "user"

    class Meta:
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        ordering = ["-period_start", "user", "id"]
        permissions = [("approve_commissionstatement", _("Can approve commission statements")),
                       ("pay_commissionstatement", _("Can mark commission statements paid"))]
        constraints = [models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="commission_statement_unique")]
        indexes = [
            models.Index(fields=["period_start", "user"], name="commission_stmt_period_idx"),
            models.Index(fields=["status", "period_start"], name="commission_stmt_status_idx"),
            models.Index(fields=["user", "-period_start"], name="commission_stmt_user_idx"),
            models.Index(fields=["-total", "id"], name="commission_stmt_total_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period_start}–{self.period_end}"

    def get_absolute_url(self) -> str:
        return reverse("sales:commissionstatement_detail", args=[self.pk])


class CommissionLine(BaseModel):
    """One amount of a statement: the part of a won deal that falls in one tier, times that tier's rate."""

    statement = models.ForeignKey(CommissionStatement, verbose_name=_("commission statement"), on_delete=models.CASCADE, related_name="lines")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    rule = models.ForeignKey(CommissionRule, verbose_name=_("commission rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text=_("The product line this amount comes from; empty for a deal without product lines."))
    position = models.PositiveIntegerField(_("position"), default=0)
    base_amount = models.DecimalField(_("commissionable amount"), max_digits=18, decimal_places=2)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("commission"), max_digits=18, decimal_places=2)
    band_from = models.DecimalField(_("from attainment (%)"), max_digits=7, decimal_places=2, null=True, blank=True)
    band_to = models.DecimalField(_("to attainment (%)"), max_digits=7, decimal_places=2, null=True, blank=True)

    visibility_via = ("statement",)

    class Meta:
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        ordering = ["statement", "position", "id"]
        indexes = [models.Index(fields=["statement", "position"], name="commission_line_pos_idx")]

    def __str__(self) -> str:
        return self.explanation()

    @property
    def rate_display(self) -> str:
        return percent(self.rate)

    def explanation(self) -> str:
        """Why this amount, in the reader's language."""
        values = {"base": f"{self.base_amount:,.2f}", "rate": percent(self.rate), "rule": self.rule or "—",
                  "from": percent(self.band_from), "to": percent(self.band_to) if self.band_to is not None else None}
        if self.rule_id is None:
            text = gettext("No rule of the plan matches this amount: %(base)s earns nothing.") % values
        elif self.band_from is None:
            text = gettext("%(base)s × %(rate)s %% (rule “%(rule)s”; no quota for the period, so the first tier's rate).") % values
        elif values["to"] is None:
            text = gettext("%(base)s × %(rate)s %% (rule “%(rule)s”; the part above %(from)s %% of quota).") % values
        else:
            text = gettext("%(base)s × %(rate)s %% (rule “%(rule)s”; the part from %(from)s %% to %(to)s %% of quota).") % values
        if self.product_id is not None:
            return gettext("Product %(product)s: %(text)s") % {"product": self.product, "text": text}
        return text
