"""Quote arithmetic, exact in Decimal: unit prices from price-book tiers, line net and VAT, totals.

Each line: gross = quantity × unit price; net = gross × (1 − discount %), rounded half-up to the
cent; VAT = net × rate %, rounded half-up to the cent (per line, as Chinese VAT invoices do). The
quote's subtotal is Σ gross (rounded), its discount Σ (gross − net), its VAT Σ line VAT, its total
net + VAT.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def approval_threshold() -> Decimal:
    """A quote with any line discount above this percentage needs the manager's approval."""
    return Decimal(str(settings.GUANXI_QUOTE_APPROVAL_DISCOUNT))


def tax_for(product, tax=None, tax_rate: Decimal | None = None):
    """``(TaxRate or None, rate %)`` of a new line: the chosen rate, else a rate given as a number, else the product's.

    The rates are the ``TaxRate`` records (Sales settings → Tax rates); nothing here is hard-coded.
    """
    from .models import TaxRate

    if tax is not None:
        return tax, tax.rate
    if tax_rate is not None:
        return TaxRate.objects.filter(rate=tax_rate, is_active=True).order_by("-is_default", "id").first(), tax_rate
    if product.default_tax_rate_id:
        return product.default_tax_rate, product.default_tax_rate.rate
    default = TaxRate.objects.filter(is_default=True, is_active=True).first()
    return default, (default.rate if default else Decimal("0"))


def unit_price_for(price_book, product, quantity: Decimal) -> Decimal:
    """The price book's tier for ``quantity`` (the highest "from quantity" reached), else the list price."""
    entry = (
        price_book.entries.filter(product=product, min_quantity__lte=quantity).order_by("-min_quantity").first()
        if price_book is not None else None
    )
    if entry is not None:
        return entry.unit_price
    if price_book is not None and product.currency != price_book.currency:
        raise ValidationError({"product": _("“%(product)s” has no price in %(currency)s in this price book.") % {
            "product": product, "currency": price_book.currency}})
    return product.list_price


def line_amounts(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(gross, net, VAT) of one line."""
    gross = quantity * unit_price
    net = cents(gross * (HUNDRED - discount_percent) / HUNDRED)
    tax = cents(net * tax_rate / HUNDRED)
    return cents(gross), net, tax


def totals(lines: Iterable) -> dict[str, Decimal]:
    subtotal = discount = tax = Decimal("0.00")
    largest = Decimal("0")
    for line in lines:
        gross, net, vat = line_amounts(line.quantity, line.unit_price, line.discount_percent, line.tax_rate)
        subtotal += gross
        discount += gross - net
        tax += vat
        largest = max(largest, line.discount_percent)
    return {"subtotal": subtotal, "discount_total": discount, "tax_total": tax, "total": subtotal - discount + tax, "max_discount": largest}
