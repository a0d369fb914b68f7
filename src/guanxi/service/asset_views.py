"""Pages of installed products, service contracts (with entitlements) and returns (RMA), and their
actions from the case page (use an entitlement, open a return)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView, safe_next

from . import selectors, services
from .choices import CONTRACT_TRANSITIONS, RMA_TRANSITIONS, ContractStatus, RmaStatus
from .filters import InstalledProductFilterSet, RmaFilterSet, ServiceContractFilterSet
from .forms import (
    ConsumeForm, ContractStatusForm, EntitlementForm, InstalledProductForm, ReplacementForm, RmaForm, RmaLineForm, RmaStatusForm,
    ServiceContractForm, WarrantyTermForm,
)
from .models import Case, Entitlement, EntitlementUsage, InstalledProduct, Rma, RmaLine, ServiceContract
from .tables import InstalledProductTable, RmaTable, ServiceContractTable

NS = "service"
L = gettext_lazy

UNIT_EXPORT = [
    ("serial_number", L("serial number")), ("product", L("product")), ("account", L("account")), ("contact", L("contact")),
    ("status", L("status")), ("install_date", L("install date")), ("warranty_end", L("warranty end")), ("location", L("location")),
    ("created_at", L("created")),
]
CONTRACT_EXPORT = [
    ("number", L("number")), ("name", L("name")), ("account", L("account")), ("status", L("status")), ("start_date", L("start date")),
    ("end_date", L("end date")), ("value", L("value")), ("currency", L("currency")), ("sla_policy", L("SLA policy")), ("owner", L("owner")),
]
RMA_EXPORT = [
    ("number", L("number")), ("account", L("account")), ("contact", L("contact")), ("case", L("case")), ("status", L("status")),
    ("reason", L("reason for return")), ("diagnosis", L("diagnosis")), ("return_carrier", L("return carrier")),
    ("return_tracking_number", L("return tracking number")), ("owner", L("owner")), ("created_at", L("created")),
    ("received_at", L("received")), ("shipped_at", L("shipped back")), ("closed_at", L("closed")),
]


def _form_errors(form) -> ValidationError:
    return ValidationError({k: v for k, v in form.errors.items()})


def _action(model, permission: str, select_related: tuple = ()):
    """A POST on one record the user can see and may change; a service error becomes a message."""
    def wrap(action):
        @login_required
        @permission_required(permission, raise_exception=True)
        @require_POST
        def view(request, pk, **kwargs):
            obj = get_object_or_404(model.objects.visible_to(request.user).select_related(*select_related), pk=pk)
            try:
                with transaction.atomic():
                    done = action(request, obj, **kwargs)
            except ValidationError as exc:
                report_errors(request, exc)
            else:
                if done:
                    messages.success(request, done)
            return HttpResponseRedirect(safe_next(request, obj.get_absolute_url()))
        view.__name__ = action.__name__
        return view
    return wrap


# --- installed products -------------------------------------------------------------------------

class InstalledProductListView(ObjectListView):
    model, url_namespace = InstalledProduct, NS
    filterset_class, table_class = InstalledProductFilterSet, InstalledProductTable
    select_related = ("product", "account", "contact")
    export_fields = UNIT_EXPORT

    def base_queryset(self):
        return super().base_queryset().defer("notes", "account__search_text", "account__description")


class InstalledProductDetailView(ObjectDetailView):
    model, url_namespace = InstalledProduct, NS
    template_name = "service/installedproduct_detail.html"
    select_related = ("product", "account", "contact")

    def get_context(self, unit):
        user = self.request.user
        history = selectors.installed_product_history(unit=unit, user=user)
        # The serial numbers on either side of a replacement are part of this unit's story (the return that made it
        # shows them too); a link to the other unit is offered only to whoever may see that unit.
        units = InstalledProduct.objects.select_related("product").only("pk", "serial_number", "status", "created_at", "product__name")
        replacement = units.filter(replaces=unit).first()
        replaces = units.filter(pk=unit.replaces_id).first() if unit.replaces_id else None
        linkable = set(InstalledProduct.objects.visible_to(user).filter(
            pk__in=[u.pk for u in (replacement, replaces) if u is not None]).values_list("pk", flat=True))
        # the replacement (and what this unit replaced) belong to the unit's story
        if replacement is not None:
            history.append({"kind": "replaced", "when": replacement.created_at, "record": replacement,
                            "status": unit.get_status_display(), "title": str(replacement)})
        if replaces is not None:
            history.append({"kind": "replaces", "when": unit.created_at, "record": replaces,
                            "status": replaces.get_status_display(), "title": str(replaces)})
        history.sort(key=lambda row: row["when"], reverse=True)
        return {
            "history": history, "replacement": replacement, "replaces": replaces, "linkable": linkable,
            "contracts_in_force": list(selectors.contracts_in_force(account_id=unit.account_id, installed_product_id=unit.pk)
                                       .filter(pk__in=ServiceContract.objects.visible_to(user).values("pk"))),
            "can_add_case": user.has_perm("service.add_case"),
            "can_add_rma": user.has_perm("service.add_rma"),
        }


class InstalledProductEditView(ObjectEditView):
    model, url_namespace, form_class = InstalledProduct, NS, InstalledProductForm
    initial_from_query = ("account", "contact", "product")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.installed_product_create(acting_user=self.request.user, **data)
        services.installed_product_update(unit=instance, acting_user=self.request.user, **data)
        return instance


class InstalledProductDeleteView(ObjectDeleteView):
    model, url_namespace = InstalledProduct, NS

    def delete(self, obj):
        services.installed_product_delete(unit=obj, acting_user=self.request.user)


@login_required
def installed_product_lookup(request):
    """Units the user can see whose serial number starts with what is typed (the case form's picker)."""
    from guanxi.framework.text import fold

    text = fold(request.GET.get("q", "")).upper().replace(" ", "")
    results = []
    if text:
        units = InstalledProduct.objects.visible_to(request.user).select_related("product").filter(serial_number__startswith=text)
        account = request.GET.get("account", "")
        if account.isdigit():
            units = units.filter(account_id=account)
        results = list(units.order_by("serial_number")[:8])
    return render(request, "htmx/lookup_results.html", {"results": results, "field": request.GET.get("field", "")})


@login_required
@permission_required("service.change_warrantyterm", raise_exception=True)
@require_POST
def warranty_term(request):
    form = WarrantyTermForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.warranty_term_set(acting_user=request.user, product=data["product"], months=data.get("months"))
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Saved %(record)s.") % {"record": data["product"]})
    else:
        report_errors(request, form)
    return HttpResponseRedirect(safe_next(request, reverse("service:setup")))


# --- service contracts --------------------------------------------------------------------------

class ServiceContractListView(ObjectListView):
    model, url_namespace = ServiceContract, NS
    filterset_class, table_class = ServiceContractFilterSet, ServiceContractTable
    select_related = ("account", "sla_policy", "owner")
    export_fields = CONTRACT_EXPORT

    def base_queryset(self):
        return super().base_queryset().defer("notes", "account__search_text", "account__description")


class ServiceContractDetailView(ObjectDetailView):
    model, url_namespace = ServiceContract, NS
    template_name = "service/servicecontract_detail.html"
    select_related = ("account", "contact", "sla_policy", "owner")

    def get_context(self, contract):
        user = self.request.user
        usages = EntitlementUsage.objects.select_related("case", "used_by").order_by("-created_at", "-id")
        return {
            "entitlements": contract.entitlements.prefetch_related(Prefetch("usages", queryset=usages)),
            "units": contract.installed_products.select_related("product").order_by("serial_number"),
            "cases": Case.objects.visible_to(user).filter(service_contract=contract).only("pk", "number", "subject", "status", "created_at")
            .order_by("-created_at", "-id")[:20],
            "next_statuses": [(s, ContractStatus(s).label) for s in ContractStatus.values if s in CONTRACT_TRANSITIONS[contract.status]],
            "entitlement_form": EntitlementForm(user=user),
            "consume_form": ConsumeForm(user=user),
            "in_force": contract.is_in_force(),
        }


class ServiceContractEditView(ObjectEditView):
    model, url_namespace, form_class = ServiceContract, NS, ServiceContractForm
    initial_from_query = ("account", "contact")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        units = list(data.pop("installed_products") or [])
        if instance is None:
            return services.service_contract_create(acting_user=self.request.user, installed_products=units, **data)
        services.service_contract_update(contract=instance, acting_user=self.request.user, installed_products=units, **data)
        return instance


class ServiceContractDeleteView(ObjectDeleteView):
    model, url_namespace = ServiceContract, NS

    def delete(self, obj):
        services.service_contract_delete(contract=obj, acting_user=self.request.user)


@_action(ServiceContract, "service.change_servicecontract")
def contract_status(request, contract):
    form = ContractStatusForm(request.POST, user=request.user)
    if not form.is_valid():
        raise _form_errors(form)
    services.service_contract_set_status(contract=contract, acting_user=request.user, status=form.cleaned_data["status"])
    return _("Contract %(number)s is now %(status)s.") % {"number": contract.number, "status": contract.get_status_display()}


@_action(ServiceContract, "service.add_entitlement")
def entitlement_add(request, contract):
    form = EntitlementForm(request.POST, user=request.user)
    if not form.is_valid():
        raise _form_errors(form)
    entitlement = services.entitlement_create(contract=contract, acting_user=request.user, **form.cleaned_data)
    return _("Saved %(record)s.") % {"record": entitlement}


@_action(Entitlement, "service.add_entitlementusage", select_related=("contract",))
def entitlement_consume(request, entitlement):
    """Use visits or hours, from the contract's page (optionally naming a case) or from a case's page."""
    form = ConsumeForm(request.POST, user=request.user)
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    case = None
    if data.get("case"):
        case = Case.objects.visible_to(request.user).filter(number=data["case"].strip().upper()).first()
        if case is None:
            raise ValidationError({"case": _("No case %(number)s that you can see.") % {"number": data["case"]}})
    services.entitlement_consume(entitlement=entitlement, acting_user=request.user, quantity=data["quantity"], case=case, note=data.get("note", ""))
    entitlement.refresh_from_db()
    return _("Used %(quantity)s of %(name)s; %(left)s left.") % {
        "quantity": data["quantity"].normalize(), "name": entitlement.name, "left": entitlement.remaining.normalize()}


@_action(EntitlementUsage, "service.delete_entitlementusage", select_related=("entitlement__contract",))
def usage_delete(request, usage):
    services.entitlement_usage_delete(usage=usage, acting_user=request.user)
    return _("The use was undone; its quantity is available again.")


# --- returns (RMA) ------------------------------------------------------------------------------

class RmaListView(ObjectListView):
    model, url_namespace = Rma, NS
    filterset_class, table_class = RmaFilterSet, RmaTable
    select_related = ("account", "case", "owner", "contact")
    export_fields = RMA_EXPORT

    def base_queryset(self):
        return super().base_queryset().defer("account__search_text", "account__description", "case__description", "case__search_text")


class RmaDetailView(ObjectDetailView):
    model, url_namespace = Rma, NS
    template_name = "service/rma_detail.html"
    select_related = ("account", "contact", "case", "owner")

    def get_context(self, rma):
        user = self.request.user
        return {
            "lines": rma.lines.select_related("product", "installed_product", "replacement"),
            "can_replace": rma.status in (RmaStatus.DIAGNOSED, RmaStatus.REPLACED) and user.has_perm("service.change_rma")
            and user.has_perm("service.add_installedproduct"),
            "replacement_form": ReplacementForm(),
            "next_statuses": [(s, RmaStatus(s).label) for s in RmaStatus.values if s in RMA_TRANSITIONS[rma.status]],
            "status_form": RmaStatusForm(user=user, initial={"diagnosis": rma.diagnosis, "return_carrier": rma.return_carrier,
                                                             "return_tracking_number": rma.return_tracking_number}),
            "line_form": RmaLineForm(user=user, rma=rma),
            "can_edit_lines": rma.status in (RmaStatus.REQUESTED, RmaStatus.AUTHORISED, RmaStatus.RECEIVED) and user.has_perm("service.change_rma"),
        }


class RmaEditView(ObjectEditView):
    model, url_namespace, form_class = Rma, NS, RmaForm
    initial_from_query = ("account", "contact")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.rma_create(acting_user=self.request.user, **data)
        services.rma_update(rma=instance, acting_user=self.request.user, **data)
        return instance


@_action(Rma, "service.change_rma")
def rma_status(request, rma):
    form = RmaStatusForm(request.POST, user=request.user)
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    services.rma_set_status(rma=rma, acting_user=request.user, status=data["status"], diagnosis=data.get("diagnosis") or None,
                            return_carrier=data.get("return_carrier") or None, return_tracking_number=data.get("return_tracking_number") or None)
    return _("Return %(number)s is now %(status)s.") % {"number": rma.number, "status": rma.get_status_display()}


@_action(Rma, "service.change_rma")
def rma_line_add(request, rma):
    form = RmaLineForm(request.POST, user=request.user, rma=rma)
    if not form.is_valid():
        raise _form_errors(form)
    services.rma_line_add(rma=rma, acting_user=request.user, **form.cleaned_data)
    return _("Line added.")


@_action(Rma, "service.change_rma")
def rma_line_delete(request, rma, line_pk):
    line = get_object_or_404(RmaLine, pk=line_pk, rma=rma)
    services.rma_line_delete(line=line, acting_user=request.user)
    return _("Line removed.")


@_action(Rma, "service.change_rma")
def rma_line_replace(request, rma, line_pk):
    if not request.user.has_perm("service.add_installedproduct"):
        raise PermissionDenied
    line = get_object_or_404(RmaLine, pk=line_pk, rma=rma)
    form = ReplacementForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    new = services.rma_line_replace(line=line, acting_user=request.user, **form.cleaned_data)
    return _("Unit %(old)s is replaced by %(new)s.") % {"old": line.installed_product.serial_number, "new": new.serial_number}


@login_required
@permission_required("service.add_rma", raise_exception=True)
@require_POST
def rma_from_case(request, pk):
    case = get_object_or_404(Case.objects.visible_to(request.user).select_related("account", "contact", "installed_product"), pk=pk)
    try:
        rma = services.rma_from_case(case=case, acting_user=request.user, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        report_errors(request, exc)
        return HttpResponseRedirect(case.get_absolute_url())
    messages.success(request, _("Return %(number)s authorised.") % {"number": rma.number})
    return HttpResponseRedirect(rma.get_absolute_url())
