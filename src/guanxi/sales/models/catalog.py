"""Tax rates, the product configurator (option groups, options, their prices per currency, bundles)
and opportunity product lines."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class TaxRate(BaseModel):
    """A VAT rate offered on products and quote lines (China: 13 % goods, 9 %, 6 % services, 0 %)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    rate = models.DecimalField(_("rate (%)"), **PERCENT)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default tax rate"), default=False,
                                     help_text=_("Used for products that have no tax rate of their own."))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["-is_default", "-rate", "name"]
        indexes = [models.Index(fields=["is_active", "-rate"], name="taxrate_active_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.rate.normalize():f}%"

    def get_absolute_url(self) -> str:
        return reverse("sales:taxrate_edit", args=[self.pk])


class ProductOptionGroup(BaseModel):
    """A choice to make when configuring a product (内存, 保修年限), with how many options may be taken."""

    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="option_groups")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_required = models.BooleanField(_("required"), default=False)
    min_choices = models.PositiveSmallIntegerField(_("at least"), default=0)
    max_choices = models.PositiveSmallIntegerField(_("at most"), null=True, blank=True, help_text=_("Empty: any number."))

    class Meta:
        verbose_name = _("option group")
        verbose_name_plural = _("option groups")
        ordering = ["product", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="option_group_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def least(self) -> int:
        return max(self.min_choices, 1 if self.is_required else 0)


class ProductOption(BaseModel):
    """One option of a group; it adds ``price`` (the product's currency) or its price in another currency."""

    group = models.ForeignKey(ProductOptionGroup, verbose_name=_("option group"), on_delete=models.CASCADE, related_name="options")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    price = models.DecimalField(_("extra price"), default=0, validators=[MinValueValidator(0)], **MONEY)
    is_default = models.BooleanField(_("chosen by default"), default=False)
    requires = models.ManyToManyField("self", verbose_name=_("requires"), symmetrical=False, blank=True, related_name="required_by")
    excludes = models.ManyToManyField("self", verbose_name=_("cannot be combined with"), symmetrical=True, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["group", "position", "id"]

    def __str__(self) -> str:
        return f"{self.group.name}: {self.name}"


class ProductOptionPrice(BaseModel):
    """The extra price of an option in a currency other than the product's."""

    option = models.ForeignKey(ProductOption, verbose_name=_("option"), on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3)
    price = models.DecimalField(_("extra price"), validators=[MinValueValidator(0)], **MONEY)

    class Meta:
        verbose_name = _("option price")
        verbose_name_plural = _("option prices")
        ordering = ["option", "currency"]
        constraints = [models.UniqueConstraint(fields=["option", "currency"], name="option_price_unique_currency")]

    def __str__(self) -> str:
        return f"{self.option} {self.currency} {self.price}"


class BundleComponent(BaseModel):
    """A bundle (a product with components) holds ``quantity`` of ``component`` per bundle."""

    bundle = models.ForeignKey("sales.Product", verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey("sales.Product", verbose_name=_("component"), on_delete=models.PROTECT, related_name="in_bundles")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        ordering = ["bundle", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_unique")]

    def __str__(self) -> str:
        return f"{self.component} × {self.quantity.normalize():f}"


class OpportunityLine(BaseModel):
    """A product the opportunity would sell; with lines, the opportunity's amount is their sum."""

    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), default=0, **PERCENT)
    amount = models.DecimalField(_("net amount"), default=0, editable=False, **MONEY)
    parent = models.ForeignKey("self", verbose_name=_("configured line"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="option_lines", editable=False)
    option = models.ForeignKey(ProductOption, verbose_name=_("option"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", editable=False)

    visibility_via = ("opportunity",)

    class Meta:
        verbose_name = _("opportunity product line")
        verbose_name_plural = _("opportunity product lines")
        ordering = ["opportunity", "position", "id"]
        indexes = [models.Index(fields=["opportunity", "position"], name="oppline_position_idx")]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity.normalize():f}"
