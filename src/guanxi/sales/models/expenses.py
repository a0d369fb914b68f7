"""Expense claims: what a rep spent on an account or a deal, line by line with receipts, and its approval."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import ExpenseCategory, ExpenseStatus


class ExpenseClaim(BusinessModel):
    """Seen by its claimant and the managers above them; holders of ``view_all_expenseclaim`` (finance) see all."""

    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="expense_claims")
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="expense_claims")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="expense_claims")
    status = models.CharField(_("status"), max_length=10, choices=ExpenseStatus.choices, default=ExpenseStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=0, editable=False)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decision_comment = models.TextField(_("comment"), blank=True, editable=False)

    visibility_owner_field = "owner"

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_expenseclaim", _("Can approve any expense claim")),
                       ("view_all_expenseclaim", _("Can see every expense claim (finance)"))]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="expense_owner_idx"),
            models.Index(fields=["status", "-created_at"], name="expense_status_idx"),
            models.Index(fields=["approver", "status"], name="expense_approver_idx"),
            models.Index(fields=["account", "-created_at"], name="expense_account_idx"),
            models.Index(fields=["opportunity"], name="expense_opportunity_idx"),
            models.Index(fields=["-created_at", "-id"], name="expense_created_idx"),
            models.Index(fields=["-total", "id"], name="expense_total_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:expenseclaim_detail", args=[self.pk])


class ExpenseLine(BaseModel):
    claim = models.ForeignKey(ExpenseClaim, verbose_name=_("expense claim"), on_delete=models.CASCADE, related_name="lines")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=15, choices=ExpenseCategory.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    description = models.CharField(_("description"), max_length=300, blank=True)
    receipt = models.FileField(_("receipt"), upload_to="expense_receipts/%Y/%m/", blank=True)

    # framework.audit reads ``.url`` of a FieldFile, which raises on an empty one: the receipt stays out of the audit row.
    audit_exclude = ("created_at", "updated_at", "receipt")
    visibility_via = ("claim",)

    class Meta:
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        ordering = ["claim", "date", "id"]
        indexes = [models.Index(fields=["claim", "date"], name="expense_line_claim_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_category_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return self.claim.get_absolute_url()
