"""Serializers of customer data. They validate shape and scope only; the services do the rest.

Every reference to an account, contact or document accepts only records the requesting user can
see (:class:`~guanxi.core.api.base.VisiblePrimaryKeyRelatedField`). Money is a decimal string with
its currency; times are ISO 8601 with their offset.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guanxi.core.api.base import VisiblePrimaryKeyRelatedField, visible_queryset
from guanxi.core.models import Territory, User
from guanxi.framework.api import PlainReadMixin

from ..choices import ContactRole
from ..models import (
    Account, AccountContact, Address, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber, Tag,
)

CONSENT = [
    "consent_email", "consent_sms", "consent_phone", "do_not_call", "do_not_email", "do_not_sms", "do_not_mail",
    "do_not_visit",
]


def active_users():
    return User.objects.filter(is_active=True)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color", "created_at", "updated_at"]


class AccountBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "name"]


class AccountSerializer(PlainReadMixin, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, help_text=_("Defaults to the user who creates the account."),
    )
    owner_name = serializers.StringRelatedField(source="owner")
    territory = serializers.PrimaryKeyRelatedField(
        queryset=Territory.objects.filter(is_active=True), required=False, allow_null=True,
        help_text=_("Left out, the territory follows from the address."),
    )
    territory_name = serializers.CharField(source="territory.name", read_only=True, allow_null=True)
    tags = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)

    class Meta:
        model = Account
        fields = [
            "id", "kind", "name", "website", "industry", "source", "lifecycle_stage", "value_tier", "credit_rating",
            "satisfaction_score", "loyalty_score", "employees", "annual_revenue", "currency", "owner", "owner_name",
            "territory", "territory_name", "territory_locked", "province", "city", "postal_code", "primary_phone",
            "primary_email", "tags", "description", *CONSENT, "created_at", "updated_at",
        ]


class ContactSerializer(PlainReadMixin, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False,
        help_text=_("Defaults to the owner of the account, else to the user who creates the contact."),
    )
    owner_name = serializers.StringRelatedField(source="owner")
    primary_account = serializers.SerializerMethodField()
    tags = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    account = VisiblePrimaryKeyRelatedField(
        Account, write_only=True, required=False, allow_null=True,
        help_text=_("On creation only: link the new contact to this account."),
    )
    role = serializers.ChoiceField(
        choices=ContactRole.choices, write_only=True, required=False, allow_blank=True,
        help_text=_("On creation only: the contact's role at that account."),
    )

    class Meta:
        model = Contact
        fields = [
            "id", "name", "family_name", "given_name", "title", "department", "gender", "birthday", "owner",
            "owner_name", "primary_phone", "primary_email", "primary_account", "tags", "description", *CONSENT,
            "account", "role", "created_at", "updated_at",
        ]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}

    @extend_schema_field(AccountBriefSerializer(allow_null=True))
    def get_primary_account(self, contact):
        """The main account, only when the user may see it (a contact may be shared beyond it)."""
        if contact.primary_account_id is None:
            return None
        visible = getattr(contact, "primary_account_visible", None)
        if visible is None:
            request = self.context.get("request")
            visible = visible_queryset(Account, getattr(request, "user", None)).filter(pk=contact.primary_account_id).exists()
        return AccountBriefSerializer(contact.primary_account).data if visible else None

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("account", "role"):
                if name in attrs:
                    raise serializers.ValidationError({name: _("Link a saved contact to accounts through /api/account-contacts/.")})
        elif not any(attrs.get(k) for k in ("name", "family_name", "given_name")):
            raise serializers.ValidationError({"name": _("Give the contact a name.")})
        return attrs


class AccountContactSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact = VisiblePrimaryKeyRelatedField(Contact)
    contact_name = serializers.CharField(source="contact.name", read_only=True)

    class Meta:
        model = AccountContact
        fields = ["id", "account", "account_name", "contact", "contact_name", "role", "is_primary", "created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        _keep_parents(self.instance, attrs, ("account", "contact"))
        return attrs


def _keep_parents(instance, attrs, names) -> None:
    if instance is None:
        return
    for name in names:
        if name in attrs and attrs[name] != getattr(instance, name):
            raise serializers.ValidationError({name: _("A record cannot be moved to another account or contact.")})


class PartyChildSerializer(serializers.ModelSerializer):
    """Shared by the records that belong to one account or one contact."""

    account = VisiblePrimaryKeyRelatedField(Account, required=False, allow_null=True)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)

    party_fields = ["id", "account", "contact"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            if bool(attrs.get("account")) == bool(attrs.get("contact")):
                raise serializers.ValidationError({"account": _("Give either an account or a contact, not both.")})
        else:
            _keep_parents(self.instance, attrs, ("account", "contact"))
        return attrs


class AddressSerializer(PartyChildSerializer):
    class Meta:
        model = Address
        fields = PartyChildSerializer.party_fields + [
            "kind", "country", "province", "city", "district", "street", "postal_code", "is_primary", "created_at", "updated_at",
        ]


class PhoneNumberSerializer(PartyChildSerializer):
    class Meta:
        model = PhoneNumber
        fields = PartyChildSerializer.party_fields + ["kind", "number", "extension", "is_primary", "created_at", "updated_at"]
        extra_kwargs = {"number": {"help_text": _("Any usual notation; stored in international (E.164) form.")}}


class EmailAddressSerializer(PartyChildSerializer):
    class Meta:
        model = EmailAddress
        fields = PartyChildSerializer.party_fields + ["kind", "email", "is_primary", "created_at", "updated_at"]


class DocumentSerializer(PartyChildSerializer):
    file = serializers.FileField(write_only=True, required=True, help_text=_("Upload as multipart/form-data."))
    download_url = serializers.SerializerMethodField()
    uploaded_by_name = serializers.StringRelatedField(source="uploaded_by")

    class Meta:
        model = Document
        fields = PartyChildSerializer.party_fields + [
            "title", "file", "download_url", "content_type_label", "size", "uploaded_by", "uploaded_by_name",
            "created_at", "updated_at",
        ]
        read_only_fields = ["content_type_label", "size", "uploaded_by"]
        extra_kwargs = {"title": {"required": False, "allow_blank": True}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, (list, tuple)) and hasattr(self.instance, "pk"):
            fields["file"].read_only = True  # a saved document keeps its file: upload a new one instead
            fields["file"].required = False
        return fields

    def get_download_url(self, document) -> str:
        url = reverse("customers_api:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class NoteSerializer(PartyChildSerializer):
    author_name = serializers.StringRelatedField(source="author")

    class Meta:
        model = Note
        fields = PartyChildSerializer.party_fields + ["body", "author", "author_name", "created_at", "updated_at"]
        read_only_fields = ["author"]


class InteractionSerializer(PlainReadMixin, serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, allow_null=True)
    user = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True,
        help_text=_("Defaults to the user who records the interaction."),
    )
    user_name = serializers.StringRelatedField(source="user")
    documents = VisiblePrimaryKeyRelatedField(Document, many=True, required=False)

    class Meta:
        model = Interaction
        fields = [
            "id", "account", "account_name", "contact", "contact_name", "user", "user_name", "direction", "channel",
            "started_at", "duration_seconds", "reason", "outcome", "satisfaction", "script", "notes", "documents",
            "created_at", "updated_at",
        ]


class RealignScopeSerializer(serializers.Serializer):
    from_territory = serializers.PrimaryKeyRelatedField(
        queryset=Territory.objects.all(), required=False, allow_null=True, help_text=_("Only accounts now in this territory."),
    )
    to_territory = serializers.PrimaryKeyRelatedField(
        queryset=Territory.objects.filter(is_active=True), required=False, allow_null=True, help_text=_("Only moves into this territory."),
    )
    owners = serializers.ChoiceField(
        choices=[("keep", _("keep the owners")), ("members", _("give moved accounts to the new territory's members in turn"))],
        default="keep", help_text=_("Apply only: keep the owners, or share the moved accounts out among the new territory's members."),
    )


class RealignPairSerializer(serializers.Serializer):
    old_territory = serializers.IntegerField(allow_null=True)
    old_territory_name = serializers.CharField(allow_null=True)
    new_territory = serializers.IntegerField()
    new_territory_name = serializers.CharField()
    count = serializers.IntegerField()


class RealignSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    pairs = RealignPairSerializer(many=True)


class RealignJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")
