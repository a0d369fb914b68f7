"""The work order filterset: the list page, the API and exports share it."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import User
from guanxi.framework.text import fold

from .choices import CasePriority
from .fieldservice_choices import WorkOrderStatus, WorkOrderType
from .models import WorkOrder
from .models.fieldservice import ACTIVE_WORK_ORDER


def _technicians(request):
    return User.objects.filter(is_active=True, technician__isnull=False).order_by("username")


class WorkOrderFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=WorkOrderStatus.choices)
    active = filters.BooleanFilter(label=_("still to do"), method="active_only")
    work_type = filters.MultipleChoiceFilter(label=_("type"), choices=WorkOrderType.choices)
    priority = filters.MultipleChoiceFilter(label=_("priority"), choices=CasePriority.choices)
    technician = filters.ModelMultipleChoiceFilter(label=_("technician"), queryset=_technicians)
    unassigned = filters.BooleanFilter(label=_("unassigned"), field_name="technician", lookup_expr="isnull")
    account = filters.NumberFilter(label=_("account"))
    case = filters.NumberFilter(label=_("case"))
    scheduled_from = filters.DateFilter(label=_("scheduled from"), field_name="scheduled_start", lookup_expr="date__gte",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    scheduled_until = filters.DateFilter(label=_("scheduled until"), field_name="scheduled_start", lookup_expr="date__lte",
                                         widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = WorkOrder
        fields: list[str] = []

    def search(self, queryset, name, value):
        text = fold(value)
        if not text:
            return queryset
        if text.upper().startswith("WO-"):
            return queryset.filter(number__startswith=text.upper())
        if text.isdigit() and len(text) <= 6:
            return queryset.filter(number__endswith=f"-{int(text):06d}")
        return queryset.filter(subject__icontains=value.strip())

    def active_only(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=ACTIVE_WORK_ORDER) if value else queryset.exclude(status__in=ACTIVE_WORK_ORDER)
