"""API plumbing named in settings: token authentication that marks writes as coming from the
API, model permissions for reads too, and pagination with capped counts.

Kept apart from :mod:`guanxi.framework.api` because DRF imports its authentication classes while
``rest_framework.views`` is still loading.
"""

from collections import OrderedDict

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.authentication import TokenAuthentication

from .context import Source, set_source
from .pagination import capped_count


class SourceTrackingTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        set_source(source=Source.API, detail=f"token {token.key[:6]}…")
        return user, token


class ModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included (``view_*``)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }


class CappedPageNumberPagination(PageNumberPagination):
    """Pages of every API list: the rows of the page and one more (so ``next`` needs no count).

    The total is counted only when the client asks (``?count=true``), capped at 10,000, like the list
    pages, which fetch their count in a second, lazy request: at a million rows the capped count is
    most of a list request's SQL (136 ms of 140 for an agent's case list), and most clients only
    follow ``next``. A list that fits its first page has its exact count without asking (it is free).
    """

    page_size_query_param = "page_size"
    max_page_size = 200
    count_query_param = "count"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        try:
            self.number = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except ValueError:
            raise exceptions.ValidationError({"page": [_("A page number must be a whole number.")]}) from None
        start = (self.number - 1) * page_size
        rows = list(queryset[start : start + page_size + 1])
        self.has_next = len(rows) > page_size
        rows = rows[:page_size]
        if self.number == 1 and not self.has_next:
            self.count, self.capped = len(rows), False
        elif self.count_asked(request):
            self.count, self.capped = capped_count(queryset)
        else:
            self.count, self.capped = None, False
        self.page_size_used = page_size
        return rows

    def count_asked(self, request) -> bool:
        value = request.query_params.get(self.count_query_param, "")
        if value.lower() in ("", "0", "false", "no"):
            return False
        if value.lower() in ("1", "true", "yes"):
            return True
        raise exceptions.ValidationError({self.count_query_param: [_("Give true or false.")]})

    def _link(self, number):
        from rest_framework.utils.urls import replace_query_param

        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, number)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("count", self.count),
            ("count_is_capped", self.capped),
            ("next", self._link(self.number + 1) if self.has_next else None),
            ("previous", self._link(self.number - 1) if self.number > 1 else None),
            ("results", data),
        ]))

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.count_query_param, "required": False, "in": "query",
            "description": "true: count the rows (up to 10,000) and answer the total in count.",
            "schema": {"type": "boolean"},
        }]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "nullable": True,
                          "description": "Rows in the list, counted up to 10,000: given when the list fits its first page, "
                                         "or when asked with count=true; else null."},
                "count_is_capped": {"type": "boolean", "description": "The list has more rows than count says."},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
