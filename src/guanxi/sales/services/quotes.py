"""Products, price books, quotes (lines, approval, versions, sending, acceptance) and sales orders."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.services import notification_send
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from .. import pricing
from ..choices import EDITABLE_QUOTE_STATUSES, ORDER_TRANSITIONS, OrderStatus, QuoteStatus
from ..models import PriceBook, PriceBookEntry, Product, Quote, QuoteLine, SalesOrder

__all__ = [
    "order_set_status", "price_entry_add", "pricebook_create", "product_create", "product_update", "quote_accept",
    "quote_approve", "quote_create", "quote_decline", "quote_line_add", "quote_line_delete", "quote_line_update",
    "quote_new_version", "quote_reject", "quote_send", "quote_submit", "quote_update",
]
QUOTE_FIELDS = {"title", "account", "contact", "opportunity", "owner", "price_book", "valid_until", "terms"}


def _tidy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tidy(v) if isinstance(v, str) and k not in {"terms", "description"} else v for k, v in data.items()}


# --- products and price books --------------------------------------------------------------------

def _product_tax(data: dict[str, Any]) -> dict[str, Any]:
    """``tax_rate=Decimal("6")`` is accepted for convenience: the active ``TaxRate`` of that rate."""
    from ..models import TaxRate

    if "tax_rate" in data:
        rate = data.pop("tax_rate")
        tax = TaxRate.objects.filter(rate=rate, is_active=True).order_by("-is_default", "id").first() if rate is not None else None
        if rate is not None and tax is None:
            raise ValidationError({"tax_rate": _("There is no active tax rate of %(rate)s%%; add it under Sales settings → Tax rates.") % {"rate": rate}})
        data["default_tax_rate"] = tax
    return data


@transaction.atomic
def product_create(*, acting_user, **data) -> Product:
    return base.create(Product(**_product_tax(_tidy(data))), acting_user=acting_user)


@transaction.atomic
def product_update(*, product: Product, acting_user, **data) -> dict:
    return base.update(product, acting_user=acting_user, data=_product_tax(_tidy(data)))


@transaction.atomic
def pricebook_create(*, acting_user, name: str, currency: str = "CNY", is_default: bool = False, is_active: bool = True) -> PriceBook:
    book = base.create(PriceBook(name=tidy(name), currency=currency.upper(), is_default=is_default, is_active=is_active), acting_user=acting_user)
    if is_default:
        PriceBook.objects.exclude(pk=book.pk).update(is_default=False)
    return book


@transaction.atomic
def price_entry_add(*, price_book: PriceBook, acting_user, product: Product, unit_price: Decimal, min_quantity: Decimal = Decimal("1")) -> PriceBookEntry:
    existing = PriceBookEntry.objects.filter(price_book=price_book, product=product, min_quantity=min_quantity).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data={"unit_price": unit_price})
        return existing
    return base.create(PriceBookEntry(price_book=price_book, product=product, min_quantity=min_quantity, unit_price=unit_price), acting_user=acting_user)


# --- quotes --------------------------------------------------------------------------------------

def _default_price_book() -> PriceBook:
    book = PriceBook.objects.filter(is_active=True).order_by("-is_default", "id").first()
    if book is None:
        raise ValidationError({"price_book": _("There is no price book yet; set one up under Sales settings.")})
    return book


def _check_quote(quote: Quote) -> None:
    if quote.contact_id and not quote.contact.account_links.filter(account_id=quote.account_id).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})
    if quote.opportunity_id and quote.opportunity.account_id != quote.account_id:
        raise ValidationError({"opportunity": _("The opportunity belongs to another account.")})


def _editable(quote: Quote) -> None:
    if quote.status not in EDITABLE_QUOTE_STATUSES:
        raise ValidationError({"status": _("A quote that is “%(status)s” cannot be changed; make a new version.") % {
            "status": quote.get_status_display()}})


def _recompute(quote: Quote, acting_user) -> None:
    """Refresh the totals; a changed quote that was approved must be approved again."""
    data: dict[str, Any] = pricing.totals(QuoteLine.objects.filter(quote=quote))  # not a prefetched cache
    if quote.status == QuoteStatus.APPROVED:
        data["status"] = QuoteStatus.DRAFT
    base.update(quote, acting_user=acting_user, data=data)


@transaction.atomic
def quote_create(*, acting_user, **data) -> Quote:
    unknown = set(data) - QUOTE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    data = _tidy(data)
    if data.get("price_book") is None:
        data["price_book"] = _default_price_book()
    if data.get("owner") is None:
        data["owner"] = acting_user
    if data.get("opportunity") is not None and data.get("account") is None:
        data["account"] = data["opportunity"].account
    data.setdefault("valid_until", timezone.localdate() + datetime.timedelta(days=30))
    if data.get("valid_until") is None:
        data["valid_until"] = timezone.localdate() + datetime.timedelta(days=30)
    quote = Quote(**data, currency=data["price_book"].currency, number=f"Q{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}")
    if quote.account_id:
        _check_quote(quote)
    base.create(quote, acting_user=acting_user)
    if quote.opportunity_id:
        from .catalog import quote_copy_opportunity_lines

        quote_copy_opportunity_lines(quote=quote, acting_user=acting_user)
    return quote


@transaction.atomic
def quote_update(*, quote: Quote, acting_user, **data) -> dict:
    unknown = set(data) - QUOTE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    _editable(quote)
    data = _tidy(data)
    if "price_book" in data and data["price_book"].currency != quote.currency and quote.lines.exists():
        raise ValidationError({"price_book": _("Remove the lines before switching to a price book in another currency.")})
    probe = Quote(**{f.attname: getattr(quote, f.attname) for f in Quote._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    _check_quote(probe)
    if "price_book" in data:
        data["currency"] = data["price_book"].currency
    return base.update(quote, acting_user=acting_user, data=data)


@transaction.atomic
def quote_line_add(
    *, quote: Quote, acting_user, product: Product, quantity: Decimal, unit_price: Decimal | None = None,
    discount_percent: Decimal = Decimal("0"), tax_rate: Decimal | None = None, description: str = "", tax=None,
    parent: QuoteLine | None = None, option=None,
) -> QuoteLine:
    """Add a line; the tax rate is ``tax`` (a ``TaxRate``), else ``tax_rate`` (%), else the product's."""
    _editable(quote)
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    if unit_price is None:
        unit_price = pricing.unit_price_for(quote.price_book, product, quantity)
    position = (quote.lines.aggregate(top=Max("position"))["top"] or 0) + 10
    tax, rate = pricing.tax_for(product, tax, tax_rate)
    line = QuoteLine(
        quote=quote, position=position, product=product, description=tidy(description) or product.name, quantity=quantity,
        unit_price=unit_price, discount_percent=discount_percent or Decimal("0"), tax=tax, tax_rate=rate, parent=parent, option=option,
    )
    _gross, line.net_amount, line.tax_amount = pricing.line_amounts(line.quantity, line.unit_price, line.discount_percent, line.tax_rate)
    base.create(line, acting_user=acting_user)
    _recompute(quote, acting_user)
    return line


@transaction.atomic
def quote_line_update(*, line: QuoteLine, acting_user, **data) -> dict:
    quote = line.quote
    _editable(quote)
    data = {k: v for k, v in data.items() if k in {"quantity", "unit_price", "discount_percent", "tax_rate", "tax", "description"}}
    if data.get("tax") is not None:
        data["tax_rate"] = data["tax"].rate
    probe = QuoteLine(**{f.attname: getattr(line, f.attname) for f in QuoteLine._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    _gross, net, tax = pricing.line_amounts(probe.quantity, probe.unit_price, probe.discount_percent, probe.tax_rate)
    changes = base.update(line, acting_user=acting_user, data=data, derived={"net_amount": net, "tax_amount": tax})
    _recompute(quote, acting_user)
    return changes


@transaction.atomic
def quote_line_delete(*, line: QuoteLine, acting_user) -> None:
    quote = line.quote
    _editable(quote)
    for option_line in list(line.option_lines.all()):
        base.delete(option_line, acting_user=acting_user)
    base.delete(line, acting_user=acting_user)
    _recompute(quote, acting_user)


def _approver_for(user):
    team = getattr(user, "team", None)
    while team is not None:
        if team.manager_id and team.manager_id != user.pk and team.manager.is_active:
            return team.manager
        team = team.parent
    return None


@transaction.atomic
def quote_submit(*, quote: Quote, acting_user) -> str:
    """Ready the quote: above the discount threshold it waits for the owner's manager, else it is approved."""
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.REJECTED):
        raise ValidationError({"status": _("Only a draft or rejected quote can be submitted.")})
    if not QuoteLine.objects.filter(quote=quote).exists():
        raise ValidationError({"lines": _("Add at least one line first.")})
    if quote.max_discount > pricing.approval_threshold():
        approver = _approver_for(quote.owner)
        if approver is None:
            raise ValidationError({"approver": _("The discount needs approval, but the owner's team has no manager.")})
        base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.PENDING, "approver": approver, "decided_at": None, "decision_note": ""})
        notification_send(recipient=approver, sender=acting_user, url=quote.get_absolute_url(),
                          title=_("Quote to approve: %(quote)s (discount %(discount)s%%)") % {"quote": quote, "discount": quote.max_discount})
        return QuoteStatus.PENDING
    base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.APPROVED, "approver": None, "decided_at": timezone.now()})
    return QuoteStatus.APPROVED


def _decide(quote: Quote, acting_user, status: str, note: str) -> None:
    if quote.status != QuoteStatus.PENDING:
        raise ValidationError({"status": _("This quote is not waiting for approval.")})
    if acting_user.pk != quote.approver_id and not acting_user.is_superuser:
        raise ValidationError({"approver": _("Only %(approver)s can decide on this quote.") % {"approver": quote.approver}})
    base.update(quote, acting_user=acting_user, data={"status": status, "decided_at": timezone.now(), "decision_note": tidy(note)})
    notification_send(recipient=quote.owner, sender=acting_user, url=quote.get_absolute_url(), body=tidy(note),
                      title=(_("Quote approved: %(quote)s") if status == QuoteStatus.APPROVED else _("Quote rejected: %(quote)s")) % {"quote": quote})


@transaction.atomic
def quote_approve(*, quote: Quote, acting_user, note: str = "") -> None:
    _decide(quote, acting_user, QuoteStatus.APPROVED, note)


@transaction.atomic
def quote_reject(*, quote: Quote, acting_user, note: str) -> None:
    if not tidy(note):
        raise ValidationError({"note": _("Say why the quote is rejected.")})
    _decide(quote, acting_user, QuoteStatus.REJECTED, note)


@transaction.atomic
def quote_send(*, quote: Quote, acting_user, to: str, message: str = "") -> None:
    """E-mail the quote's PDF (after approval) and mark it sent."""
    from ..pdf import quote_pdf

    if quote.status not in (QuoteStatus.APPROVED, QuoteStatus.SENT):
        raise ValidationError({"status": _("Only an approved quote can be sent.")})
    if not to:
        raise ValidationError({"to": _("Give the e-mail address to send the quote to.")})
    base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.SENT, "sent_at": timezone.now()})
    pdf = quote_pdf(quote)
    subject = _("Quote %(number)s: %(title)s") % {"number": quote.number, "title": quote.title}
    email = EmailMessage(subject, message or subject, settings.DEFAULT_FROM_EMAIL, [to], reply_to=[acting_user.email] if acting_user.email else None)
    email.attach(f"{quote.number}-v{quote.version}.pdf", pdf, "application/pdf")
    transaction.on_commit(email.send)


@transaction.atomic
def quote_new_version(*, quote: Quote, acting_user) -> Quote:
    """Copy the quote and its lines into version n + 1; the old version is superseded."""
    if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.SUPERSEDED):
        raise ValidationError({"status": _("A quote that is “%(status)s” cannot get a new version.") % {"status": quote.get_status_display()}})
    copy = Quote(
        number=quote.number, version=quote.version + 1, supersedes=quote, title=quote.title, account=quote.account,
        contact=quote.contact, opportunity=quote.opportunity, owner=quote.owner, price_book=quote.price_book,
        currency=quote.currency, valid_until=max(quote.valid_until, timezone.localdate() + datetime.timedelta(days=30)),
        terms=quote.terms, **{k: getattr(quote, k) for k in ("subtotal", "discount_total", "tax_total", "total", "max_discount")},
    )
    base.create(copy, acting_user=acting_user)
    copied: dict[int, QuoteLine] = {}
    from .catalog import parents_first

    for line in parents_first(QuoteLine.objects.filter(quote=quote).order_by("position", "id")):  # configured lines before their options
        old_pk = line.pk
        line.pk = None
        line.quote = copy
        if line.parent_id:
            line.parent = copied.get(line.parent_id)
        base.create(line, acting_user=acting_user)
        copied[old_pk] = line
    base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.SUPERSEDED})
    return copy


@transaction.atomic
def quote_accept(*, quote: Quote, acting_user) -> SalesOrder:
    """The customer accepted: a sales order for the quote's total; its opportunity, if open, is won."""
    from .opportunities import opportunity_move

    if quote.status not in (QuoteStatus.APPROVED, QuoteStatus.SENT):
        raise ValidationError({"status": _("Only an approved or sent quote can be accepted.")})
    base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.ACCEPTED})
    now = timezone.now()
    order = base.create(SalesOrder(
        number=f"SO{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}", quote=quote, account=quote.account,
        owner=quote.owner, currency=quote.currency, total=quote.total, ordered_at=now, status_changed_at=now,
    ), acting_user=acting_user)
    opportunity = quote.opportunity
    if opportunity is not None and opportunity.status == "open":
        won = opportunity.pipeline.stages.filter(is_won=True).order_by("order").first()
        if won is not None:
            opportunity_move(opportunity=opportunity, stage=won, acting_user=acting_user)
    return order


@transaction.atomic
def quote_decline(*, quote: Quote, acting_user) -> None:
    if quote.status not in (QuoteStatus.APPROVED, QuoteStatus.SENT):
        raise ValidationError({"status": _("Only an approved or sent quote can be declined.")})
    base.update(quote, acting_user=acting_user, data={"status": QuoteStatus.DECLINED})


@transaction.atomic
def order_set_status(*, order: SalesOrder, acting_user, status: str) -> dict:
    if status == order.status:
        return {}
    if status not in ORDER_TRANSITIONS.get(order.status, set()):
        raise ValidationError({"status": _("An order cannot go from “%(old)s” to “%(new)s”.") % {
            "old": order.get_status_display(), "new": OrderStatus(status).label if status in OrderStatus.values else status}})
    return base.update(order, acting_user=acting_user, data={"status": status}, derived={"status_changed_at": timezone.now()})
