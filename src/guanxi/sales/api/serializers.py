"""Serializers of sales data. They check shape and scope only; the services do the rest.

References to accounts, contacts and leads accept only records the requesting user can see.
Money is a decimal string with its currency; times are ISO 8601 with their offset.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.core.api.base import VisiblePrimaryKeyRelatedField
from guanxi.core.models import Territory, User
from guanxi.customers.models import Account, Contact

from ..choices import CloseReason, DisqualifyReason, LeadStatus, OrderStatus
from ..models import TaxRate
from ..models import (
    Activity, Competitor, Contract, Lead, Opportunity, Pipeline, PriceBook, Product, Quote, QuoteLine, SalesOrder, Stage, StageChange,
)


def active_users():
    return User.objects.filter(is_active=True)


class LeadSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, help_text=_("Left out, the assignment rules choose the owner."),
    )
    owner_name = serializers.StringRelatedField(source="owner")
    territory = serializers.PrimaryKeyRelatedField(
        queryset=Territory.objects.filter(is_active=True), required=False, allow_null=True,
        help_text=_("Left out, the territory follows from province, city and industry."),
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                  help_text=_("Any usual notation; stored in international (E.164) form."))

    class Meta:
        model = Lead
        fields = [
            "id", "name", "company", "title", "phone", "email", "source", "campaign", "status", "disqualify_reason",
            "disqualify_note", "rating", "score", "industry", "employees", "budget", "currency", "province", "city",
            "owner", "owner_name", "territory", "description", "last_touched_at", "escalated_at", "converted_at",
            "converted_account", "converted_contact", "converted_opportunity", "created_at", "updated_at",
        ]
        read_only_fields = [
            "status", "disqualify_reason", "disqualify_note", "score", "last_touched_at", "escalated_at", "converted_at",
            "converted_account", "converted_contact", "converted_opportunity",
        ]


class LeadStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED])
    disqualify_reason = serializers.ChoiceField(choices=DisqualifyReason.choices, required=False, allow_blank=True)
    disqualify_note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LeadConvertSerializer(serializers.Serializer):
    account = VisiblePrimaryKeyRelatedField(Account, required=False, allow_null=True,
                                            help_text=_("An existing account to convert into; left out, a new account is created."))
    account_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    create_opportunity = serializers.BooleanField(default=True)
    opportunity_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.filter(is_active=True), required=False, allow_null=True)


class LeadConvertResultSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    contact = serializers.IntegerField()
    opportunity = serializers.IntegerField(allow_null=True)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "order", "probability", "is_won", "is_lost"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "is_active", "stages"]


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "name", "website", "strengths", "weaknesses", "created_at", "updated_at"]


class OpportunitySerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False,
                                               help_text=_("Defaults to the user who creates the opportunity."))
    owner_name = serializers.StringRelatedField(source="owner")
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.filter(is_active=True), required=False,
                                                  help_text=_("Defaults to the default pipeline."))
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all(), required=False,
                                               help_text=_("Defaults to the pipeline's first open stage. Changing it moves the opportunity (history kept)."))
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True,
                                           help_text=_("Defaults to the stage's probability."))
    competitors = serializers.PrimaryKeyRelatedField(queryset=Competitor.objects.all(), many=True, required=False)
    weighted_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "name", "account", "account_name", "contact", "owner", "owner_name", "pipeline", "stage", "stage_name",
            "status", "amount", "currency", "expected_close_date", "probability", "weighted_amount", "forecast_category",
            "next_step", "competitors", "close_reason", "close_note", "won_against", "stage_entered_at", "closed_at",
            "description", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "stage_entered_at", "closed_at"]


class OpportunityMoveSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, required=False, allow_blank=True)
    close_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    won_against = serializers.PrimaryKeyRelatedField(queryset=Competitor.objects.all(), required=False, allow_null=True)


class StageChangeSerializer(serializers.ModelSerializer):
    days_in_from_stage = serializers.FloatField(read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "opportunity", "from_stage", "to_stage", "changed_at", "changed_by", "owner", "seconds_in_from_stage",
                  "days_in_from_stage", "amount"]


class ActivitySerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False,
                                               help_text=_("Defaults to the user who creates the activity."))
    owner_name = serializers.StringRelatedField(source="owner")
    attendees = serializers.PrimaryKeyRelatedField(queryset=active_users(), many=True, required=False)
    contacts = VisiblePrimaryKeyRelatedField(Contact, many=True, required=False)
    account = VisiblePrimaryKeyRelatedField(Account, required=False, allow_null=True)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    lead = VisiblePrimaryKeyRelatedField(Lead, required=False, allow_null=True)
    opportunity = VisiblePrimaryKeyRelatedField(Opportunity, required=False, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id", "kind", "subject", "starts_at", "ends_at", "all_day", "location", "status", "owner", "owner_name",
            "attendees", "contacts", "account", "contact", "lead", "opportunity", "reminder_minutes", "description",
            "outcome", "completed_at", "created_at", "updated_at",
        ]
        read_only_fields = ["completed_at"]


class QuoteLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True,
                                          help_text=_("Left out, the price book's price for the quantity."))
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True,
                                        help_text=_("Left out, the product's VAT rate."))
    tax = serializers.PrimaryKeyRelatedField(queryset=TaxRate.objects.filter(is_active=True), required=False, allow_null=True,
                                             help_text=_("A tax rate (id); wins over tax_rate."))

    class Meta:
        model = QuoteLine
        fields = ["id", "position", "product", "description", "quantity", "unit_price", "discount_percent", "tax", "tax_rate", "net_amount",
                  "tax_amount", "parent", "option"]
        read_only_fields = ["position", "net_amount", "tax_amount", "parent", "option"]


class QuoteSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account, required=False)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    opportunity = VisiblePrimaryKeyRelatedField(Opportunity, required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False)
    price_book = serializers.PrimaryKeyRelatedField(queryset=PriceBook.objects.filter(is_active=True), required=False,
                                                    help_text=_("Defaults to the default price book."))
    valid_until = serializers.DateField(required=False, help_text=_("Defaults to 30 days from today."))
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id", "number", "version", "supersedes", "title", "account", "contact", "opportunity", "owner", "price_book",
            "currency", "status", "valid_until", "terms", "subtotal", "discount_total", "tax_total", "total", "max_discount",
            "approver", "decided_at", "decision_note", "sent_at", "lines", "created_at", "updated_at",
        ]


class QuoteActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class QuoteSendSerializer(serializers.Serializer):
    to = serializers.EmailField()
    message = serializers.CharField(required=False, allow_blank=True)


class SalesOrderSerializer(serializers.ModelSerializer):
    # A plain string here: the one enum of order statuses lives on the status request, so that its
    # schema name does not collide with the other apps' "status" enums.
    status = serializers.CharField(read_only=True, help_text=_("confirmed → in_progress → shipped → delivered → invoiced → paid, or cancelled"))

    class Meta:
        model = SalesOrder
        fields = ["id", "number", "quote", "account", "owner", "status", "currency", "total", "ordered_at", "status_changed_at", "notes"]
        read_only_fields = ["number", "quote", "account", "owner", "status", "currency", "total", "ordered_at", "status_changed_at"]


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class ContractSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account, required=False)
    order = VisiblePrimaryKeyRelatedField(SalesOrder, required=False, allow_null=True,
                                          help_text=_("The order the contract is for; account, value and currency follow from it when left out."))
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False)
    value = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False)

    class Meta:
        model = Contract
        fields = ["id", "number", "title", "account", "order", "owner", "status", "start_date", "end_date", "value", "currency",
                  "terms", "renewal_notice_days", "renewal_reminded_at", "renewal_of", "created_at", "updated_at"]
