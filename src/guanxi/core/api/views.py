"""Endpoints of the organisation and of the audit log.

Users and roles are read-only here (they are managed in Settings). Teams and territories can be
created and changed by whoever holds the model permissions (administrators by default); they are
never deleted through the API, as records and people still point at them.
"""

from __future__ import annotations

import django_filters as filters
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
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
    actor = filters.NumberFilter(label=_("user"))
    action = filters.ChoiceFilter(label=_("action"), choices=AuditAction.choices)
    source = filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    after = filters.IsoDateTimeFilter(label=_("from"), field_name="created_at", lookup_expr="gte")
    before = filters.IsoDateTimeFilter(label=_("until"), field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_content_type(self, queryset, name, value):
        app_label, _dot, model = value.strip().lower().partition(".")
        try:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
        except ContentType.DoesNotExist:
            raise exceptions.ValidationError({"content_type": [_("Unknown record type “%(value)s”.") % {"value": value}]}) from None
        return queryset.filter(content_type=content_type)


def audit_visibility_q(user) -> Q:
    """Entries of records ``user`` can see now; organisation-wide roles see every entry.

    The history of a deleted record, or of users, teams and other settings, is left to them.
    """
    scope = scope_for(user)
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for model in apps.get_models():
        if not has_visibility_rules(model):
            continue
        keys = visible_queryset(model, user).order_by().annotate(audit_key=Cast("pk", CharField())).values("audit_key")
        q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=keys)
    return q


@extend_schema(description=_("The history of records: `?content_type=customers.account&object_id=5`."))
class AuditEntryViewSet(GuanxiViewSet):
    queryset = AuditEntry.objects.all()
    http_method_names = READ_METHODS
    serializer_class = serializers.AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    ordering_fields = {"created_at": "created_at"}

    def get_queryset(self):
        return AuditEntry.objects.filter(audit_visibility_q(self.request.user)).select_related("actor", "content_type")
