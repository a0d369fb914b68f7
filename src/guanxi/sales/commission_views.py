"""Commission pages: plans (rules, tiers, who is on them) and statements (compute, approve, pay)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import Team, User
from guanxi.customers.choices import ValueTier
from guanxi.framework.feedback import report_errors
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.views import ObjectDetailView, ObjectEditView, ObjectListView

from . import services
from .forecast_views import PERIODS, period_of
from .models import Product
from .models import CommissionAssignment, CommissionPlan, CommissionRule, CommissionStatement, CommissionTier
from .plan_filters import CommissionPlanFilterSet, CommissionStatementFilterSet
from .plan_tables import CommissionPlanTable, CommissionStatementTable

NS = "sales"
DATE = forms.DateInput(attrs={"type": "date"})


class CommissionPlanForm(StyledModelForm):
    class Meta:
        model = CommissionPlan
        fields = ["name", "currency", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CommissionRuleForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    order = forms.IntegerField(label=gettext_lazy("order"), min_value=0, initial=10)
    value_tier = forms.ChoiceField(label=gettext_lazy("account value tier"), choices=[("", gettext_lazy("any"))] + list(ValueTier.choices),
                                   required=False)
    product = forms.ModelChoiceField(label=gettext_lazy("product"), queryset=Product.objects.filter(is_active=True).order_by("code"),
                                     required=False, empty_label=gettext_lazy("any"))
    tiers = forms.CharField(label=gettext_lazy("tiers"), max_length=300, initial="0=5; 100=8",
                            help_text=gettext_lazy("“attainment=rate” pairs in percent, e.g. 0=5; 100=8: 5 percent up to the quota, 8 percent above it."))


class CommissionAssignmentForm(StyledForm):
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("team"), queryset=Team.objects.order_by("name"), required=False)
    start_date = forms.DateField(label=gettext_lazy("start date"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("end date"), widget=DATE, required=False)


class StatementComputeForm(StyledForm):
    period_start = forms.DateField(label=gettext_lazy("a day in the period"), widget=DATE)
    period = forms.ChoiceField(label=gettext_lazy("period"), choices=PERIODS, initial="month")
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False,
                                  help_text=gettext_lazy("Empty: everyone on a plan."))


# -- plans ---------------------------------------------------------------------------------------


class PlanQuerysetMixin:
    def base_queryset(self):
        return CommissionPlan.objects.all()  # configuration: model permissions only


class CommissionPlanListView(PlanQuerysetMixin, ObjectListView):
    model, url_namespace = CommissionPlan, NS
    filterset_class, table_class = CommissionPlanFilterSet, CommissionPlanTable
    export_fields = [("pk", "ID"), ("name", gettext_lazy("name")), ("currency", gettext_lazy("currency")), ("is_active", gettext_lazy("active"))]


class CommissionPlanDetailView(PlanQuerysetMixin, ObjectDetailView):
    model, url_namespace = CommissionPlan, NS
    template_name = "sales/commissionplan_detail.html"

    def get_context(self, plan):
        rules = list(plan.rules.order_by("order", "id").select_related("product")
                     .prefetch_related(Prefetch("tiers", queryset=CommissionTier.objects.order_by("attainment_from"))))
        rule_form = CommissionRuleForm()
        product_choices = list(rule_form.fields["product"].choices)  # one query for every form on the page
        rule_form.fields["product"].widget.choices = product_choices
        for rule in rules:
            rule.edit_form = CommissionRuleForm(auto_id=f"rule{rule.pk}_%s", initial={
                "name": rule.name, "order": rule.order, "value_tier": rule.value_tier, "product": rule.product_id,
                "tiers": "; ".join(f"{t.from_display}={t.rate_display}" for t in rule.tiers.all())})
            rule.edit_form.fields["product"].widget.choices = product_choices
        return {
            "rules": rules,
            "assignments": plan.assignments.select_related("user", "team").order_by("start_date", "id"),
            "rule_form": rule_form,
            "assignment_form": CommissionAssignmentForm(),
        }


class CommissionPlanEditView(PlanQuerysetMixin, ObjectEditView):
    model, url_namespace, form_class = CommissionPlan, NS, CommissionPlanForm

    def save(self, form, instance):
        if instance is None:
            return services.commission_plan_create(acting_user=self.request.user, **form.cleaned_data)
        services.commission_plan_update(plan=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


@login_required
@permission_required("sales.change_commissionplan", raise_exception=True)
@require_POST
def commission_rule_save(request, pk, rule_pk=None):
    plan = get_object_or_404(CommissionPlan, pk=pk)
    rule = get_object_or_404(CommissionRule, pk=rule_pk, plan=plan) if rule_pk else None
    form = CommissionRuleForm(request.POST)
    if not form.is_valid():
        report_errors(request, form)
        return HttpResponseRedirect(plan.get_absolute_url())
    try:
        data = form.cleaned_data
        services.commission_rule_save(acting_user=request.user, plan=plan, rule=rule, name=data["name"], order=data["order"],
                                      value_tier=data["value_tier"], product=data["product"], tiers=services.parse_tiers(data["tiers"]))
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(plan.get_absolute_url())


@login_required
@permission_required("sales.change_commissionplan", raise_exception=True)
@require_POST
def commission_rule_delete(request, pk, rule_pk):
    rule = get_object_or_404(CommissionRule, pk=rule_pk, plan_id=pk)
    services.commission_rule_delete(rule=rule, acting_user=request.user)
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(reverse("sales:commissionplan_detail", args=[pk]))


@login_required
@permission_required("sales.change_commissionplan", raise_exception=True)
@require_POST
def commission_assignment_add(request, pk):
    plan = get_object_or_404(CommissionPlan, pk=pk)
    form = CommissionAssignmentForm(request.POST)
    if not form.is_valid():
        report_errors(request, form)
        return HttpResponseRedirect(plan.get_absolute_url())
    try:
        services.commission_assignment_create(acting_user=request.user, plan=plan, **form.cleaned_data)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(plan.get_absolute_url())


@login_required
@permission_required("sales.change_commissionplan", raise_exception=True)
@require_POST
def commission_assignment_delete(request, pk, assignment_pk):
    assignment = get_object_or_404(CommissionAssignment, pk=assignment_pk, plan_id=pk)
    services.commission_assignment_delete(assignment=assignment, acting_user=request.user)
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(reverse("sales:commissionplan_detail", args=[pk]))


# -- statements ----------------------------------------------------------------------------------


class CommissionStatementListView(ObjectListView):
    model, url_namespace = CommissionStatement, NS
    filterset_class, table_class = CommissionStatementFilterSet, CommissionStatementTable
    select_related = ("user", "plan")
    export_fields = [
        ("pk", "ID"), ("user", gettext_lazy("user")), ("plan", gettext_lazy("commission plan")), ("period_start", gettext_lazy("period start")),
        ("period_end", gettext_lazy("period end")), ("status", gettext_lazy("status")), ("currency", gettext_lazy("currency")),
        ("quota", gettext_lazy("quota")), ("won_total", gettext_lazy("won")), ("total", gettext_lazy("commission")),
    ]

    def has_add_view(self) -> bool:
        return self.request.user.has_perm("sales.add_commissionstatement")


class CommissionStatementDetailView(ObjectDetailView):
    model, url_namespace = CommissionStatement, NS
    template_name = "sales/commissionstatement_detail.html"
    select_related = ("user", "plan", "approved_by")

    def get_context(self, statement):
        user = self.request.user
        lines = statement.lines.select_related("opportunity", "rule", "product").order_by("position", "id")
        return {
            "lines": lines,
            "can_recompute": user.has_perm("sales.add_commissionstatement") and statement.status == "draft",
            "can_approve": user.has_perm("sales.approve_commissionstatement") and statement.status == "draft"
            and (statement.user_id != user.pk or user.is_superuser),
            "can_pay": user.has_perm("sales.pay_commissionstatement") and statement.status == "approved",
        }


@login_required
@permission_required("sales.add_commissionstatement", raise_exception=True)
def commission_statements_compute(request):
    """Compute the statements of a month or quarter, for one user or everyone on a plan."""
    if request.method != "POST":
        form = StatementComputeForm(initial={"period_start": timezone.localdate().replace(day=1), "period": "month"})
        return render(request, "sales/commission_compute.html", {"form": form, "page_title": _("Compute commission statements")})
    form = StatementComputeForm(request.POST)
    target = reverse("sales:commissionstatement_list")
    if not form.is_valid():
        return render(request, "sales/commission_compute.html", {"form": form, "page_title": _("Compute commission statements")})
    start, end = period_of(form.cleaned_data["period_start"], form.cleaned_data["period"])
    target += f"?period_start={start}"
    try:
        if form.cleaned_data["user"] is not None:
            services.commission_statement_compute(acting_user=request.user, user=form.cleaned_data["user"], period_start=start, period_end=end)
            count, kept = 1, []
        else:
            result = services.commission_statements_compute(acting_user=request.user, period_start=start, period_end=end)
            count, kept = len(result["computed"]), result["kept"]
    except ValidationError as exc:
        report_errors(request, exc)
        return HttpResponseRedirect(target)
    messages.success(request, _("%(count)d statements computed for %(start)s – %(end)s.") % {"count": count, "start": start, "end": end})
    if kept:
        messages.info(request, _("Not recomputed (already approved or paid): %(users)s.") % {"users": ", ".join(str(u) for u in kept)})
    return HttpResponseRedirect(target)


ACTIONS = {
    "recompute": "sales.add_commissionstatement",
    "approve": "sales.approve_commissionstatement",
    "pay": "sales.pay_commissionstatement",
}


@login_required
@require_POST
def commission_statement_action(request, pk, action):
    if action not in ACTIONS:
        raise PermissionDenied
    if not request.user.has_perm(ACTIONS[action]):
        raise PermissionDenied
    statement = get_object_or_404(CommissionStatement.objects.visible_to(request.user), pk=pk)
    try:
        if action == "recompute":
            services.commission_statement_compute(acting_user=request.user, user=statement.user, period_start=statement.period_start,
                                                  period_end=statement.period_end)
        elif action == "approve":
            services.commission_statement_approve(statement=statement, acting_user=request.user)
        else:
            services.commission_statement_pay(statement=statement, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(statement.get_absolute_url())
