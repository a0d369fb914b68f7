"""Serializers of the organisation (users, teams, roles, territories) and of the audit log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import RoleCode
from ..models import AuditEntry, Role, Team, Territory, User


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True, help_text=_("The name shown for the user."))
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "display_name", "email", "team", "team_name", "roles", "is_active", "language", "time_zone"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=RoleCode.choices)))
    def get_roles(self, user) -> list[str]:
        return sorted(group.role.code for group in user.groups.all() if hasattr(group, "role"))


class TeamSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    manager_name = serializers.StringRelatedField(source="manager")

    class Meta:
        model = Team
        fields = ["id", "name", "parent", "manager", "manager_name", "created_at", "updated_at"]


class TerritorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all(), required=False, allow_null=True)
    provinces = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    cities = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    postal_codes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, help_text=_("Prefixes: 200 matches 200030."),
    )
    industries = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    members = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), many=True, required=False)

    class Meta:
        model = Territory
        fields = [
            "id", "name", "code", "level", "parent", "provinces", "cities", "postal_codes", "industries", "members",
            "is_active", "created_at", "updated_at",
        ]


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "organisation_wide", "permissions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text=_("app_label.codename")))
    def get_permissions(self, role) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.group.permissions.all())


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor")
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "id", "created_at", "actor", "actor_name", "action", "content_type", "object_id", "object_repr", "changes",
            "source", "source_detail", "ip", "request_id",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=_("app_label.model, for example customers.account")))
    def get_content_type(self, entry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"
