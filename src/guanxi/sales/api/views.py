"""Endpoints of sales data: leads (with status, conversion), opportunities (with moves), pipelines,
competitors and stage history. Reads come from ``visible_to(user)``; writes call the services."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.core.api.base import AliasOrderingFilter, GuanxiViewSet
from guanxi.framework.api_plumbing import ModelPermissions
from django_filters.rest_framework import DjangoFilterBackend

from .. import services
from ..filters import ActivityFilterSet, ContractFilterSet, LeadFilterSet, OpportunityFilterSet, QuoteFilterSet, SalesOrderFilterSet
from ..models import Activity, Competitor, Contract, Lead, Opportunity, Pipeline, Quote, SalesOrder, StageChange
from . import serializers


class ChangePermissions(ModelPermissions):
    """An action that changes a record (convert, move) needs ``change_*`` even though it is a POST."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


@extend_schema_view(list=extend_schema(description=_("Leads you can see. `q` searches names, companies (characters, pinyin, initials), phone digits and e-mails.")))
class LeadViewSet(GuanxiViewSet):
    queryset = Lead.objects.all()
    serializer_class = serializers.LeadSerializer
    filterset_class = LeadFilterSet
    select_related = ("owner",)
    ordering_fields = {"updated_at": "updated_at", "created_at": "created_at", "score": "score", "name": "name_pinyin"}

    def get_permissions(self):
        if self.action in ("set_status", "convert"):
            return [ChangePermissions()]
        return super().get_permissions()

    def service_create(self, data):
        return services.lead_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.lead_update(lead=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.lead_delete(lead=instance, acting_user=self.request.user)

    @extend_schema(request=serializers.LeadStatusSerializer, responses=serializers.LeadSerializer,
                   description=_("Move the lead along new → working → qualified, or disqualify it with a reason."))
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        lead = self.get_object()
        payload = serializers.LeadStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.lead_set_status(lead=lead, acting_user=request.user, status=data["status"],
                                 reason=data.get("disqualify_reason", ""), note=data.get("disqualify_note", ""))
        lead.refresh_from_db()
        return Response(self.get_serializer(lead).data)

    @extend_schema(request=serializers.LeadConvertSerializer, responses=serializers.LeadConvertResultSerializer,
                   description=_("Convert the lead into an account (new or existing), a contact and optionally an opportunity."))
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        payload = serializers.LeadConvertSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not (request.user.has_perm("customers.add_account") and request.user.has_perm("customers.add_contact")):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied()
        result = services.lead_convert(lead=lead, acting_user=request.user, **{k: v for k, v in data.items() if v is not None})
        return Response({
            "account": result["account"].pk, "contact": result["contact"].pk,
            "opportunity": result["opportunity"].pk if result["opportunity"] else None,
        })


@extend_schema_view(list=extend_schema(description=_("Opportunities you can see: your own, your team's, and those of accounts in your scope.")))
class OpportunityViewSet(GuanxiViewSet):
    queryset = Opportunity.objects.all()
    serializer_class = serializers.OpportunitySerializer
    filterset_class = OpportunityFilterSet
    select_related = ("account", "owner", "stage")
    prefetch_related = ("competitors",)
    ordering_fields = {"updated_at": "updated_at", "amount": "amount", "expected_close_date": "expected_close_date", "name": "name"}

    def get_permissions(self):
        if self.action == "move":
            return [ChangePermissions()]
        return super().get_permissions()

    def service_create(self, data):
        data = dict(data)
        return services.opportunity_create(acting_user=self.request.user, competitors=data.pop("competitors", ()), **data)

    def service_update(self, instance, data):
        data = dict(data)
        services.opportunity_update(opportunity=instance, acting_user=self.request.user, competitors=data.pop("competitors", None), **data)

    def service_delete(self, instance):
        services.opportunity_delete(opportunity=instance, acting_user=self.request.user)

    @extend_schema(request=serializers.OpportunityMoveSerializer, responses=serializers.OpportunitySerializer,
                   description=_("Move the opportunity to another stage of its pipeline; a lost stage needs `close_reason`."))
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        opportunity = self.get_object()
        payload = serializers.OpportunityMoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.opportunity_move(opportunity=opportunity, acting_user=request.user, stage=data["stage"],
                                  close_reason=data.get("close_reason", ""), close_note=data.get("close_note", ""),
                                  won_against=data.get("won_against"))
        opportunity.refresh_from_db()
        return Response(self.get_serializer(opportunity).data)


class ReadOnlyBase(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissions]
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]


class PipelineViewSet(ReadOnlyBase):
    """Pipelines and their stages (set up under Sales settings)."""

    queryset = Pipeline.objects.prefetch_related("stages")
    serializer_class = serializers.PipelineSerializer
    ordering_fields = {"name": "name"}


class CompetitorViewSet(GuanxiViewSet):
    queryset = Competitor.objects.all()
    serializer_class = serializers.CompetitorSerializer
    ordering_fields = {"name": "name"}

    def service_create(self, data):
        return services.competitor_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.competitor_update(competitor=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.competitor_delete(competitor=instance, acting_user=self.request.user)


class StageChangeFilterSet(django_filters.FilterSet):
    opportunity = django_filters.NumberFilter()

    class Meta:
        model = StageChange
        fields: list[str] = []


class StageChangeViewSet(ReadOnlyBase):
    """The stage history of the opportunities you can see."""

    queryset = StageChange.objects.all()
    serializer_class = serializers.StageChangeSerializer
    filterset_class = StageChangeFilterSet
    ordering_fields = {"changed_at": "changed_at"}

    def get_queryset(self):
        from guanxi.core.api.base import visible_queryset

        return visible_queryset(StageChange, self.request.user).order_by("-changed_at", "-id")

    def get_permissions(self):
        return [StageChangePermissions()]


class StageChangePermissions(ModelPermissions):
    """Stage history is part of the opportunity: reading it needs ``view_opportunity``."""

    perms_map = {"GET": ["sales.view_opportunity"], "HEAD": ["sales.view_opportunity"], "OPTIONS": []}


class ActivityViewSet(GuanxiViewSet):
    """Tasks, calls, meetings and visits you can see: yours, attended, or on records in your scope."""

    queryset = Activity.objects.all()
    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilterSet
    select_related = ("owner",)
    prefetch_related = ("attendees", "contacts")
    ordering_fields = {"starts_at": "starts_at", "updated_at": "updated_at"}

    def service_create(self, data):
        data = dict(data)
        return services.activity_create(acting_user=self.request.user, attendees=data.pop("attendees", ()),
                                        contacts=data.pop("contacts", ()), **data)

    def service_update(self, instance, data):
        data = dict(data)
        services.activity_update(activity=instance, acting_user=self.request.user, attendees=data.pop("attendees", None),
                                 contacts=data.pop("contacts", None), **data)

    def service_delete(self, instance):
        services.activity_delete(activity=instance, acting_user=self.request.user)


class QuotePermissions(ModelPermissions):
    """Quote actions (lines, submit, approve, send …) change the quote; accepting it adds an order."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"],
                 "DELETE": ["%(app_label)s.change_%(model_name)s"]}


@extend_schema_view(list=extend_schema(description=_("Quotes you can see: yours, your team's, and those of accounts in your scope.")))
class QuoteViewSet(GuanxiViewSet):
    queryset = Quote.objects.all()
    serializer_class = serializers.QuoteSerializer
    filterset_class = QuoteFilterSet
    select_related = ("account",)
    prefetch_related = ("lines",)
    ordering_fields = {"updated_at": "updated_at"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "create":
            return super().get_permissions()
        if self.action in ("lines", "line_delete", "submit", "approve", "reject", "send", "new_version", "accept", "decline"):
            return [QuotePermissions()]
        return super().get_permissions()

    def service_create(self, data):
        return services.quote_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.quote_update(quote=instance, acting_user=self.request.user, **data)

    def _done(self, quote):
        return Response(self.get_serializer(self.get_queryset().get(pk=quote.pk)).data)  # fresh lines, not the prefetched ones

    @extend_schema(request=serializers.QuoteLineSerializer, responses=serializers.QuoteSerializer,
                   description=_("Add a line; the price comes from the price book's volume tiers unless given."))
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        quote = self.get_object()
        payload = serializers.QuoteLineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = {k: v for k, v in payload.validated_data.items() if v is not None}
        services.quote_line_add(quote=quote, acting_user=request.user, **data)
        return self._done(quote)

    @extend_schema(request=None, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["delete"], url_path=r"lines/(?P<line_pk>\d+)")
    def line_delete(self, request, pk=None, line_pk=None):
        quote = self.get_object()
        line = quote.lines.filter(pk=line_pk).first()
        if line is None:
            from rest_framework.exceptions import NotFound

            raise NotFound()
        services.quote_line_delete(line=line, acting_user=request.user)
        return self._done(quote)

    @extend_schema(request=None, responses=serializers.QuoteSerializer,
                   description=_("Submit: approved at once, or waiting for the owner's manager when a discount passes the threshold."))
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        quote = self.get_object()
        services.quote_submit(quote=quote, acting_user=request.user)
        return self._done(quote)

    @extend_schema(request=serializers.QuoteActionSerializer, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        quote = self.get_object()
        services.quote_approve(quote=quote, acting_user=request.user, note=request.data.get("note", ""))
        return self._done(quote)

    @extend_schema(request=serializers.QuoteActionSerializer, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quote = self.get_object()
        services.quote_reject(quote=quote, acting_user=request.user, note=request.data.get("note", ""))
        return self._done(quote)

    @extend_schema(request=serializers.QuoteSendSerializer, responses=serializers.QuoteSerializer,
                   description=_("E-mail the quote's PDF to the address given and mark it sent."))
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        quote = self.get_object()
        payload = serializers.QuoteSendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.quote_send(quote=quote, acting_user=request.user, **payload.validated_data)
        return self._done(quote)

    @extend_schema(request=None, responses=serializers.QuoteSerializer, description=_("Copy into a new version; this one is superseded."))
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        copy = services.quote_new_version(quote=self.get_object(), acting_user=request.user)
        return Response(self.get_serializer(copy).data, status=201)

    @extend_schema(request=None, responses=serializers.SalesOrderSerializer, description=_("The customer accepted: make the sales order."))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        if not request.user.has_perm("sales.add_salesorder"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied()
        order = services.quote_accept(quote=self.get_object(), acting_user=request.user)
        return Response(serializers.SalesOrderSerializer(order).data, status=201)

    @extend_schema(request=None, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        quote = self.get_object()
        services.quote_decline(quote=quote, acting_user=request.user)
        return self._done(quote)


class SalesOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sales orders you can see (made by accepting quotes); ``POST …/status/`` moves them along."""

    serializer_class = serializers.SalesOrderSerializer
    filterset_class = SalesOrderFilterSet
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = {"ordered_at": "ordered_at"}
    queryset = SalesOrder.objects.all()

    def get_permissions(self):
        return [ChangePermissions()]

    def get_queryset(self):
        return SalesOrder.objects.visible_to(self.request.user).order_by("-ordered_at", "-id")

    @extend_schema(request=serializers.OrderStatusSerializer, responses=serializers.SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        order = self.get_object()
        payload = serializers.OrderStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.order_set_status(order=order, acting_user=request.user, status=payload.validated_data["status"])
        order.refresh_from_db()
        return Response(self.get_serializer(order).data)


class ContractViewSet(GuanxiViewSet):
    """Contracts you can see: yours, your team's, and those of accounts in your scope."""

    queryset = Contract.objects.all()
    serializer_class = serializers.ContractSerializer
    filterset_class = ContractFilterSet
    select_related = ("account",)
    ordering_fields = {"end_date": "end_date", "updated_at": "updated_at"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def service_create(self, data):
        return services.contract_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.contract_update(contract=instance, acting_user=self.request.user, **data)
