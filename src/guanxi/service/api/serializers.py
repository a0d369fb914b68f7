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
    account_name = serializers.CharField(source="account.name", read_only=True, default=None)
    customer_identified = serializers.BooleanField(read_only=True, help_text=_(
        "False for a case opened from mail of an unknown address: it has no account yet; see link-customer."))
    category = serializers.PrimaryKeyRelatedField(queryset=CaseCategory.objects.filter(is_active=True), required=False, allow_null=True)
    queue = serializers.PrimaryKeyRelatedField(
        queryset=Queue.objects.filter(is_active=True), required=False, allow_null=True,
        help_text=_("On creation only; afterwards use the assign action."),
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True, help_text=_("On creation only; afterwards use the assign action."),
    )
    status = serializers.CharField(read_only=True, help_text=_("Changed with the status action."))
    sla_breached = serializers.BooleanField(read_only=True, help_text=_("A service level target was missed."))
    escalation_level = serializers.IntegerField(read_only=True, help_text=_("0 nothing sent, 1 warned (target near), 2 missed and escalated."))
    installed_product = VisiblePrimaryKeyRelatedField(__import__("guanxi.service.models", fromlist=["InstalledProduct"]).InstalledProduct,
                                                      required=False, allow_null=True)
    service_contract = VisiblePrimaryKeyRelatedField(
        __import__("guanxi.service.models", fromlist=["ServiceContract"]).ServiceContract, required=False, allow_null=True,
        help_text=_("Empty on creation: the account's (or the unit's) contract in force."),
    )

    class Meta:
        model = Case
        fields = [
            "id", "number", "subject", "description", "account", "account_name", "customer_identified", "requester_email",
            "requester_name", "contact", "installed_product", "service_contract",
            "channel", "case_type", "category",
            "priority", "status", "queue", "assignee", "sla_policy", "first_response_due_at", "first_responded_at",
            "resolution_due_at", "resolved_at", "closed_at", "sla_paused_at", "sla_breached", "escalation_level",
            "merged_into", "reopen_count", "satisfaction", "satisfaction_comment", "created_at", "updated_at",
        ]
        read_only_fields = [
            "number", "requester_email", "requester_name", "sla_policy", "first_response_due_at", "first_responded_at", "resolution_due_at", "resolved_at",
            "closed_at", "sla_paused_at", "merged_into", "reopen_count", "satisfaction",
            "satisfaction_comment",
        ]


class CaseLinkCustomerSerializer(serializers.Serializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    new_contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                             help_text=_("Create a contact of the account with the sender's address."))
    remember_address = serializers.BooleanField(required=False, default=True,
                                                help_text=_("Add the sender's address to the contact (or account)."))
    link_other_cases = serializers.BooleanField(required=False, default=True,
                                                help_text=_("Link the sender's other open cases without a customer too."))


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


# --- installed products, service contracts, returns ---------------------------------------------

class InstalledProductSerializer(serializers.ModelSerializer):
    from ..models import InstalledProduct as _Unit

    account = VisiblePrimaryKeyRelatedField(Account)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    under_warranty = serializers.SerializerMethodField()

    class Meta:
        from ..models import InstalledProduct

        model = InstalledProduct
        fields = ["id", "product", "product_name", "serial_number", "account", "contact", "install_date", "location", "warranty_end",
                  "under_warranty", "status", "notes", "replaces", "created_at", "updated_at"]
        read_only_fields = ["replaces"]
        validators: list = []  # the service checks the serial number (after folding it) and says which field

    def get_under_warranty(self, unit) -> bool:
        return unit.under_warranty()


class EntitlementSerializer(serializers.ModelSerializer):
    from ..models import ServiceContract as _Contract

    contract = VisiblePrimaryKeyRelatedField(_Contract)
    remaining = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        from ..models import Entitlement

        model = Entitlement
        fields = ["id", "contract", "name", "unit", "quantity", "used", "remaining"]
        read_only_fields = ["used"]


class ServiceContractSerializer(serializers.ModelSerializer):
    from ..models import InstalledProduct as _Unit

    account = VisiblePrimaryKeyRelatedField(Account)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    installed_products = VisiblePrimaryKeyRelatedField(_Unit, many=True, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    status = serializers.CharField(read_only=True, help_text=_("Changed with the status action."))
    entitlements = serializers.SerializerMethodField()

    class Meta:
        from ..models import ServiceContract

        model = ServiceContract
        fields = ["id", "number", "name", "account", "contact", "status", "start_date", "end_date", "value", "currency", "sla_policy",
                  "installed_products", "owner", "renewal_reminder_days", "renewal_reminded_at", "notes", "entitlements",
                  "created_at", "updated_at"]
        read_only_fields = ["number", "renewal_reminded_at"]

    def get_entitlements(self, contract) -> list[dict]:
        return [{"id": e.pk, "name": e.name, "unit": e.unit, "quantity": str(e.quantity), "used": str(e.used), "remaining": str(e.remaining)}
                for e in contract.entitlements.all()]

    def validate(self, attrs):  # the model's date check names the field; the service checks it too
        return attrs


class ContractStatusSerializer(serializers.Serializer):
    from ..choices import ContractStatus as _Status

    status = serializers.ChoiceField(choices=_Status.choices)


class EntitlementUsageSerializer(serializers.ModelSerializer):
    from ..models import Entitlement as _Entitlement

    entitlement = VisiblePrimaryKeyRelatedField(_Entitlement)
    case = VisiblePrimaryKeyRelatedField(Case, required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        from ..models import EntitlementUsage

        model = EntitlementUsage
        fields = ["id", "entitlement", "case", "quantity", "note", "used_by", "created_at"]
        read_only_fields = ["used_by"]


class RmaLineSerializer(serializers.ModelSerializer):
    from ..models import InstalledProduct as _Unit
    from ..models import Rma as _Rma

    rma = VisiblePrimaryKeyRelatedField(_Rma)
    installed_product = VisiblePrimaryKeyRelatedField(_Unit, required=False, allow_null=True)

    class Meta:
        from ..models import RmaLine

        model = RmaLine
        fields = ["id", "rma", "installed_product", "product", "quantity", "problem", "replacement"]
        read_only_fields = ["replacement"]
        extra_kwargs = {"product": {"required": False}}


class RmaLineReplaceSerializer(serializers.Serializer):
    from ..choices import ReplacementWarranty as _Warranty

    serial_number = serializers.CharField(max_length=100)
    warranty = serializers.ChoiceField(choices=_Warranty.choices, default=_Warranty.CARRY_OVER)
    install_date = serializers.DateField(required=False, allow_null=True, help_text=_("Empty: today."))


class RmaLineInputSerializer(serializers.Serializer):
    from ..models import InstalledProduct as _Unit

    installed_product = VisiblePrimaryKeyRelatedField(_Unit, required=False, allow_null=True)
    product = serializers.PrimaryKeyRelatedField(queryset=__import__("guanxi.sales.models", fromlist=["Product"]).Product.objects.all(),
                                                 required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, default=1)
    problem = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class RmaSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    case = VisiblePrimaryKeyRelatedField(Case, required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    status = serializers.CharField(read_only=True, help_text=_("Changed with the status action."))
    customer_status = serializers.CharField(read_only=True)
    lines = serializers.SerializerMethodField()
    new_lines = RmaLineInputSerializer(many=True, write_only=True, required=False, help_text=_("On creation: the returned items."))

    class Meta:
        from ..models import Rma

        model = Rma
        fields = ["id", "number", "account", "contact", "case", "reason", "status", "customer_status", "diagnosis", "return_carrier",
                  "return_tracking_number", "owner", "authorised_at", "received_at", "diagnosed_at", "resolved_at", "shipped_at",
                  "closed_at", "lines", "new_lines", "created_at", "updated_at"]

    def get_lines(self, rma) -> list[dict]:
        return [{"id": l.pk, "installed_product": l.installed_product_id, "product": l.product_id, "quantity": l.quantity, "problem": l.problem}
                for l in rma.lines.all()]


class RmaStatusSerializer(serializers.Serializer):
    from ..choices import RmaStatus as _Status

    status = serializers.ChoiceField(choices=_Status.choices)
    diagnosis = serializers.CharField(required=False, allow_blank=True)
    return_carrier = serializers.CharField(required=False, allow_blank=True, max_length=60)
    return_tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=100)


class WarrantyTermSerializer(serializers.ModelSerializer):
    class Meta:
        from ..models import WarrantyTerm

        model = WarrantyTerm
        fields = ["id", "product", "months"]
