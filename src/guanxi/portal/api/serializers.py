"""Serializers of the portal API: only what a customer may see of a case, a note, an article."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.service.choices import CaseType
from guanxi.service.models import Article, Case, CaseCategory, CaseNote, InstalledProduct

from ..forms import check_upload


class UploadField(serializers.FileField):
    def to_internal_value(self, data):
        from django import forms

        upload = super().to_internal_value(data)
        try:
            return check_upload(upload)
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return reverse("portal:attachment", args=[attachment.pk])


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = CaseNote
        fields = ["id", "body", "from_customer", "author", "created_at", "attachments"]

    def get_author(self, note) -> str:
        if note.from_customer:
            return note.case.contact.name if note.case.contact_id else ""
        # staff are shown by their display name, never by their log-in name
        return note.author.display_name if note.author_id else ""

    def get_attachments(self, note) -> list[dict]:
        return AttachmentSerializer(getattr(note, "public_attachments", []), many=True).data


class CaseSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.CharField(source="category.name", default="", read_only=True)
    contact = serializers.CharField(source="contact.name", default="", read_only=True)
    installed_product = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "subject", "description", "status", "status_display", "case_type", "category", "contact", "installed_product",
                  "created_at", "updated_at", "resolved_at", "closed_at", "satisfaction"]
        read_only_fields = fields


    def get_installed_product(self, case) -> str:
        unit = case.installed_product
        return f"{unit.product.name} · {unit.serial_number}" if unit is not None else ""


class CaseDetailSerializer(CaseSerializer):
    notes = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "notes"]
        read_only_fields = fields

    def get_notes(self, case) -> list[dict]:
        return NoteSerializer(self.context["notes"], many=True).data


class CaseCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    case_type = serializers.ChoiceField(choices=CaseType.choices, default=CaseType.QUESTION)
    category = serializers.PrimaryKeyRelatedField(queryset=CaseCategory.objects.filter(is_active=True), required=False, allow_null=True)
    installed_product = serializers.PrimaryKeyRelatedField(queryset=InstalledProduct.objects.none(), required=False, allow_null=True)
    file = UploadField(required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .. import selectors

        # Only the account's own units: another account's id reads as "does not exist".
        self.fields["installed_product"].queryset = selectors.unit_choices(account=account)


class RmaRequestSerializer(serializers.Serializer):
    installed_products = serializers.PrimaryKeyRelatedField(queryset=InstalledProduct.objects.none(), many=True, allow_empty=False,
                                                            help_text=_("Ids of the account's installed products to return."))
    reason = serializers.CharField(label=_("reason for return"), max_length=2000)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .. import selectors

        # Only the account's own units: another account's id reads as "does not exist".
        self.fields["installed_products"].child_relation.queryset = selectors.unit_choices(account=account)


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(label=_("your reply"))
    file = UploadField(required=False)


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name", default="", read_only=True)

    class Meta:
        model = Article
        fields = ["id", "title", "problem", "solution", "category", "updated_at"]
        read_only_fields = fields


class FeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
