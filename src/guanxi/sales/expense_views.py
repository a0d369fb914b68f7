"""Expense claim pages: list, detail with lines and receipts, edit, submit, approve or reject."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.customers.models import Account
from guanxi.framework.feedback import report_errors
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.widgets import LookupChoiceField
from guanxi.framework.views import ObjectDetailView, ObjectEditView, ObjectListView

from . import services
from .choices import ExpenseCategory
from .models import ExpenseClaim, ExpenseLine, Opportunity
from .plan_filters import ExpenseClaimFilterSet
from .plan_selectors import expense_claims_visible
from .plan_tables import ExpenseClaimTable

NS = "sales"
DATE = forms.DateInput(attrs={"type": "date"})


class ExpenseClaimForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=gettext_lazy("account"), required=False)
    opportunity = LookupChoiceField(Opportunity.objects.none(), "sales:opportunity_lookup", label=gettext_lazy("opportunity"), required=False)

    class Meta:
        model = ExpenseClaim
        fields = ["title", "account", "opportunity", "currency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(self.user)


class ExpenseLineForm(StyledForm):
    date = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    category = forms.ChoiceField(label=gettext_lazy("category"), choices=ExpenseCategory.choices)
    amount = forms.DecimalField(label=gettext_lazy("amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    description = forms.CharField(label=gettext_lazy("description"), max_length=300, required=False)
    receipt = forms.FileField(label=gettext_lazy("receipt"), required=False)


class DecisionForm(StyledForm):
    comment = forms.CharField(label=gettext_lazy("comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimQuerysetMixin:
    def base_queryset(self):
        return expense_claims_visible(self.request.user)


class ExpenseClaimListView(ClaimQuerysetMixin, ObjectListView):
    model, url_namespace = ExpenseClaim, NS
    filterset_class, table_class = ExpenseClaimFilterSet, ExpenseClaimTable
    select_related = ("owner", "account")
    export_fields = [
        ("pk", "ID"), ("title", gettext_lazy("title")), ("owner", gettext_lazy("claimant")), ("account", gettext_lazy("account")),
        ("opportunity", gettext_lazy("opportunity")), ("status", gettext_lazy("status")), ("currency", gettext_lazy("currency")),
        ("total", gettext_lazy("total")), ("submitted_at", gettext_lazy("submitted")), ("decided_by", gettext_lazy("decided by")),
    ]


class ExpenseClaimDetailView(ClaimQuerysetMixin, ObjectDetailView):
    model, url_namespace = ExpenseClaim, NS
    template_name = "sales/expenseclaim_detail.html"
    select_related = ("owner", "account", "opportunity", "approver", "decided_by")

    def get_context(self, claim):
        user = self.request.user
        mine = claim.owner_id == user.pk or user.is_superuser
        editable = claim.status in services.expenses.EDITABLE and mine and user.has_perm("sales.change_expenseclaim")
        return {
            "lines": claim.lines.order_by("date", "id"),
            "editable": editable,
            "line_form": ExpenseLineForm() if editable else None,
            "can_submit": editable,
            "can_decide": claim.status == "submitted" and services.expense_may_decide(claim, user),
            "decision_form": DecisionForm(),
        }


class ExpenseClaimEditView(ClaimQuerysetMixin, ObjectEditView):
    model, url_namespace, form_class = ExpenseClaim, NS, ExpenseClaimForm
    initial_from_query = ("account", "opportunity")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.expense_claim_create(acting_user=self.request.user, **data)
        if instance.owner_id != self.request.user.pk and not self.request.user.is_superuser:
            raise ValidationError({"title": _("Only the claimant changes a claim.")})
        services.expense_claim_update(claim=instance, acting_user=self.request.user, **data)
        return instance


def _claim(request, pk) -> ExpenseClaim:
    return get_object_or_404(expense_claims_visible(request.user), pk=pk)


def _own(request, claim) -> None:
    if claim.owner_id != request.user.pk and not request.user.is_superuser:
        raise ValidationError({"status": _("Only the claimant changes a claim.")})


@login_required
@permission_required("sales.change_expenseclaim", raise_exception=True)
@require_POST
def expense_line_add(request, pk):
    claim = _claim(request, pk)
    form = ExpenseLineForm(request.POST, request.FILES)
    if not form.is_valid():
        report_errors(request, form)
        return HttpResponseRedirect(claim.get_absolute_url())
    try:
        _own(request, claim)
        services.expense_line_add(claim=claim, acting_user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(claim.get_absolute_url())


@login_required
@permission_required("sales.change_expenseclaim", raise_exception=True)
@require_POST
def expense_line_delete(request, pk, line_pk):
    claim = _claim(request, pk)
    line = get_object_or_404(ExpenseLine, pk=line_pk, claim=claim)
    try:
        _own(request, claim)
        services.expense_line_delete(line=line, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    return HttpResponseRedirect(claim.get_absolute_url())


@login_required
@permission_required("sales.view_expenseclaim", raise_exception=True)
def expense_receipt(request, pk, line_pk):
    """The receipt, only to those who see the claim (media files are not served publicly)."""
    claim = _claim(request, pk)
    line = get_object_or_404(ExpenseLine, pk=line_pk, claim=claim)
    if not line.receipt:
        raise Http404
    return FileResponse(line.receipt.open("rb"), as_attachment=False, filename=line.receipt.name.rsplit("/", 1)[-1])


@login_required
@permission_required("sales.view_expenseclaim", raise_exception=True)
@require_POST
def expense_claim_action(request, pk, action):
    claim = _claim(request, pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if action == "submit":
            services.expense_claim_submit(claim=claim, acting_user=request.user)
        elif action in ("approve", "reject"):
            services.expense_claim_decide(claim=claim, acting_user=request.user, approve=action == "approve", comment=comment)
        else:
            raise Http404
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(claim.get_absolute_url())
