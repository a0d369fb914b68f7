"""One filterset per model: the import list page, the API and exports share it."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from .choices import BatchStatus, ImportTarget
from .models import ImportBatch


class ImportBatchFilterSet(filters.FilterSet):
    target = filters.ChoiceFilter(label=_("import into"), choices=ImportTarget.choices)
    status = filters.MultipleChoiceFilter(label=_("status"), choices=BatchStatus.choices)
    filename = filters.CharFilter(label=_("file name"), lookup_expr="icontains")

    class Meta:
        model = ImportBatch
        fields: list[str] = []
