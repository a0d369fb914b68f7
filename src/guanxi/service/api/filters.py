"""Filtersets of the service records that have no list page of their own (notes, attachments, links)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from ..models import CaseAttachment, CaseLink, CaseNote


class CaseChildFilterSet(filters.FilterSet):
    case = filters.NumberFilter(label=_("case"))


class CaseNoteFilterSet(CaseChildFilterSet):
    is_public = filters.BooleanFilter(label=_("visible to the customer"))

    class Meta:
        model = CaseNote
        fields: list[str] = []


class CaseAttachmentFilterSet(CaseChildFilterSet):
    class Meta:
        model = CaseAttachment
        fields: list[str] = []


class CaseLinkFilterSet(CaseChildFilterSet):
    class Meta:
        model = CaseLink
        fields: list[str] = []


class EntitlementFilterSet(filters.FilterSet):
    contract = filters.NumberFilter(label=_("service contract"))

    class Meta:
        from ..models import Entitlement

        model = Entitlement
        fields: list[str] = []


class EntitlementUsageFilterSet(filters.FilterSet):
    entitlement = filters.NumberFilter(label=_("entitlement"))
    case = filters.NumberFilter(label=_("case"))

    class Meta:
        from ..models import EntitlementUsage

        model = EntitlementUsage
        fields: list[str] = []


class RmaLineFilterSet(filters.FilterSet):
    rma = filters.NumberFilter(label=_("return (RMA)"))

    class Meta:
        from ..models import RmaLine

        model = RmaLine
        fields: list[str] = []
