"""Filtersets of the sales plan: forecast adjustments, commissions, expenses (one per model, for the
list page, the API and exports alike)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.filters import _users

from .choices import ExpenseStatus, StatementStatus
from .models import CommissionPlan, CommissionRule, CommissionStatement, ExpenseClaim, ForecastAdjustment, Quota

DATE = forms.DateInput(attrs={"type": "date"})


class ForecastAdjustmentFilterSet(filters.FilterSet):
    user = filters.ModelMultipleChoiceFilter(label=_("user"), queryset=_users)
    team = filters.NumberFilter(label=_("team"))
    period_start = filters.DateFilter(label=_("period start"), widget=DATE)
    period_end = filters.DateFilter(label=_("period end"), widget=DATE)

    class Meta:
        model = ForecastAdjustment
        fields: list[str] = []


class CommissionPlanFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = CommissionPlan
        fields: list[str] = []


class CommissionStatementFilterSet(filters.FilterSet):
    user = filters.ModelMultipleChoiceFilter(label=_("user"), queryset=_users)
    status = filters.MultipleChoiceFilter(label=_("status"), choices=StatementStatus.choices)
    period_start = filters.DateFilter(label=_("period start"), widget=DATE)
    starts_after = filters.DateFilter(label=_("periods from"), field_name="period_start", lookup_expr="gte", widget=DATE)

    class Meta:
        model = CommissionStatement
        fields: list[str] = []


class ExpenseClaimFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="title", lookup_expr="icontains")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=ExpenseStatus.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("claimant"), queryset=_users)
    account = filters.NumberFilter(label=_("account"))
    opportunity = filters.NumberFilter(label=_("opportunity"))
    approver = filters.ModelMultipleChoiceFilter(label=_("approver"), queryset=_users)

    class Meta:
        model = ExpenseClaim
        fields: list[str] = []


class QuotaFilterSet(filters.FilterSet):
    user = filters.ModelMultipleChoiceFilter(label=_("user"), queryset=_users)
    team = filters.NumberFilter(label=_("team"))
    territory = filters.NumberFilter(label=_("territory"))
    period_start = filters.DateFilter(label=_("period start"), widget=DATE)
    period_end = filters.DateFilter(label=_("period end"), widget=DATE)

    class Meta:
        model = Quota
        fields: list[str] = []


class CommissionRuleFilterSet(filters.FilterSet):
    plan = filters.NumberFilter(label=_("commission plan"))
    product = filters.NumberFilter(label=_("product"))

    class Meta:
        model = CommissionRule
        fields: list[str] = []
