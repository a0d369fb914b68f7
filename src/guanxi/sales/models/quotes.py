"""Products, price books with volume tiers, quotes with versions and lines, and sales orders."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import BundlePricing, OrderStatus, QuoteStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class Product(BaseModel):
    code = models.CharField(_("product code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="件")
    list_price = models.DecimalField(_("list price"), validators=[MinValueValidator(0)], **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    default_tax_rate = models.ForeignKey("sales.TaxRate", verbose_name=_("tax rate"), null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="products", help_text=_("Empty: the default tax rate."))
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    bundle_pricing = models.CharField(_("bundle price"), max_length=10, choices=BundlePricing.choices, default=BundlePricing.FIXED,
                                      help_text=_("For a product with components: its own price, or the sum of its components' prices."))
    bundle_discount = models.DecimalField(_("bundle discount (%)"), default=0, help_text=_("Taken off the sum of the components."), **PERCENT)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        indexes = [models.Index(fields=["is_active", "code"], name="product_active_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("sales:product_edit", args=[self.pk])

    @property
    def tax_rate(self) -> Decimal:
        """The VAT rate (%) a new line of this product takes: its own tax rate, else the default one, else 0."""
        from .catalog import TaxRate

        if self.default_tax_rate_id:
            return self.default_tax_rate.rate
        default = TaxRate.objects.filter(is_default=True, is_active=True).first()
        return default.rate if default else Decimal("0")


class PriceBook(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    is_default = models.BooleanField(_("default price book"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def get_absolute_url(self) -> str:
        return reverse("sales:pricebook_detail", args=[self.pk])


class PriceBookEntry(BaseModel):
    """The unit price of a product in a price book from ``min_quantity`` up (several rows: volume tiers)."""

    price_book = models.ForeignKey(PriceBook, verbose_name=_("price book"), on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="price_entries")
    min_quantity = models.DecimalField(_("from quantity"), max_digits=12, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)])
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **MONEY)

    class Meta:
        verbose_name = _("price book entry")
        verbose_name_plural = _("price book entries")
        ordering = ["price_book", "product", "min_quantity"]
        constraints = [models.UniqueConstraint(fields=["price_book", "product", "min_quantity"], name="price_entry_unique_tier")]

    def __str__(self) -> str:
        return f"{self.product} ≥ {self.min_quantity}: {self.unit_price}"


class Quote(BusinessModel):
    """An offer to an account; a new version replaces it (``supersedes``) and keeps the number."""

    number = models.CharField(_("quote number"), max_length=30, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    supersedes = models.OneToOneField("self", verbose_name=_("previous version"), null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="superseded_by", editable=False)
    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="quotes")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_quotes")
    price_book = models.ForeignKey(PriceBook, verbose_name=_("price book"), on_delete=models.PROTECT, related_name="quotes")
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT, editable=False)
    valid_until = models.DateField(_("valid until"))
    terms = models.TextField(_("terms"), blank=True)
    subtotal = models.DecimalField(_("subtotal"), default=0, editable=False, **MONEY)
    discount_total = models.DecimalField(_("discount"), default=0, editable=False, **MONEY)
    tax_total = models.DecimalField(_("VAT"), default=0, editable=False, **MONEY)
    total = models.DecimalField(_("total"), default=0, editable=False, **MONEY)
    max_discount = models.DecimalField(_("largest discount (%)"), default=0, editable=False, **PERCENT)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="quotes_to_approve", editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)

    audit_exclude = ("created_at", "updated_at")
    visibility_owner_field = "owner"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["number", "version"], name="quote_number_version_unique")]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="quote_recent_idx"),
            models.Index(fields=["owner", "status", "-updated_at"], name="quote_owner_idx"),
            models.Index(fields=["status", "-updated_at"], name="quote_status_idx"),
            models.Index(fields=["account", "-updated_at"], name="quote_account_idx"),
            models.Index(fields=["approver", "status"], name="quote_approver_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("sales:quote_detail", args=[self.pk])


class QuoteLine(BaseModel):
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), default=0, **PERCENT)
    tax_rate = models.DecimalField(_("VAT rate (%)"), **PERCENT)
    tax = models.ForeignKey("sales.TaxRate", verbose_name=_("tax rate"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    parent = models.ForeignKey("self", verbose_name=_("configured line"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="option_lines", editable=False)
    option = models.ForeignKey("sales.ProductOption", verbose_name=_("option"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", editable=False)
    net_amount = models.DecimalField(_("net amount"), default=0, editable=False, **MONEY)
    tax_amount = models.DecimalField(_("VAT"), default=0, editable=False, **MONEY)

    visibility_via = ("quote",)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount


class SalesOrder(BusinessModel):
    number = models.CharField(_("order number"), max_length=30, unique=True, editable=False)
    quote = models.OneToOneField(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="order", editable=False)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="sales_orders", editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_orders")
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED, editable=False)
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    total = models.DecimalField(_("total"), editable=False, **MONEY)
    ordered_at = models.DateTimeField(_("ordered"), editable=False)
    status_changed_at = models.DateTimeField(_("status since"), editable=False)
    notes = models.TextField(_("notes"), blank=True)

    visibility_owner_field = "owner"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["-ordered_at", "-id"], name="order_recent_idx"),
            models.Index(fields=["owner", "status", "-ordered_at"], name="order_owner_idx"),
            models.Index(fields=["status", "-ordered_at"], name="order_status_idx"),
            models.Index(fields=["account", "-ordered_at"], name="order_account_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:salesorder_detail", args=[self.pk])
