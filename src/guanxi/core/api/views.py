"""Endpoints of the organisation and of the audit log.

Users and roles are read-only here (they are managed in Settings). Teams and territories can be
created and changed by whoever holds the model permissions (administrators by default); they are
never deleted through the API, as records and people still point at them.
"""

from __future__ import annotations

import django_filters as filters
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.framework.context import Source
from guanxi.framework.visibility import scope_for

from .. import services
from ..choices import AuditAction, TerritoryLevel
from ..models import AuditEntry, Role, Team, Territory, User
from . import serializers
from .base import GuanxiViewSet, has_visibility_rules, visible_queryset

READ_METHODS = ["get", "head", "options"]
WRITE_METHODS = ["get", "post", "put", "patch", "head", "options"]  # no delete: records point at them


class UserFilterSet(filters.FilterSet):
    team = filters.NumberFilter(label=_("team"))
    is_active = filters.BooleanFilter(label=_("active"))
    username = filters.CharFilter(label=_("user name"))

    class Meta:
        model = User
        fields: list[str] = []


class UserViewSet(GuanxiViewSet):
    queryset = User.objects.all()
    serializer_class = serializers.UserSerializer
    filterset_class = UserFilterSet
    http_method_names = READ_METHODS
    select_related = ("team",)
    prefetch_related = ("groups__role",)
    ordering_fields = {"username": "username"}

    def get_permissions(self):
        if self.action == "me":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(description=_("The user the request is authenticated as."), responses=serializers.UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(self.get_serializer(request.user).data)


class TeamViewSet(GuanxiViewSet):
    queryset = Team.objects.all()
    serializer_class = serializers.TeamSerializer
    filterset_fields = ["parent", "manager"]
    http_method_names = WRITE_METHODS
    select_related = ("manager",)
    ordering_fields = {"name": "name"}

    def service_create(self, data):
        return services.team_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.team_update(team=instance, acting_user=self.request.user, data=dict(data))


class TerritoryFilterSet(filters.FilterSet):
    level = filters.ChoiceFilter(label=_("level"), choices=TerritoryLevel.choices)
    parent = filters.NumberFilter(label=_("parent territory"))
    member = filters.NumberFilter(label=_("members"), field_name="members")
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Territory
        fields: list[str] = []


class TerritoryViewSet(GuanxiViewSet):
    queryset = Territory.objects.all()
    serializer_class = serializers.TerritorySerializer
    filterset_class = TerritoryFilterSet
    http_method_names = WRITE_METHODS
    prefetch_related = ("members",)
    ordering_fields = {"code": "code"}

    def service_create(self, data):
        data = dict(data)
        is_active = data.pop("is_active", True)
        territory = services.territory_create(acting_user=self.request.user, **data)
        if not is_active:
            services.territory_update(territory=territory, acting_user=self.request.user, data={"is_active": False})
        return territory

    def service_update(self, instance, data):
        data = dict(data)
        members = data.pop("members", None)
        services.territory_update(territory=instance, acting_user=self.request.user, data=data, members=members)


class RoleViewSet(GuanxiViewSet):
    queryset = Role.objects.all()
    serializer_class = serializers.RoleSerializer
    http_method_names = READ_METHODS
    filterset_fields = ["code", "organisation_wide"]
    select_related = ("group",)
    prefetch_related = ("group__permissions__content_type",)
    ordering_fields = {"code": "code"}


# --- audit log ----------------------------------------------------------------------------------

class AuditEntryFilterSet(filters.FilterSet):
    content_type = filters.CharFilter(
        label=_("record type"), method="filter_content_type", help_text=_("app_label.model, for example customers.account"),
    )
    object_id = filters.CharFilter(label=_("record"))
    record = filters.CharFilter(
        label=_("record"), method="filter_record",
        help_text=_("app_label.model:id, for example customers.account:5: the record's history and its children's "
                    "(addresses, phones, links, interactions …), as on its History tab"),
    )
    actor = filters.NumberFilter(label=_("user"))
    action = filters.ChoiceFilter(label=_("action"), choices=AuditAction.choices)
    source = filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    after = filters.IsoDateTimeFilter(label=_("from"), field_name="created_at", lookup_expr="gte")
    before = filters.IsoDateTimeFilter(label=_("until"), field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_content_type(self, queryset, name, value):
        return queryset.filter(content_type=_content_type(value, name))

    def filter_record(self, queryset, name, value):
        label, _colon, object_id = value.strip().lower().partition(":")
        content_type = _content_type(label, name)
        if not object_id:
            raise exceptions.ValidationError({name: [_("Write the record as app_label.model:id.")]})
        key = f"{content_type.app_label}.{content_type.model}:{object_id}"
        return queryset.filter(Q(content_type=content_type, object_id=object_id) | Q(parent_key=key))


def _content_type(value: str, field: str) -> ContentType:
    app_label, _dot, model = value.strip().lower().partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        raise exceptions.ValidationError({field: [_("Unknown record type “%(value)s”.") % {"value": value}]}) from None


def audit_visibility_q(user) -> Q:
    """Entries of records ``user`` can see now; organisation-wide roles see every entry.

    Entries of a deleted record stay visible through the record it belonged to (``parent_key``: a
    deleted phone through its account). The history of users, teams and other settings is left to them.
    """
    scope = scope_for(user)
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for model in apps.get_models():
        if not has_visibility_rules(model):
            continue
        visible = visible_queryset(model, user).order_by()
        content_type = ContentType.objects.get_for_model(model)
        ids = visible.annotate(audit_id=Cast("pk", CharField())).values("audit_id")
        keys = visible.annotate(audit_key=Concat(Value(f"{content_type.app_label}.{content_type.model}:"), Cast("pk", CharField())))
        q |= Q(content_type=content_type, object_id__in=ids) | Q(parent_key__in=keys.values("audit_key"))
    return q


@extend_schema(description=_(
    "The history of records: `?content_type=customers.account&object_id=5` for the account alone, "
    "`?record=customers.account:5` for it and its children."
))
class AuditEntryViewSet(GuanxiViewSet):
    queryset = AuditEntry.objects.all()
    http_method_names = READ_METHODS
    serializer_class = serializers.AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    ordering_fields = {"created_at": "created_at"}

    def get_queryset(self):
        return AuditEntry.objects.filter(audit_visibility_q(self.request.user)).select_related("actor", "content_type")
