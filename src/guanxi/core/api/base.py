"""Pieces every app's API shares: the viewset base, visibility-aware related fields, ordering.

The viewset reads through the visibility rules of its model (``visible_to`` where the model has the
manager, the same ``visibility_q`` where it only declares the rules, all rows where it declares
none: users, teams, tags) and writes through the app's services. Related fields that point at
customer data accept only records the requesting user can see, so nothing can be attached to a
record outside the user's scope; an id out of scope reads "object does not exist", like a wrong id.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, serializers

from guanxi.framework.api import ServiceModelViewSet
from guanxi.framework.api_plumbing import ModelPermissions
from guanxi.framework.forms import names_a_filter
from guanxi.framework.visibility import scope_for, visibility_q


def has_visibility_rules(model) -> bool:
    return bool(
        getattr(model, "visibility_owner_field", None)
        or getattr(model, "visibility_territory_field", None)
        or getattr(model, "visibility_via", ())
    )


def visible_queryset(model, user):
    """The rows of ``model`` that ``user`` may read."""
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    if not has_visibility_rules(model):
        return manager.all()
    scope = scope_for(user)
    if scope.everything:
        return manager.all()
    if scope.user_id is None:
        return manager.none()
    return manager.filter(visibility_q(model, scope))


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key that must name a record the requesting user can see."""

    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return visible_queryset(self.model, getattr(request, "user", None))


class AliasOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` over the view's ``ordering_fields``: public name -> indexed model expression.

    Only indexed fields are offered, so a sorted list stays fast at a million rows; the primary
    key breaks ties so that pages never overlap. An unknown name is a 400 naming ``ordering``.
    """

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in getattr(view, "ordering_fields", None) or {}]

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        aliases = getattr(view, "ordering_fields", None) or {}
        terms = [term.strip() for term in params.split(",") if term.strip()]
        unknown = [term for term in terms if term.lstrip("-") not in aliases]
        if unknown:
            raise exceptions.ValidationError({self.ordering_param: [
                _("“%(term)s” is not a sort order here; use one of: %(fields)s.")
                % {"term": unknown[0], "fields": ", ".join(aliases)}
            ]})
        ordering = [("-" if term.startswith("-") else "") + aliases[term.lstrip("-")] for term in terms]
        if not any(o.lstrip("-") in ("pk", "id") for o in ordering):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering

    def get_schema_operation_parameters(self, view):
        fields = ", ".join(getattr(view, "ordering_fields", None) or {})
        return [{
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": str(_("Sort order: one of %(fields)s; a leading “-” reverses it, commas combine.") % {"fields": fields}),
            "schema": {"type": "string"},
        }]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves the rows alone when no query parameter names one of the filters
    (``framework.forms.names_a_filter``): bound to an empty query, the filterset would build and validate a
    form of every field (eighteen for accounts) to filter by nothing — a fifth of an unfiltered list's time."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not names_a_filter(filterset_class, request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class GuanxiViewSet(ServiceModelViewSet):
    """A model's endpoints: reads filtered by visibility, writes through services.

    Subclasses set ``queryset`` (for the model), ``serializer_class``, ``filterset_class``,
    ``ordering_fields`` (public name -> indexed field) and the ``service_*`` methods.
    """

    permission_classes = [ModelPermissions]
    filter_backends = [FilterBackend, AliasOrderingFilter]
    ordering_fields: dict[str, str] = {}

    def get_queryset(self):
        return self.annotate(self.with_related(visible_queryset(self.queryset.model, self.request.user)))

    def annotate(self, queryset):
        """Per-user annotations the serializer reads (e.g. whether a related record is visible)."""
        return queryset
