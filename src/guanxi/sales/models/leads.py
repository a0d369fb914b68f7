"""Leads, the rules that score and assign them, and the web-to-lead forms that capture them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import Industry
from guanxi.framework.models import BaseModel, BusinessModel
from guanxi.framework.urls import record_url

from ..choices import AssignmentMethod, DisqualifyReason, LeadRating, LeadSource, LeadStatus, RuleOperator, ScoredField

DERIVED_KEYS = ("created_at", "updated_at", "name_pinyin", "name_initials", "search_text", "score")


class Lead(BusinessModel):
    """A person, and usually a company, who may become a customer."""

    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("Stored in international (E.164) form."))
    email = models.EmailField(_("e-mail"), blank=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=300, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=60, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER)
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=20, choices=DisqualifyReason.choices, blank=True)
    disqualify_note = models.CharField(_("disqualification note"), max_length=300, blank=True)
    rating = models.CharField(_("rating"), max_length=10, choices=LeadRating.choices, blank=True)
    score = models.IntegerField(_("score"), default=0)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_leads")
    territory = models.ForeignKey(
        "core.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leads",
    )
    description = models.TextField(_("description"), blank=True)
    #: the last time the owner worked the lead; escalation counts from here
    last_touched_at = models.DateTimeField(_("last worked"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    converted_account = models.ForeignKey(
        "customers.Account", verbose_name=_("converted to account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    converted_contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("converted to contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    converted_opportunity = models.ForeignKey(
        "sales.Opportunity", verbose_name=_("converted to opportunity"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    audit_exclude = DERIVED_KEYS
    visibility_owner_field = "owner"
    visibility_territory_field = "territory"

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="lead_recent_idx"),
            models.Index(fields=["owner", "status", "-updated_at"], name="lead_owner_idx"),
            models.Index(fields=["status", "-updated_at"], name="lead_status_idx"),
            models.Index(fields=["territory", "status", "-updated_at"], name="lead_territory_idx"),
            models.Index(fields=["source", "-updated_at"], name="lead_source_idx"),
            models.Index(fields=["rating", "-updated_at"], name="lead_rating_idx"),
            models.Index(fields=["-score", "-id"], name="lead_score_idx"),
            models.Index(fields=["status", "last_touched_at"], name="lead_untouched_idx"),
            models.Index(fields=["name_pinyin", "id"], name="lead_name_sort_idx"),
            models.Index(fields=["name_initials"], name="lead_initials_idx"),
            models.Index(fields=["campaign"], name="lead_campaign_idx"),
            models.Index(fields=["-created_at"], name="lead_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}" if self.company else self.name

    def get_absolute_url(self) -> str:
        return record_url("sales:lead_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in {LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED}


class LeadScoringRule(BaseModel):
    """When a lead's ``field`` matches ``operator`` ``value``, it scores ``points`` (negative allowed)."""

    name = models.CharField(_("name"), max_length=100)
    field = models.CharField(_("field"), max_length=20, choices=ScoredField.choices)
    operator = models.CharField(_("operator"), max_length=10, choices=RuleOperator.choices, default=RuleOperator.EQUALS)
    value = models.CharField(_("value"), max_length=200, blank=True)
    points = models.IntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead scoring rule")
        verbose_name_plural = _("lead scoring rules")
        ordering = ["field", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:leadscoringrule_edit", args=[self.pk])


class LeadAssignmentRule(BaseModel):
    """Who gets a new lead: the first active rule (by ``order``) whose criteria match and that finds someone."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Rules are tried from the lowest number up."))
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("only leads from source"), max_length=20, choices=LeadSource.choices, blank=True)
    province = models.CharField(_("only leads in province"), max_length=50, blank=True)
    industry = models.CharField(_("only leads in industry"), max_length=20, choices=Industry.choices, blank=True)
    method = models.CharField(_("assign to"), max_length=15, choices=AssignmentMethod.choices)
    team = models.ForeignKey("core.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: the member who got the last lead by round robin
    last_assigned = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)

    audit_exclude = ("created_at", "updated_at", "last_assigned")

    class Meta:
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["is_active", "order"], name="lead_assign_rule_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:leadassignmentrule_edit", args=[self.pk])


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


class WebToLeadForm(BaseModel):
    """A form on a public web site that creates leads: its own URL key, allowed origins, default owner."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, default=new_form_key, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    allowed_origins = models.TextField(
        _("allowed web sites"), blank=True,
        help_text=_("One origin a line, e.g. https://www.example.com. Posts from other sites are refused."),
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("default owner"), on_delete=models.PROTECT, related_name="+",
        help_text=_("Gets the leads no assignment rule places."),
    )
    thank_you = models.CharField(_("thank-you message"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("web-to-lead form")
        verbose_name_plural = _("web-to-lead forms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:webtoleadform_edit", args=[self.pk])

    def public_url(self) -> str:
        return reverse("sales:web_to_lead", args=[self.key])

    def origins(self) -> list[str]:
        return [line.strip().rstrip("/").lower() for line in self.allowed_origins.splitlines() if line.strip()]
