"""One filterset per model: the list page, the API and exports share it."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import Industry
from guanxi.customers.filters import _territories, _users, text_search_q
from guanxi.framework.text import query_terms

from .choices import (
    ActivityKind, ActivityStatus, ContractStatus, ForecastCategory, LeadRating, LeadSource, LeadStatus, OpportunityStatus, OrderStatus,
    QuoteStatus,
)
from .models import Activity, Competitor, Contract, Lead, Opportunity, Pipeline, Quote, SalesOrder, Stage

DATE = forms.DateInput(attrs={"type": "date"})


class LeadFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=LeadStatus.choices)
    source = filters.MultipleChoiceFilter(label=_("source"), choices=LeadSource.choices)
    rating = filters.MultipleChoiceFilter(label=_("rating"), choices=LeadRating.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users)
    territory = filters.ModelMultipleChoiceFilter(label=_("territory"), queryset=_territories)
    industry = filters.MultipleChoiceFilter(label=_("industry"), choices=Industry.choices)
    campaign = filters.CharFilter(label=_("campaign"))
    score_min = filters.NumberFilter(label=_("score at least"), field_name="score", lookup_expr="gte")
    created_after = filters.DateFilter(label=_("created from"), field_name="created_at", lookup_expr="date__gte", widget=DATE)
    created_before = filters.DateFilter(label=_("created until"), field_name="created_at", lookup_expr="date__lte", widget=DATE)

    class Meta:
        model = Lead
        fields: list[str] = []

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(text_search_q(queryset.model, query_terms(value)))


def _pipelines(request):
    return Pipeline.objects.filter(is_active=True)


def _stages(request):
    return Stage.objects.select_related("pipeline").order_by("pipeline__name", "order")


class OpportunityFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    pipeline = filters.ModelChoiceFilter(label=_("pipeline"), queryset=_pipelines)
    # Foreign keys (and the account's territory) match a deal once: no DISTINCT, which would sort every match
    # instead of reading the first page from an index. Only the competitors (many-to-many) need it.
    stage = filters.ModelMultipleChoiceFilter(label=_("stage"), queryset=_stages, distinct=False)
    status = filters.MultipleChoiceFilter(label=_("status"), choices=OpportunityStatus.choices, distinct=False)
    forecast_category = filters.MultipleChoiceFilter(label=_("forecast category"), choices=ForecastCategory.choices, distinct=False)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users, distinct=False)
    account = filters.NumberFilter(label=_("account"))
    territory = filters.ModelMultipleChoiceFilter(label=_("territory"), field_name="account__territory", queryset=_territories, distinct=False)
    competitor = filters.ModelMultipleChoiceFilter(label=_("competitors"), field_name="competitors", queryset=Competitor.objects.all())
    amount_min = filters.NumberFilter(label=_("amount at least"), field_name="amount", lookup_expr="gte")
    amount_max = filters.NumberFilter(label=_("amount at most"), field_name="amount", lookup_expr="lte")
    close_after = filters.DateFilter(label=_("closing from"), field_name="expected_close_date", lookup_expr="gte", widget=DATE)
    close_before = filters.DateFilter(label=_("closing until"), field_name="expected_close_date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = Opportunity
        fields: list[str] = []


class ActivityFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="subject", lookup_expr="icontains")
    kind = filters.MultipleChoiceFilter(label=_("type"), choices=ActivityKind.choices)
    status = filters.MultipleChoiceFilter(label=_("status"), choices=ActivityStatus.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users)
    account = filters.NumberFilter(label=_("account"))
    lead = filters.NumberFilter(label=_("lead"))
    opportunity = filters.NumberFilter(label=_("opportunity"))
    starts_after = filters.DateFilter(label=_("from"), field_name="starts_at", lookup_expr="date__gte", widget=DATE)
    starts_before = filters.DateFilter(label=_("until"), field_name="starts_at", lookup_expr="date__lte", widget=DATE)

    class Meta:
        model = Activity
        fields: list[str] = []


class QuoteFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=QuoteStatus.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users)
    account = filters.NumberFilter(label=_("account"))
    opportunity = filters.NumberFilter(label=_("opportunity"))
    approver = filters.ModelChoiceFilter(label=_("approver"), queryset=_users)

    class Meta:
        model = Quote
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(number__istartswith=value) | queryset.filter(title__icontains=value) if value else queryset


class SalesOrderFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="number", lookup_expr="istartswith")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=OrderStatus.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users)
    account = filters.NumberFilter(label=_("account"))
    ordered_after = filters.DateFilter(label=_("from"), field_name="ordered_at", lookup_expr="date__gte", widget=DATE)
    ordered_before = filters.DateFilter(label=_("until"), field_name="ordered_at", lookup_expr="date__lte", widget=DATE)

    class Meta:
        model = SalesOrder
        fields: list[str] = []


class ContractFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), field_name="title", lookup_expr="icontains")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=ContractStatus.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_users)
    account = filters.NumberFilter(label=_("account"))
    ends_after = filters.DateFilter(label=_("ending from"), field_name="end_date", lookup_expr="gte", widget=DATE)
    ends_before = filters.DateFilter(label=_("ending until"), field_name="end_date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = Contract
        fields: list[str] = []
