"""Contracts: terms, dates and value of what an account bought, with a reminder before renewal."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BusinessModel

from ..choices import ContractStatus


class Contract(BusinessModel):
    number = models.CharField(_("contract number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="contracts")
    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("sales order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_contracts")
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    value = models.DecimalField(_("contract value"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    terms = models.TextField(_("terms"), blank=True)
    renewal_notice_days = models.PositiveIntegerField(_("remind before the end (days)"), default=60)
    renewal_reminded_at = models.DateTimeField(_("renewal reminder sent"), null=True, blank=True, editable=False)
    renewal_of = models.OneToOneField("self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="renewed_by", editable=False)

    audit_exclude = ("created_at", "updated_at", "renewal_reminded_at")
    visibility_owner_field = "owner"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["end_date", "id"]
        indexes = [
            models.Index(fields=["status", "end_date"], name="contract_renewal_idx"),
            models.Index(fields=["owner", "end_date"], name="contract_owner_idx"),
            models.Index(fields=["account", "end_date"], name="contract_account_idx"),
            models.Index(fields=["end_date", "id"], name="contract_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("sales:contract_detail", args=[self.pk])
