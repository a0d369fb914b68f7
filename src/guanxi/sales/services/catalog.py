"""Tax rates, the configurator's option groups, options, option prices and bundle components,
opportunity product lines (the amount follows them) and configured products added to quotes and
opportunities."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError, Sum
from django.utils.translation import gettext as _

from guanxi.framework import services as base
from guanxi.framework.text import tidy

from .. import configurator, pricing
from .board import board_key, board_totals_move
from ..models import (
    BundleComponent, Opportunity, OpportunityLine, PriceBook, Product, ProductOption, ProductOptionGroup, ProductOptionPrice, Quote,
    QuoteLine, TaxRate,
)

__all__ = [
    "bundle_component_delete", "bundle_component_set", "opportunity_add_configured", "opportunity_line_add", "opportunity_line_delete",
    "opportunity_line_update", "opportunity_price_book", "option_create", "option_delete", "option_group_create", "option_group_delete",
    "option_group_update", "option_price_set", "option_update", "quote_add_configured", "quote_copy_opportunity_lines",
    "taxrate_create", "taxrate_delete", "taxrate_update",
]


# --- tax rates -----------------------------------------------------------------------------------

def _only_default(tax: TaxRate) -> None:
    if tax.is_default:
        TaxRate.objects.exclude(pk=tax.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def taxrate_create(*, acting_user, name: str, rate: Decimal, is_active: bool = True, is_default: bool = False, description: str = "") -> TaxRate:
    tax = base.create(TaxRate(name=tidy(name), rate=rate, is_active=is_active, is_default=is_default, description=tidy(description)),
                      acting_user=acting_user)
    _only_default(tax)
    return tax


@transaction.atomic
def taxrate_update(*, tax: TaxRate, acting_user, **data) -> dict:
    data = {k: tidy(v) if isinstance(v, str) else v for k, v in data.items()}
    if data.get("is_default") and data.get("is_active") is False:
        raise ValidationError({"is_default": _("The default tax rate must be active.")})
    changes = base.update(tax, acting_user=acting_user, data=data)
    _only_default(tax)
    return changes


@transaction.atomic
def taxrate_delete(*, tax: TaxRate, acting_user) -> None:
    try:
        base.delete(tax, acting_user=acting_user)
    except ProtectedError:
        raise ValidationError({"rate": _("Products use “%(tax)s”; make it inactive instead.") % {"tax": tax}}) from None


# --- configurator: option groups, options, prices, bundles ---------------------------------------

@transaction.atomic
def option_group_create(*, product: Product, acting_user, name: str, is_required: bool = False, min_choices: int = 0,
                        max_choices: int | None = None, position: int | None = None) -> ProductOptionGroup:
    _check_counts(is_required, min_choices, max_choices)
    if position is None:
        position = (product.option_groups.aggregate(top=Max("position"))["top"] or 0) + 10
    return base.create(ProductOptionGroup(product=product, name=tidy(name), is_required=is_required, min_choices=min_choices,
                                          max_choices=max_choices, position=position), acting_user=acting_user)


def _check_counts(is_required, min_choices, max_choices) -> None:
    least = max(min_choices or 0, 1 if is_required else 0)
    if max_choices is not None and max_choices < least:
        raise ValidationError({"max_choices": _("“At most” cannot be less than “at least” (%(least)d).") % {"least": least}})


@transaction.atomic
def option_group_update(*, group: ProductOptionGroup, acting_user, **data) -> dict:
    data = {k: tidy(v) if isinstance(v, str) else v for k, v in data.items() if k in {"name", "is_required", "min_choices", "max_choices", "position"}}
    _check_counts(data.get("is_required", group.is_required), data.get("min_choices", group.min_choices), data.get("max_choices", group.max_choices))
    return base.update(group, acting_user=acting_user, data=data)


@transaction.atomic
def option_group_delete(*, group: ProductOptionGroup, acting_user) -> None:
    base.delete(group, acting_user=acting_user)


def _same_product(group: ProductOptionGroup, options: Iterable[ProductOption], field: str) -> list[ProductOption]:
    options = list(options or [])
    for other in options:
        if other.group.product_id != group.product_id:
            raise ValidationError({field: _("“%(option)s” is an option of another product.") % {"option": other}})
    return options


@transaction.atomic
def option_create(*, group: ProductOptionGroup, acting_user, name: str, price: Decimal = Decimal("0"), is_default: bool = False,
                  position: int | None = None, requires: Iterable[ProductOption] = (), excludes: Iterable[ProductOption] = ()) -> ProductOption:
    requires, excludes = _same_product(group, requires, "requires"), _same_product(group, excludes, "excludes")
    if set(requires) & set(excludes):
        raise ValidationError({"excludes": _("An option cannot both require and exclude the same option.")})
    if position is None:
        position = (group.options.aggregate(top=Max("position"))["top"] or 0) + 10
    return base.create(ProductOption(group=group, name=tidy(name), price=price, is_default=is_default, position=position),
                       acting_user=acting_user, m2m={"requires": requires, "excludes": excludes})


@transaction.atomic
def option_update(*, option: ProductOption, acting_user, requires: Iterable[ProductOption] | None = None,
                  excludes: Iterable[ProductOption] | None = None, **data) -> dict:
    data = {k: tidy(v) if isinstance(v, str) else v for k, v in data.items() if k in {"name", "price", "is_default", "position"}}
    m2m = {}
    if requires is not None:
        m2m["requires"] = [o for o in _same_product(option.group, requires, "requires") if o.pk != option.pk]
    if excludes is not None:
        m2m["excludes"] = [o for o in _same_product(option.group, excludes, "excludes") if o.pk != option.pk]
    if set(m2m.get("requires", [])) & set(m2m.get("excludes", [])):
        raise ValidationError({"excludes": _("An option cannot both require and exclude the same option.")})
    return base.update(option, acting_user=acting_user, data=data, m2m=m2m or None)


@transaction.atomic
def option_delete(*, option: ProductOption, acting_user) -> None:
    base.delete(option, acting_user=acting_user)


@transaction.atomic
def option_price_set(*, option: ProductOption, acting_user, currency: str, price: Decimal) -> ProductOptionPrice:
    currency = (currency or "").strip().upper()
    existing = ProductOptionPrice.objects.filter(option=option, currency=currency).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data={"price": price})
        return existing
    return base.create(ProductOptionPrice(option=option, currency=currency, price=price), acting_user=acting_user)


@transaction.atomic
def bundle_component_set(*, bundle: Product, acting_user, component: Product, quantity: Decimal) -> BundleComponent:
    if component.pk == bundle.pk:
        raise ValidationError({"component": _("A bundle cannot contain itself.")})
    if component.components.exists():
        raise ValidationError({"component": _("“%(product)s” is a bundle itself; bundles cannot be nested.") % {"product": component}})
    existing = BundleComponent.objects.filter(bundle=bundle, component=component).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data={"quantity": quantity})
        return existing
    return base.create(BundleComponent(bundle=bundle, component=component, quantity=quantity), acting_user=acting_user)


@transaction.atomic
def bundle_component_delete(*, row: BundleComponent, acting_user) -> None:
    base.delete(row, acting_user=acting_user)


# --- opportunity product lines -------------------------------------------------------------------

def opportunity_price_book(opportunity: Opportunity) -> PriceBook | None:
    """The opportunity's price book, else the default active one in its currency."""
    if opportunity.price_book_id:
        return opportunity.price_book
    return PriceBook.objects.filter(is_active=True, currency=opportunity.currency).order_by("-is_default", "id").first()


def _line_book(opportunity: Opportunity) -> PriceBook | None:
    book = opportunity_price_book(opportunity)
    if book is not None and book.currency != opportunity.currency:
        raise ValidationError({"price_book": _("The price book is in %(book)s but the opportunity in %(opp)s.") % {
            "book": book.currency, "opp": opportunity.currency}})
    return book


def _rollup(opportunity: Opportunity, acting_user) -> None:
    """With lines, the amount is the sum of their net amounts."""
    total = OpportunityLine.objects.filter(opportunity=opportunity).aggregate(total=Sum("amount"))["total"]
    if total is not None:
        before = board_key(opportunity.pk)
        base.update(opportunity, acting_user=acting_user, data={"amount": pricing.cents(Decimal(str(total)))})
        board_totals_move(before, board_key(opportunity.pk))


def _line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    return pricing.line_amounts(quantity, unit_price, discount_percent, Decimal("0"))[1]


def _position(opportunity: Opportunity) -> int:
    return (opportunity.lines.aggregate(top=Max("position"))["top"] or 0) + 10


def _open(opportunity: Opportunity) -> None:
    if opportunity.stage.is_closed:
        raise ValidationError({"lines": _("The opportunity is closed; its product lines cannot change.")})


@transaction.atomic
def opportunity_line_add(*, opportunity: Opportunity, acting_user, product: Product, quantity: Decimal, unit_price: Decimal | None = None,
                         discount_percent: Decimal = Decimal("0"), description: str = "", parent: OpportunityLine | None = None,
                         option: ProductOption | None = None, rollup: bool = True) -> OpportunityLine:
    _open(opportunity)
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    if unit_price is None:
        unit_price = pricing.unit_price_for(_line_book(opportunity), product, quantity)
    discount_percent = discount_percent or Decimal("0")
    line = base.create(OpportunityLine(
        opportunity=opportunity, position=_position(opportunity), product=product, description=tidy(description) or product.name,
        quantity=quantity, unit_price=unit_price, discount_percent=discount_percent, amount=_line_net(quantity, unit_price, discount_percent),
        parent=parent, option=option,
    ), acting_user=acting_user)
    if rollup:
        _rollup(opportunity, acting_user)
    return line


@transaction.atomic
def opportunity_line_update(*, line: OpportunityLine, acting_user, **data) -> dict:
    _open(line.opportunity)
    data = {k: v for k, v in data.items() if k in {"quantity", "unit_price", "discount_percent", "description"}}
    merged = {k: data.get(k, getattr(line, k)) for k in ("quantity", "unit_price", "discount_percent")}
    if merged["quantity"] is None or merged["quantity"] <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    changes = base.update(line, acting_user=acting_user, data=data, derived={"amount": _line_net(**merged)})
    _rollup(line.opportunity, acting_user)
    return changes


@transaction.atomic
def opportunity_line_delete(*, line: OpportunityLine, acting_user) -> None:
    opportunity = line.opportunity
    _open(opportunity)
    for option_line in list(line.option_lines.all()):
        base.delete(option_line, acting_user=acting_user)
    base.delete(line, acting_user=acting_user)
    if opportunity.lines.exists():
        _rollup(opportunity, acting_user)


# --- configured products -------------------------------------------------------------------------

@transaction.atomic
def opportunity_add_configured(*, opportunity: Opportunity, acting_user, product: Product, quantity: Decimal, option_ids=(),
                               discount_percent: Decimal = Decimal("0")) -> OpportunityLine:
    """The product at its configured base price, then one line per chosen option under it."""
    _open(opportunity)
    config = configurator.require_valid(configurator.configure(product=product, price_book=_line_book(opportunity), quantity=quantity,
                                                               option_ids=option_ids))
    main = opportunity_line_add(opportunity=opportunity, acting_user=acting_user, product=product, quantity=quantity,
                                unit_price=config.base_price, discount_percent=discount_percent, description=config.description, rollup=False)
    for row in config.options:
        opportunity_line_add(opportunity=opportunity, acting_user=acting_user, product=product, quantity=quantity, unit_price=row.unit_price,
                             discount_percent=discount_percent, description=f"+ {row.option.group.name}: {row.option.name}", parent=main,
                             option=row.option, rollup=False)
    _rollup(opportunity, acting_user)
    return main


@transaction.atomic
def quote_add_configured(*, quote: Quote, acting_user, product: Product, quantity: Decimal, option_ids=(),
                         discount_percent: Decimal = Decimal("0"), tax: TaxRate | None = None) -> QuoteLine:
    from .quotes import quote_line_add

    config = configurator.require_valid(configurator.configure(product=product, price_book=quote.price_book, quantity=quantity,
                                                               option_ids=option_ids))
    main = quote_line_add(quote=quote, acting_user=acting_user, product=product, quantity=quantity, unit_price=config.base_price,
                          discount_percent=discount_percent, description=config.description, tax=tax)
    for row in config.options:
        quote_line_add(quote=quote, acting_user=acting_user, product=product, quantity=quantity, unit_price=row.unit_price,
                       discount_percent=discount_percent, description=f"+ {row.option.group.name}: {row.option.name}", tax=main.tax,
                       tax_rate=main.tax_rate, parent=main, option=row.option)
    return main


def parents_first(lines) -> list:
    """Lines in position order, each configured line directly followed by its option lines."""
    lines = list(lines)
    children: dict[int, list] = {}
    for line in lines:
        if line.parent_id:
            children.setdefault(line.parent_id, []).append(line)
    out = []
    for line in lines:
        if not line.parent_id:
            out.append(line)
            out.extend(children.pop(line.pk, []))
    for orphans in children.values():
        out.extend(orphans)
    return out


def quote_copy_opportunity_lines(*, quote: Quote, acting_user) -> int:
    """A quote made from an opportunity starts with its product lines (options stay under their line)."""
    from .quotes import quote_line_add

    if quote.opportunity_id is None:
        return 0
    copied: dict[int, QuoteLine] = {}
    lines = OpportunityLine.objects.filter(opportunity_id=quote.opportunity_id).select_related("product", "product__default_tax_rate")
    for line in parents_first(lines.order_by("position", "id")):
        parent = copied.get(line.parent_id) if line.parent_id else None
        if quote.currency != quote.opportunity.currency:
            raise ValidationError({"price_book": _("The opportunity's lines are in %(opp)s; choose a price book in that currency.") % {
                "opp": quote.opportunity.currency}})
        copied[line.pk] = quote_line_add(
            quote=quote, acting_user=acting_user, product=line.product, quantity=line.quantity, unit_price=line.unit_price,
            discount_percent=line.discount_percent, description=line.description, parent=parent, option=line.option,
            tax=parent.tax if parent else None, tax_rate=parent.tax_rate if parent else None,
        )
    return len(copied)


