"""Pages of tax rates, a product's configuration (option groups, options, prices, bundle components),
the configure page (htmx price) that adds a configured product to a quote or an opportunity, and the
opportunity's product lines."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectEditView

from . import configurator, services
from .catalog_forms import ComponentForm, ConfigureForm, OpportunityLineForm, OptionForm, OptionGroupForm, OptionPriceForm
from .forms import TaxRateForm
from .models import BundleComponent, Opportunity, OpportunityLine, Product, ProductOption, ProductOptionGroup, Quote, TaxRate

NS = "sales"


# --- tax rates ----------------------------------------------------------------------------------

class TaxRateEditView(ObjectEditView):
    model, url_namespace, form_class = TaxRate, NS, TaxRateForm

    def url(self, name: str, *args) -> str:
        return reverse("sales:settings") + "#section-taxrates" if name == "list" else super().url(name, *args)

    def save(self, form, instance):
        if instance is None:
            return services.taxrate_create(acting_user=self.request.user, **form.cleaned_data)
        services.taxrate_update(tax=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


@login_required
@permission_required("sales.delete_taxrate", raise_exception=True)
@require_POST
def taxrate_delete(request, pk: int):
    tax = get_object_or_404(TaxRate, pk=pk)
    try:
        services.taxrate_delete(tax=tax, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Deleted %(record)s.") % {"record": tax})
    return HttpResponseRedirect(reverse("sales:settings") + "#section-taxrates")


# --- a product's configuration ------------------------------------------------------------------

def _groups(product: Product):
    return product.option_groups.prefetch_related(
        Prefetch("options", queryset=ProductOption.objects.prefetch_related("prices", "requires", "excludes")))


@login_required
@permission_required("sales.view_product", raise_exception=True)
def product_options(request, pk: int):
    """The product's option groups and options, their prices and rules, and its bundle components."""
    product = get_object_or_404(Product.objects.select_related("default_tax_rate"), pk=pk)
    can_change = request.user.has_perm("sales.change_product")
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        _option_action(request, product)
        return HttpResponseRedirect(reverse("sales:product_options", args=[product.pk]))
    return render(request, "sales/product_options.html", {
        "object": product, "page_title": _("Configuration of %(product)s") % {"product": product.name},
        "groups": _groups(product), "components": product.components.select_related("component"),
        "can_change": can_change, "group_form": OptionGroupForm(user=request.user),
        "option_form": OptionForm(user=request.user, product=product), "price_form": OptionPriceForm(user=request.user),
        "component_form": ComponentForm(user=request.user),
    })


def _option_action(request, product: Product) -> None:
    action, user = request.POST.get("action", ""), request.user
    try:
        if action == "add_group":
            form = OptionGroupForm(request.POST, user=user)
            if not form.is_valid():
                return report_errors(request, form)
            services.option_group_create(product=product, acting_user=user, **form.cleaned_data)
        elif action == "delete_group":
            services.option_group_delete(group=get_object_or_404(ProductOptionGroup, pk=request.POST.get("group"), product=product), acting_user=user)
        elif action == "add_option":
            group = get_object_or_404(ProductOptionGroup, pk=request.POST.get("group"), product=product)
            form = OptionForm(request.POST, user=user, product=product)
            if not form.is_valid():
                return report_errors(request, form)
            services.option_create(group=group, acting_user=user, **form.cleaned_data)
        elif action == "delete_option":
            services.option_delete(option=get_object_or_404(ProductOption, pk=request.POST.get("option"), group__product=product), acting_user=user)
        elif action == "set_price":
            option = get_object_or_404(ProductOption, pk=request.POST.get("option"), group__product=product)
            form = OptionPriceForm(request.POST, user=user)
            if not form.is_valid():
                return report_errors(request, form)
            services.option_price_set(option=option, acting_user=user, **form.cleaned_data)
        elif action == "add_component":
            form = ComponentForm(request.POST, user=user)
            if not form.is_valid():
                return report_errors(request, form)
            services.bundle_component_set(bundle=product, acting_user=user, **form.cleaned_data)
        elif action == "delete_component":
            services.bundle_component_delete(row=get_object_or_404(BundleComponent, pk=request.POST.get("component"), bundle=product), acting_user=user)
        else:
            raise PermissionDenied
    except ValidationError as exc:
        return report_errors(request, exc)
    messages.success(request, _("Saved."))


@login_required
@permission_required("sales.change_product", raise_exception=True)
def option_edit(request, pk: int):
    option = get_object_or_404(ProductOption.objects.select_related("group__product"), pk=pk)
    product = option.group.product
    back = reverse("sales:product_options", args=[product.pk])
    initial = {"name": option.name, "price": option.price, "is_default": option.is_default,
               "requires": list(option.requires.all()), "excludes": list(option.excludes.all())}
    form = OptionForm(request.POST or None, user=request.user, product=product, exclude_pk=option.pk, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.option_update(option=option, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            from guanxi.framework.views import apply_errors

            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(back)
    return render(request, "generic/object_edit.html", {"form": form, "object": option, "cancel_url": back,
                                                         "page_title": _("Edit %(record)s") % {"record": option}})


# --- configure: price a configuration, add it to a quote or an opportunity -----------------------

def _target(request):
    """The quote or opportunity the configured product goes to (visible and changeable), from ?quote= / ?opportunity=."""
    source = request.POST if request.method == "POST" else request.GET
    if source.get("quote"):
        if not request.user.has_perm("sales.change_quote"):
            raise PermissionDenied
        return get_object_or_404(Quote.objects.visible_to(request.user).select_related("price_book"), pk=source["quote"])
    if source.get("opportunity"):
        if not request.user.has_perm("sales.change_opportunity"):
            raise PermissionDenied
        return get_object_or_404(Opportunity.objects.visible_to(request.user).select_related("price_book", "stage"), pk=source["opportunity"])
    return None


def _price_book(target):
    if isinstance(target, Quote):
        return target.price_book
    if isinstance(target, Opportunity):
        return services.opportunity_price_book(target)
    from .services.quotes import _default_price_book

    try:
        return _default_price_book()
    except ValidationError:
        return None


def _quantity(value) -> Decimal:
    try:
        return Decimal(str(value or "1").replace(",", ""))
    except InvalidOperation:
        return Decimal("0")


@login_required
@permission_required("sales.view_product", raise_exception=True)
def configure(request, pk: int):
    """Choose options (the price follows as they change, via htmx) and add the product to the quote or opportunity."""
    product = get_object_or_404(Product.objects.select_related("default_tax_rate"), pk=pk, is_active=True)
    target = _target(request)
    book = _price_book(target)
    source = request.POST if request.method == "POST" else request.GET
    groups = list(_groups(product))
    if "quantity" in source:
        chosen = {int(i) for i in source.getlist("option") if i.isdigit()}
    else:
        chosen = {o.pk for g in groups for o in g.options.all() if o.is_default}
    config = configurator.configure(product=product, price_book=book, quantity=_quantity(source.get("quantity")), option_ids=chosen, groups=groups)
    form = ConfigureForm(source if "quantity" in source else None, user=request.user)
    if request.method == "POST":
        if target is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                if isinstance(target, Quote):
                    services.quote_add_configured(quote=target, acting_user=request.user, product=product, quantity=data["quantity"],
                                                  option_ids=chosen, discount_percent=data["discount_percent"], tax=data["tax"])
                else:
                    services.opportunity_add_configured(opportunity=target, acting_user=request.user, product=product, quantity=data["quantity"],
                                                        option_ids=chosen, discount_percent=data["discount_percent"])
            except ValidationError as exc:
                report_errors(request, exc)
            else:
                messages.success(request, _("Added %(product)s.") % {"product": config.description})
                return HttpResponseRedirect(target.get_absolute_url())
        else:
            report_errors(request, form)
    context = {"object": product, "groups": groups, "chosen": chosen, "config": config, "target": target, "form": form, "price_book": book,
               "page_title": _("Configure %(product)s") % {"product": product.name}}
    if request.htmx and request.method == "GET":
        return render(request, "sales/_configure_price.html", context)
    return render(request, "sales/configure.html", context)


# --- opportunity product lines ------------------------------------------------------------------

def _opportunity(request, pk: int) -> Opportunity:
    return get_object_or_404(Opportunity.objects.visible_to(request.user).select_related("stage", "price_book"), pk=pk)


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
@require_POST
def opportunity_line_add(request, pk: int):
    opportunity = _opportunity(request, pk)
    form = OpportunityLineForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.opportunity_line_add(opportunity=opportunity, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Line added."))
    else:
        report_errors(request, form)
    return HttpResponseRedirect(opportunity.get_absolute_url() + "#product-lines")


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
@require_POST
def opportunity_line_delete(request, pk: int, line_pk: int):
    opportunity = _opportunity(request, pk)
    line = get_object_or_404(OpportunityLine, pk=line_pk, opportunity=opportunity)
    try:
        services.opportunity_line_delete(line=line, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    return HttpResponseRedirect(opportunity.get_absolute_url() + "#product-lines")


def configurable_products():
    return Product.objects.filter(Q(option_groups__isnull=False) | Q(components__isnull=False), is_active=True).distinct().order_by("code")


def opportunity_lines_context(user, opportunity: Opportunity) -> dict:
    """What the opportunity page's product-lines card needs (two queries: lines with products, configurable products)."""
    return {
        "product_lines": list(opportunity.lines.select_related("product")),
        "line_form": OpportunityLineForm(user=user),
        "configurable_products": configurable_products(),
        "lines_editable": opportunity.status == "open" and user.has_perm("sales.change_opportunity"),
    }
