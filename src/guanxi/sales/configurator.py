"""The product configurator: the price and validity of a product with chosen options, and bundles.

A configuration is a product, a price book, a quantity and the chosen options. Its unit price is

    base unit price + Σ extra price of each chosen option

- base unit price: for a bundle priced as the *sum* (``Product.bundle_pricing``), Σ over its components of
  (the component's price-book price for quantity × component quantity) × component quantity, less the bundle
  discount, rounded half-up to the cent; otherwise the product's own price-book price (volume tiers) —
  :func:`pricing.unit_price_for`.
- an option's extra price: its ``ProductOptionPrice`` in the price book's currency, else its ``price`` when
  the price book is in the product's currency (or when it is free); otherwise the configuration is invalid (named).

Constraints, each broken one named in ``errors``: a group's *at least* (1 when required) and *at most*;
an option that requires another; two options that exclude each other; options of another product.
Everything is Decimal; nothing is stored here (see ``services.catalog``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import pricing
from .choices import BundlePricing
from .models import PriceBook, Product, ProductOption


@dataclass
class OptionLine:
    option: ProductOption
    unit_price: Decimal


@dataclass
class Configuration:
    product: Product
    price_book: PriceBook | None
    quantity: Decimal
    base_price: Decimal = Decimal("0.00")
    options: list[OptionLine] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def unit_price(self) -> Decimal:
        return self.base_price + sum((o.unit_price for o in self.options), Decimal("0.00"))

    @property
    def amount(self) -> Decimal:
        return pricing.cents(self.unit_price * self.quantity)

    @property
    def currency(self) -> str:
        return self.price_book.currency if self.price_book else self.product.currency

    @property
    def description(self) -> str:
        """``Product (内存: 32GB, 保修年限: 3 年)``, or the components of a bundle."""
        text = self.product.name
        if self.options:
            text += " (" + ", ".join(f"{o.option.group.name}: {o.option.name}" for o in self.options) + ")"
        if self.components:
            text += " — " + ", ".join(f"{c['component'].name} × {c['quantity'].normalize():f}" for c in self.components)
        return text[:300]


def option_price(option: ProductOption, product: Product, price_book: PriceBook | None) -> Decimal | None:
    currency = price_book.currency if price_book else product.currency
    for price in option.prices.all():
        if price.currency == currency:
            return price.price
    if currency == product.currency or option.price == 0:
        return option.price  # a free option is free in every currency
    return None


def configure(*, product: Product, price_book: PriceBook | None, quantity: Decimal, option_ids=(), groups=None) -> Configuration:
    """Price and check a configuration. ``groups``: the product's option groups, already fetched with
    ``options__prices``, ``options__requires`` and ``options__excludes`` (else fetched here)."""
    config = Configuration(product=product, price_book=price_book, quantity=quantity)
    if quantity is None or quantity <= 0:
        config.errors.append(_("The quantity must be more than zero."))
        return config
    if groups is None:
        groups = list(product.option_groups.prefetch_related("options__prices", "options__requires", "options__excludes"))
    by_id = {o.pk: o for g in groups for o in g.options.all()}
    wanted = {int(i) for i in option_ids if str(i).strip()}
    unknown = wanted - set(by_id)
    if unknown:
        config.errors.append(_("Some chosen options do not belong to “%(product)s”.") % {"product": product.name})
    chosen = [by_id[i] for g in groups for i in [o.pk for o in g.options.all()] if i in wanted]
    chosen_ids = {o.pk for o in chosen}
    for group in groups:
        count = sum(1 for o in group.options.all() if o.pk in chosen_ids)
        if count < group.least:
            config.errors.append(_("“%(group)s”: choose at least %(count)d.") % {"group": group.name, "count": group.least})
        if group.max_choices is not None and count > group.max_choices:
            config.errors.append(_("“%(group)s”: choose at most %(count)d.") % {"group": group.name, "count": group.max_choices})
    reported: set[frozenset] = set()
    for option in chosen:
        for needed in option.requires.all():
            if needed.pk not in chosen_ids:
                config.errors.append(_("“%(option)s” requires “%(other)s”.") % {"option": option.name, "other": needed.name})
        for other in option.excludes.all():
            pair = frozenset((option.pk, other.pk))
            if other.pk in chosen_ids and pair not in reported:
                reported.add(pair)
                config.errors.append(_("“%(option)s” cannot be combined with “%(other)s”.") % {"option": option.name, "other": other.name})
    for option in chosen:
        price = option_price(option, product, price_book)
        if price is None:
            config.errors.append(_("“%(option)s” has no price in %(currency)s.") % {"option": option.name, "currency": config.currency})
            continue
        config.options.append(OptionLine(option=option, unit_price=price))
    components = list(product.components.select_related("component"))
    try:
        if components and product.bundle_pricing == BundlePricing.SUM:
            total = Decimal("0")
            for row in components:
                unit = pricing.unit_price_for(price_book, row.component, quantity * row.quantity)
                config.components.append({"component": row.component, "quantity": row.quantity, "unit_price": unit})
                total += unit * row.quantity
            config.base_price = pricing.cents(total * (pricing.HUNDRED - product.bundle_discount) / pricing.HUNDRED)
        else:
            config.components = [{"component": r.component, "quantity": r.quantity, "unit_price": None} for r in components]
            config.base_price = pricing.unit_price_for(price_book, product, quantity)
    except ValidationError as exc:
        config.errors.extend(m for messages in exc.message_dict.values() for m in messages)
    return config


def require_valid(config: Configuration) -> Configuration:
    if config.errors:
        raise ValidationError({"options": config.errors})
    return config
