"""After-sales records: installed products (units at a customer's site), service contracts with their
entitlements, warranty lengths of products, and returns for repair (RMA) with their lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import RMA_CUSTOMER_LABELS, ContractStatus, EntitlementUnit, InstalledProductStatus, RmaStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 10, "decimal_places": 2}


class ServiceNumberSequence(models.Model):
    """The last number given out per prefix and year (SC-2026-000012, RMA-2026-000003)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="service_number_seq_unique")]


class WarrantyTerm(BaseModel):
    """How long a product is under warranty from its installation (fills an installed product's warranty end)."""

    product = models.OneToOneField("sales.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="warranty_term")
    months = models.PositiveSmallIntegerField(_("warranty (months)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("warranty term")
        verbose_name_plural = _("warranty terms")
        ordering = ["product__code"]

    def __str__(self) -> str:
        return f"{self.product} · {self.months}"


class InstalledProduct(BusinessModel):
    """One unit of a product at a customer's site, identified by its serial number."""

    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="installations")
    serial_number = models.CharField(_("serial number"), max_length=100)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="installed_products")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="installed_products",
    )
    install_date = models.DateField(_("install date"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True, help_text=_("Site, building, room or full address."))
    warranty_end = models.DateField(
        _("warranty end"), null=True, blank=True, help_text=_("Empty: computed from the install date and the product's warranty term."),
    )
    status = models.CharField(_("status"), max_length=10, choices=InstalledProductStatus.choices, default=InstalledProductStatus.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    #: the unit this one replaced (through a return): the old unit's ``replacement``
    replaces = models.OneToOneField(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replacement",
    )

    # Seen by whoever sees its account, and by the agents working one of its cases.
    visibility_via = ("account", "cases")

    class Meta:
        verbose_name = _("installed product")
        verbose_name_plural = _("installed products")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["product", "serial_number"], name="service_installed_serial_unique")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="instprod_recent_idx"),
            models.Index(fields=["account", "-install_date"], name="instprod_account_idx"),
            models.Index(fields=["serial_number"], name="instprod_serial_idx"),
            models.Index(fields=["status", "-created_at"], name="instprod_status_idx"),
            models.Index(fields=["warranty_end", "id"], name="instprod_warranty_idx"),
            models.Index(fields=["install_date", "id"], name="instprod_install_idx"),
            models.Index(fields=["contact", "-created_at"], name="instprod_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} · {self.serial_number}"

    def get_absolute_url(self) -> str:
        return reverse("service:installedproduct_detail", args=[self.pk])

    def audit_parent(self):
        return self.account

    def under_warranty(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.warranty_end is not None and on <= self.warranty_end


class ServiceContract(BusinessModel):
    """What a customer bought for support: a service level, covered units, and visits or hours to use."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="service_contracts")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="service_contracts",
    )
    status = models.CharField(_("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    value = models.DecimalField(_("value"), default=Decimal("0"), validators=[MinValueValidator(0)], **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    sla_policy = models.ForeignKey(
        "service.SlaPolicy", verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts",
        help_text=_("Cases under this contract follow this policy."),
    )
    installed_products = models.ManyToManyField(
        InstalledProduct, verbose_name=_("covered products"), blank=True, related_name="contracts",
        help_text=_("Empty: the contract covers the whole account."),
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    renewal_reminder_days = models.PositiveSmallIntegerField(_("renewal reminder (days before the end)"), default=30)
    renewal_reminded_at = models.DateTimeField(_("renewal reminder sent"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    audit_exclude = ("created_at", "updated_at", "renewal_reminded_at")
    # Seen by its owner, whoever sees its account, and the agents working one of its cases.
    visibility_owner_field = "owner"
    visibility_via = ("account", "cases")

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="service_contract_dates")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="svccontract_recent_idx"),
            models.Index(fields=["account", "status", "-end_date"], name="svccontract_account_idx"),
            models.Index(fields=["status", "end_date"], name="svccontract_status_end_idx"),
            models.Index(fields=["end_date", "id"], name="svccontract_end_idx"),
            models.Index(fields=["start_date", "id"], name="svccontract_start_idx"),
            models.Index(fields=["owner", "-created_at"], name="svccontract_owner_idx"),
            models.Index(fields=["sla_policy"], name="svccontract_sla_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("service:servicecontract_detail", args=[self.pk])

    def audit_parent(self):
        return self.account

    def is_in_force(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == ContractStatus.ACTIVE and self.start_date <= on <= self.end_date


class Entitlement(BusinessModel):
    """A quantity of visits or hours a contract grants, and how much of it has been used."""

    contract = models.ForeignKey(ServiceContract, verbose_name=_("service contract"), on_delete=models.CASCADE, related_name="entitlements")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, choices=EntitlementUnit.choices, default=EntitlementUnit.VISIT)
    quantity = models.DecimalField(_("quantity"), validators=[MinValueValidator(0)], **QUANTITY)
    used = models.DecimalField(_("used"), default=Decimal("0"), editable=False, **QUANTITY)

    visibility_via = ("contract",)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["contract", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(used__gte=0) & models.Q(used__lte=models.F("quantity")), name="service_entitlement_within"),
        ]
        indexes = [models.Index(fields=["contract", "name"], name="entitlement_contract_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"

    def get_absolute_url(self) -> str:
        return self.contract.get_absolute_url()

    def audit_parent(self):
        return self.contract

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.used


class EntitlementUsage(BusinessModel):
    """One use of an entitlement (a visit, some hours), usually for a case."""

    entitlement = models.ForeignKey(Entitlement, verbose_name=_("entitlement"), on_delete=models.CASCADE, related_name="usages")
    case = models.ForeignKey("service.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="entitlement_usages")
    quantity = models.DecimalField(_("quantity"), validators=[MinValueValidator(Decimal("0.01"))], **QUANTITY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    visibility_via = ("entitlement",)

    class Meta:
        verbose_name = _("entitlement use")
        verbose_name_plural = _("entitlement uses")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entitlement", "-created_at"], name="entusage_entitlement_idx"),
            models.Index(fields=["case"], name="entusage_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} −{self.quantity}"

    def get_absolute_url(self) -> str:
        return self.entitlement.get_absolute_url()

    def audit_parent(self):
        return self.entitlement.contract


class Rma(BusinessModel):
    """A return merchandise authorisation: the customer sends units back for repair, replacement or refund."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="rmas")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="rmas")
    case = models.ForeignKey("service.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="rmas")
    reason = models.TextField(_("reason for return"))
    status = models.CharField(_("status"), max_length=10, choices=RmaStatus.choices, default=RmaStatus.AUTHORISED)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=60, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=100, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    authorised_at = models.DateTimeField(_("authorised"), null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("received"), null=True, blank=True, editable=False)
    diagnosed_at = models.DateTimeField(_("diagnosed"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    shipped_at = models.DateTimeField(_("shipped back"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    # Seen by its owner, whoever sees its account, and whoever sees its case.
    visibility_owner_field = "owner"
    visibility_via = ("account", "case")

    class Meta:
        verbose_name = _("return (RMA)")
        verbose_name_plural = _("returns (RMA)")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="rma_recent_idx"),
            models.Index(fields=["account", "-created_at"], name="rma_account_idx"),
            models.Index(fields=["status", "-created_at"], name="rma_status_idx"),
            models.Index(fields=["case"], name="rma_case_idx"),
            models.Index(fields=["owner", "-created_at"], name="rma_owner_idx"),
            models.Index(fields=["-updated_at", "-id"], name="rma_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service:rma_detail", args=[self.pk])

    def audit_parent(self):
        return self.account

    @property
    def customer_status(self) -> str:
        """The wording a customer reads for the current status."""
        return str(RMA_CUSTOMER_LABELS.get(self.status, self.get_status_display()))


class RmaLine(BusinessModel):
    """One returned unit (or a quantity of a product without serial numbers) and its problem."""

    rma = models.ForeignKey(Rma, verbose_name=_("return (RMA)"), on_delete=models.CASCADE, related_name="lines")
    installed_product = models.ForeignKey(
        InstalledProduct, verbose_name=_("installed product"), null=True, blank=True, on_delete=models.PROTECT, related_name="rma_lines",
    )
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    #: the unit sent to the customer in place of ``installed_product`` when the return is resolved by replacement
    replacement = models.OneToOneField(
        InstalledProduct, verbose_name=_("replacement unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="replacing_rma_line",
    )

    visibility_via = ("rma",)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["rma", "id"]
        indexes = [
            models.Index(fields=["rma", "id"], name="rmaline_rma_idx"),
            models.Index(fields=["installed_product"], name="rmaline_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rma.number} · {self.product}"

    def audit_parent(self):
        return self.rma
