"""Pages of products, price books, quotes (lines, approval, PDF, sending, versions) and sales orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectDetailView, ObjectEditView, ObjectListView, apply_errors

from . import pricing, services
from .catalog_views import configurable_products
from .choices import ORDER_TRANSITIONS, OrderStatus
from .filters import ContractFilterSet, QuoteFilterSet, SalesOrderFilterSet
from .forms import ContractForm, ContractRenewForm, PriceBookForm, PriceEntryForm, ProductForm, QuoteForm, QuoteLineForm, QuoteSendForm
from .models import Contract, PriceBook, Product, Quote, QuoteLine, SalesOrder
from .tables import ContractTable, QuoteTable, SalesOrderTable

NS = "sales"
QUOTE_EXPORT = [
    ("number", gettext_lazy("quote number")), ("version", gettext_lazy("version")), ("title", gettext_lazy("title")),
    ("account", gettext_lazy("account")), ("status", gettext_lazy("status")), ("currency", gettext_lazy("currency")),
    ("subtotal", gettext_lazy("subtotal")), ("discount_total", gettext_lazy("discount")), ("tax_total", gettext_lazy("VAT")),
    ("total", gettext_lazy("total")), ("valid_until", gettext_lazy("valid until")), ("owner", gettext_lazy("owner")),
]
ORDER_EXPORT = [
    ("number", gettext_lazy("order number")), ("ordered_at", gettext_lazy("ordered")), ("account", gettext_lazy("account")),
    ("status", gettext_lazy("status")), ("currency", gettext_lazy("currency")), ("total", gettext_lazy("total")),
    ("owner", gettext_lazy("owner")),
]


# --- quotes -------------------------------------------------------------------------------------

class QuoteListView(ObjectListView):
    model, url_namespace = Quote, NS
    filterset_class, table_class = QuoteFilterSet, QuoteTable
    select_related = ("account", "owner")
    export_fields = QUOTE_EXPORT


class QuoteDetailView(ObjectDetailView):
    model, url_namespace = Quote, NS
    template_name = "sales/quote_detail.html"
    select_related = ("account", "contact", "opportunity", "owner", "price_book", "approver", "supersedes")

    def get_context(self, quote):
        user = self.request.user
        contact_email = quote.contact.primary_email if quote.contact else ""
        return {
            "lines": quote.lines.select_related("product"),
            "line_form": QuoteLineForm(user=user),
            "send_form": QuoteSendForm(user=user, initial={"to": contact_email}),
            "editable": quote.status in ("draft", "rejected", "approved"),
            "threshold": pricing.approval_threshold(),
            "may_decide": quote.status == "pending" and (user.pk == quote.approver_id or user.is_superuser),
            "order": getattr(quote, "order", None) if quote.status == "accepted" else None,
            "versions": Quote.objects.visible_to(user).filter(number=quote.number).order_by("version"),
            "configurable_products": configurable_products(),
        }


class QuoteEditView(ObjectEditView):
    model, url_namespace, form_class = Quote, NS, QuoteForm
    initial_from_query = ("account", "opportunity", "contact")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.quote_create(acting_user=self.request.user, **data)
        for key in ("owner", "price_book", "valid_until"):
            if data.get(key) is None:
                data.pop(key)
        services.quote_update(quote=instance, acting_user=self.request.user, **data)
        return instance


def _quote(request, pk: int) -> Quote:
    return get_object_or_404(Quote.objects.visible_to(request.user).select_related("account", "owner", "price_book", "contact"), pk=pk)


@login_required
@permission_required("sales.change_quote", raise_exception=True)
@require_POST
def quote_line_add(request, pk: int):
    quote = _quote(request, pk)
    form = QuoteLineForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.quote_line_add(quote=quote, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Line added."))
    else:
        report_errors(request, form)
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@permission_required("sales.change_quote", raise_exception=True)
@require_POST
def quote_line_delete(request, pk: int, line_pk: int):
    quote = _quote(request, pk)
    line = get_object_or_404(QuoteLine, pk=line_pk, quote=quote)
    try:
        services.quote_line_delete(line=line, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    return HttpResponseRedirect(quote.get_absolute_url())


ACTIONS = {
    "submit": lambda q, u, p: services.quote_submit(quote=q, acting_user=u),
    "approve": lambda q, u, p: services.quote_approve(quote=q, acting_user=u, note=p.get("note", "")),
    "reject": lambda q, u, p: services.quote_reject(quote=q, acting_user=u, note=p.get("note", "")),
    "accept": lambda q, u, p: services.quote_accept(quote=q, acting_user=u),
    "decline": lambda q, u, p: services.quote_decline(quote=q, acting_user=u),
    "new_version": lambda q, u, p: services.quote_new_version(quote=q, acting_user=u),
}


@login_required
@require_POST
def quote_action(request, pk: int, action: str):
    """Submit, approve, reject, accept, decline or copy into a new version."""
    quote = _quote(request, pk)
    if action not in ACTIONS:
        raise PermissionDenied
    needed = "sales.add_salesorder" if action == "accept" else "sales.change_quote"
    if not request.user.has_perm(needed):
        raise PermissionDenied
    try:
        result = ACTIONS[action](quote, request.user, request.POST)
    except ValidationError as exc:
        report_errors(request, exc)
        return HttpResponseRedirect(quote.get_absolute_url())
    messages.success(request, _("Done."))
    target = result if isinstance(result, (Quote, SalesOrder)) else quote
    return HttpResponseRedirect(target.get_absolute_url())


@login_required
@permission_required("sales.change_quote", raise_exception=True)
@require_POST
def quote_send(request, pk: int):
    quote = _quote(request, pk)
    form = QuoteSendForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.quote_send(quote=quote, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Sent to %(to)s.") % {"to": form.cleaned_data["to"]})
    else:
        report_errors(request, form)
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@permission_required("sales.view_quote", raise_exception=True)
def quote_pdf(request, pk: int):
    from .pdf import quote_pdf as render_pdf

    quote = _quote(request, pk)
    response = HttpResponse(render_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}-v{quote.version}.pdf"'
    return response


# --- orders -------------------------------------------------------------------------------------

class SalesOrderListView(ObjectListView):
    model, url_namespace = SalesOrder, NS
    filterset_class, table_class = SalesOrderFilterSet, SalesOrderTable
    select_related = ("account", "owner")
    export_fields = ORDER_EXPORT

    def has_add_view(self) -> bool:
        return False  # orders come from accepted quotes


class SalesOrderDetailView(ObjectDetailView):
    model, url_namespace = SalesOrder, NS
    template_name = "sales/salesorder_detail.html"
    select_related = ("account", "owner", "quote")

    def get_context(self, order):
        return {
            "lines": order.quote.lines.select_related("product"),
            "next_statuses": [OrderStatus(s) for s in OrderStatus.values if s in ORDER_TRANSITIONS[order.status]],
        }


@login_required
@permission_required("sales.change_salesorder", raise_exception=True)
@require_POST
def order_status(request, pk: int):
    order = get_object_or_404(SalesOrder.objects.visible_to(request.user), pk=pk)
    try:
        services.order_set_status(order=order, acting_user=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        report_errors(request, exc)
    return HttpResponseRedirect(order.get_absolute_url())


# --- products and price books -------------------------------------------------------------------

class ProductEditView(ObjectEditView):
    model, url_namespace, form_class = Product, NS, ProductForm

    def save(self, form, instance):
        if instance is None:
            return services.product_create(acting_user=self.request.user, **form.cleaned_data)
        services.product_update(product=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


class PriceBookEditView(ObjectEditView):
    model, url_namespace, form_class = PriceBook, NS, PriceBookForm

    def save(self, form, instance):
        if instance is None:
            return services.pricebook_create(acting_user=self.request.user, **form.cleaned_data)
        from guanxi.framework import services as base

        base.update(instance, acting_user=self.request.user, data=form.cleaned_data)
        if instance.is_default:
            PriceBook.objects.exclude(pk=instance.pk).update(is_default=False)
        return instance


class PriceBookDetailView(ObjectDetailView):
    model, url_namespace = PriceBook, NS
    template_name = "sales/pricebook_detail.html"

    def get_context(self, book):
        return {"entries": book.entries.select_related("product"), "entry_form": PriceEntryForm(user=self.request.user)}


@login_required
@permission_required("sales.change_pricebook", raise_exception=True)
def price_entry_add(request, pk: int):
    book = get_object_or_404(PriceBook, pk=pk)
    form = PriceEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_entry_add(price_book=book, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(book.get_absolute_url())
    return render(request, "generic/object_edit.html", {"form": form, "page_title": book, "cancel_url": book.get_absolute_url()})


# --- contracts ----------------------------------------------------------------------------------

class ContractListView(ObjectListView):
    model, url_namespace = Contract, NS
    filterset_class, table_class = ContractFilterSet, ContractTable
    select_related = ("account", "owner")
    export_fields = [
        ("number", gettext_lazy("contract number")), ("title", gettext_lazy("title")), ("account", gettext_lazy("account")),
        ("status", gettext_lazy("status")), ("start_date", gettext_lazy("start date")), ("end_date", gettext_lazy("end date")),
        ("value", gettext_lazy("contract value")), ("currency", gettext_lazy("currency")), ("owner", gettext_lazy("owner")),
    ]


class ContractDetailView(ObjectDetailView):
    model, url_namespace = Contract, NS
    template_name = "sales/contract_detail.html"
    select_related = ("account", "owner", "order", "renewal_of")

    def get_context(self, contract):
        import datetime

        suggested = contract.end_date.replace(year=contract.end_date.year + 1) if not (contract.end_date.month == 2 and contract.end_date.day == 29) \
            else contract.end_date + datetime.timedelta(days=365)
        return {"renew_form": ContractRenewForm(user=self.request.user, initial={"end_date": suggested, "value": contract.value})}


class ContractEditView(ObjectEditView):
    model, url_namespace, form_class = Contract, NS, ContractForm
    initial_from_query = ("account", "order")

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if not (k in ("account", "owner", "value") and v is None)}
        if instance is None:
            return services.contract_create(acting_user=self.request.user, **data)
        services.contract_update(contract=instance, acting_user=self.request.user, **data)
        return instance


@login_required
@permission_required("sales.add_contract", raise_exception=True)
@require_POST
def contract_renew(request, pk: int):
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    form = ContractRenewForm(request.POST, user=request.user)
    if not form.is_valid():
        report_errors(request, form)
        return HttpResponseRedirect(contract.get_absolute_url())
    try:
        renewal = services.contract_renew(contract=contract, acting_user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        report_errors(request, exc)
        return HttpResponseRedirect(contract.get_absolute_url())
    messages.success(request, _("Renewed as %(contract)s.") % {"contract": renewal})
    return HttpResponseRedirect(renewal.get_absolute_url())
