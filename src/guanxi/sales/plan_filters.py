"""Filtersets of the sales plan: forecast adjustments, commissions, expenses (one per model, for the
list page, the API and exports alike)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.filters import _users

from .models import ForecastAdjustment

DATE = forms.DateInput(attrs={"type": "date"})


class ForecastAdjustmentFilterSet(filters.FilterSet):
    user = filters.ModelMultipleChoiceFilter(label=_("user"), queryset=_users)
    team = filters.NumberFilter(label=_("team"))
    period_start = filters.DateFilter(label=_("period start"), widget=DATE)
    period_end = filters.DateFilter(label=_("period end"), widget=DATE)

    class Meta:
        model = ForecastAdjustment
        fields: list[str] = []
