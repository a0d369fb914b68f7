"""Serializers of the service API. They validate shape and scope; the services do the rest.

References to accounts, contacts and cases accept only records the requesting user can see.
Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.core.api.base import VisiblePrimaryKeyRelatedField
from guanxi.core.models import User
from guanxi.customers.models import Account, Contact

from ..choices import CaseStatus, LinkKind
from ..models import BusinessCalendar, CalendarDay, Case, CaseAttachment, CaseCategory, CaseLink, CaseNote, Queue, SlaPolicy, SlaTarget


def active_users():
    return User.objects.filter(is_active=True)


class CaseSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    category = serializers.PrimaryKeyRelatedField(queryset=CaseCategory.objects.filter(is_active=True), required=False, allow_null=True)
    queue = serializers.PrimaryKeyRelatedField(
        queryset=Queue.objects.filter(is_active=True), required=False, allow_null=True,
        help_text=_("On creation only; afterwards use the assign action."),
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True, help_text=_("On creation only; afterwards use the assign action."),
    )
    status = serializers.CharField(read_only=True, help_text=_("Changed with the status action."))

    class Meta:
        model = Case
        fields = [
            "id", "number", "subject", "description", "account", "account_name", "contact", "channel", "case_type", "category",
            "priority", "status", "queue", "assignee", "sla_policy", "first_response_due_at", "first_responded_at",
            "resolution_due_at", "resolved_at", "closed_at", "sla_paused_at", "sla_breached", "escalation_level",
            "merged_into", "reopen_count", "satisfaction", "satisfaction_comment", "created_at", "updated_at",
        ]
        read_only_fields = [
            "number", "sla_policy", "first_response_due_at", "first_responded_at", "resolution_due_at", "resolved_at",
            "closed_at", "sla_paused_at", "sla_breached", "escalation_level", "merged_into", "reopen_count", "satisfaction",
            "satisfaction_comment",
        ]


class CaseStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CaseAssignSerializer(serializers.Serializer):
    queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.filter(is_active=True), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    route = serializers.BooleanField(required=False, default=False, help_text=_("Pick the agent by the queue's routing."))


class CaseLinkSerializer(serializers.ModelSerializer):
    case = VisiblePrimaryKeyRelatedField(Case)
    other = VisiblePrimaryKeyRelatedField(Case)
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.RELATED)

    class Meta:
        model = CaseLink
        fields = ["id", "case", "other", "kind", "created_at"]


class CaseMergeSerializer(serializers.Serializer):
    target = VisiblePrimaryKeyRelatedField(Case, help_text=_("The case this one is merged into."))


class SurveySerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CaseAttachmentSerializer(serializers.ModelSerializer):
    case = VisiblePrimaryKeyRelatedField(Case)
    file = serializers.FileField(write_only=True)

    class Meta:
        model = CaseAttachment
        fields = ["id", "case", "note", "file", "filename", "content_type_label", "size", "is_public", "uploaded_by", "created_at"]
        read_only_fields = ["note", "filename", "content_type_label", "size", "uploaded_by"]


class CaseNoteSerializer(serializers.ModelSerializer):
    case = VisiblePrimaryKeyRelatedField(Case)
    author_name = serializers.StringRelatedField(source="author")

    class Meta:
        model = CaseNote
        fields = ["id", "case", "body", "is_public", "from_customer", "author", "author_name", "created_at"]
        read_only_fields = ["from_customer", "author"]


class QueueSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(queryset=active_users(), many=True, required=False)
    supervisor = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)

    class Meta:
        model = Queue
        fields = ["id", "name", "code", "description", "routing", "email", "supervisor", "sla_policy", "members", "is_active"]


class CaseCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseCategory
        fields = ["id", "name", "skill", "default_queue", "is_active"]


class SlaTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaTarget
        fields = ["id", "priority", "value_tier", "first_response_minutes", "resolution_minutes"]


class SlaPolicySerializer(serializers.ModelSerializer):
    targets = SlaTargetSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "calendar", "is_default", "pause_when_pending", "warn_percent", "raise_priority_on_breach",
                  "reassign_on_breach", "targets"]


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "name"]


class BusinessCalendarSerializer(serializers.ModelSerializer):
    days = CalendarDaySerializer(many=True, read_only=True)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "hours", "days"]


class ArticleSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(read_only=True, required=False, help_text=_("Relevance, in search results only."))

    class Meta:
        from ..models import Article

        model = Article
        fields = ["id", "title", "problem", "solution", "category", "is_public", "is_published", "version", "helpful_count",
                  "not_helpful_count", "author", "created_at", "updated_at", "score"]
        read_only_fields = ["version", "helpful_count", "not_helpful_count", "author"]


class ArticleFeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    case = VisiblePrimaryKeyRelatedField(Case, required=False, allow_null=True)
