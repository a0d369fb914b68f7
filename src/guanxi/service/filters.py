"""One filterset per model: the case list page, the API and exports share it."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import User
from guanxi.framework.text import fold

from .choices import OPEN_STATUSES, CaseChannel, CasePriority, CaseStatus, CaseType
from .models import Case, CaseCategory, Queue

SLA_CHOICES = [("near", _("Near target")), ("missed", _("Missed")), ("paused", _("Paused"))]


def _agents(request):
    return User.objects.filter(is_active=True).order_by("username")


class CaseFilterSet(filters.FilterSet):
    """Every filter tests a column of ``service_case`` itself, so none needs ``DISTINCT`` (django-filter's
    default for multiple choices): with it, PostgreSQL sorts every matching row before the LIMIT."""

    q = filters.CharFilter(label=_("Search"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), distinct=False, choices=CaseStatus.choices)
    open = filters.BooleanFilter(label=_("open cases only"), method="open_only")
    priority = filters.MultipleChoiceFilter(label=_("priority"), distinct=False, choices=CasePriority.choices)
    case_type = filters.MultipleChoiceFilter(label=_("type"), distinct=False, choices=CaseType.choices)
    channel = filters.MultipleChoiceFilter(label=_("channel"), distinct=False, choices=CaseChannel.choices)
    category = filters.ModelMultipleChoiceFilter(label=_("category"), distinct=False, queryset=CaseCategory.objects.all())
    queue = filters.ModelMultipleChoiceFilter(label=_("queue"), distinct=False, queryset=Queue.objects.all())
    assignee = filters.ModelMultipleChoiceFilter(label=_("assignee"), distinct=False, queryset=_agents)
    unassigned = filters.BooleanFilter(label=_("unassigned"), field_name="assignee", lookup_expr="isnull")
    unidentified = filters.BooleanFilter(label=_("customer not identified"), field_name="account", lookup_expr="isnull")
    account = filters.NumberFilter(label=_("account"))
    contact = filters.NumberFilter(label=_("contact"))
    installed_product = filters.NumberFilter(label=_("installed product"))
    service_contract = filters.NumberFilter(label=_("service contract"))
    sla = filters.ChoiceFilter(label=_("service level"), choices=SLA_CHOICES, method="sla_state")
    created_after = filters.DateFilter(label=_("created from"), field_name="created_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"}))
    created_before = filters.DateFilter(label=_("created until"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, queryset, name, value):
        from .selectors import case_search_q

        q = case_search_q(value)
        return queryset if q is None else queryset.filter(q)

    def open_only(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def sla_state(self, queryset, name, value):
        now = timezone.now()
        running = queryset.filter(status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
        if value == "missed":
            # A join on the escalation row's primary key, probed per case walked: an IN or EXISTS over every
            # missed case ever (tens of thousands at a million cases) was hashed before the first row (90–160 ms).
            return queryset.filter(escalation__breached=True) | running.filter(
                Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now))
        if value == "near":
            return running.filter(Q(first_responded_at__isnull=True, first_response_warn_at__lte=now) | Q(resolution_warn_at__lte=now)).exclude(
                Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now))
        if value == "paused":
            return queryset.filter(sla_paused_at__isnull=False)
        return queryset


class ArticleFilterSet(filters.FilterSet):
    """``q`` keeps the articles that match every word (else any word); the search endpoint ranks them."""

    q = filters.CharFilter(label=_("Search"), method="search")
    category = filters.NumberFilter(label=_("category"))
    is_public = filters.BooleanFilter(label=_("public"))
    is_published = filters.BooleanFilter(label=_("published"))

    class Meta:
        from .models import Article

        model = Article
        fields: list[str] = []

    def search(self, queryset, name, value):
        from . import knowledge

        if not value.strip():
            return queryset
        return queryset.filter(pk__in=[pk for pk, _score in knowledge.ranked_ids(value, limit=200)])


# --- installed products, service contracts, returns ---------------------------------------------

def _products(request):
    from guanxi.sales.models import Product

    return Product.objects.order_by("code")


def _date_filter(label, field, lookup):
    return filters.DateFilter(label=label, field_name=field, lookup_expr=lookup, widget=forms.DateInput(attrs={"type": "date"}))


class InstalledProductFilterSet(filters.FilterSet):
    from .choices import InstalledProductStatus as _Status

    q = filters.CharFilter(label=_("serial number"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=_Status.choices)
    product = filters.ModelMultipleChoiceFilter(label=_("product"), queryset=_products)
    account = filters.NumberFilter(label=_("account"))
    contact = filters.NumberFilter(label=_("contact"))
    under_warranty = filters.BooleanFilter(label=_("under warranty"), method="warranty")
    installed_after = _date_filter(_("installed from"), "install_date", "gte")
    installed_before = _date_filter(_("installed until"), "install_date", "lte")
    warranty_ends_before = _date_filter(_("warranty ends until"), "warranty_end", "lte")

    class Meta:
        from .models import InstalledProduct

        model = InstalledProduct
        fields: list[str] = []

    def search(self, queryset, name, value):
        text = fold(value).upper().replace(" ", "")
        return queryset.filter(serial_number__startswith=text) if text else queryset

    def warranty(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(warranty_end__gte=today) if value else queryset.filter(Q(warranty_end__lt=today) | Q(warranty_end__isnull=True))


class ServiceContractFilterSet(filters.FilterSet):
    from .choices import ContractStatus as _Status

    q = filters.CharFilter(label=_("Search"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=_Status.choices)
    account = filters.NumberFilter(label=_("account"))
    sla_policy = filters.NumberFilter(label=_("SLA policy"))
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_agents)
    ends_after = _date_filter(_("ends from"), "end_date", "gte")
    ends_before = _date_filter(_("ends until"), "end_date", "lte")

    class Meta:
        from .models import ServiceContract

        model = ServiceContract
        fields: list[str] = []

    def search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        if text.upper().startswith("SC-"):
            return queryset.filter(number__startswith=text.upper())
        return queryset.filter(Q(name__icontains=text) | Q(number__endswith=text))


class RmaFilterSet(filters.FilterSet):
    from .choices import RmaStatus as _Status

    q = filters.CharFilter(label=_("number"), method="search")
    status = filters.MultipleChoiceFilter(label=_("status"), choices=_Status.choices)
    open = filters.BooleanFilter(label=_("open returns only"), method="open_only")
    account = filters.NumberFilter(label=_("account"))
    case = filters.NumberFilter(label=_("case"))
    installed_product = filters.NumberFilter(label=_("installed product"), method="unit")
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), queryset=_agents)
    created_after = _date_filter(_("created from"), "created_at", "date__gte")
    created_before = _date_filter(_("created until"), "created_at", "date__lte")

    class Meta:
        from .models import Rma

        model = Rma
        fields: list[str] = []

    def search(self, queryset, name, value):
        text = value.strip().upper()
        if not text:
            return queryset
        if text.startswith("RMA-"):
            return queryset.filter(number__startswith=text)
        return queryset.filter(number__endswith=text)

    def unit(self, queryset, name, value):
        from .models import RmaLine

        return queryset.filter(pk__in=RmaLine.objects.filter(installed_product_id=value).values("rma_id")) if value else queryset

    def open_only(self, queryset, name, value):
        from .choices import OPEN_RMA_STATUSES

        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_RMA_STATUSES) if value else queryset.exclude(status__in=OPEN_RMA_STATUSES)
