"""Endpoints of field service: work orders (with schedule, status, start, complete and suggestions
actions), parts used, visit reports, technicians and their time off.

Reads come from ``visible_to(user)`` (a work order out of scope is a 404; parts and reports follow
their work order); writes go through :mod:`guanxi.service.fieldservice_services`.
"""

from __future__ import annotations

import django_filters as filters
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.core.api.base import GuanxiViewSet, VisiblePrimaryKeyRelatedField
from guanxi.core.models import Territory, User
from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Product

from .. import fieldservice_selectors as selectors
from .. import fieldservice_services as services
from ..fieldservice_choices import VisitResult, WorkOrderStatus
from ..fieldservice_filters import WorkOrderFilterSet
from ..models import Case, Technician, TechnicianTimeOff, VisitReport, WorkOrder, WorkOrderPart


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    message = serializers.CharField()


class WorkOrderSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account, required=False)
    contact = VisiblePrimaryKeyRelatedField(Contact, required=False, allow_null=True)
    case = VisiblePrimaryKeyRelatedField(Case, required=False, allow_null=True, help_text=_("On creation only."))
    account_name = serializers.CharField(source="account.name", read_only=True)
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.filter(is_active=True), required=False, allow_null=True)
    required_skills = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    technician = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("Set with the schedule action."))
    status = serializers.CharField(read_only=True, help_text=_("Changed with the status, start and complete actions."))

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "subject", "description", "account", "account_name", "contact", "case", "work_type", "priority", "status",
            "address", "location_note", "site_phone", "required_skills", "territory", "window_start", "window_end", "duration_minutes",
            "technician", "scheduled_start", "scheduled_end", "started_at", "completed_at", "created_at", "updated_at",
        ]
        read_only_fields = ["number", "scheduled_start", "scheduled_end", "started_at", "completed_at"]
        extra_kwargs = {"subject": {"required": False}}


class ScheduleSerializer(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True, technician__isnull=False))
    scheduled_start = serializers.DateTimeField()
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True)


class ScheduleResultSerializer(serializers.Serializer):
    work_order = WorkOrderSerializer()
    conflicts = ConflictSerializer(many=True)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[c for c in WorkOrderStatus.choices if c[0] != WorkOrderStatus.COMPLETED])


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitReport
        fields = ["id", "work_order", "arrived_at", "departed_at", "work_done", "result", "signed_off_by", "follow_up_needed",
                  "follow_up_notes", "author", "created_at", "updated_at"]
        read_only_fields = ["work_order", "author"]


class CompleteSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False, allow_null=True)
    departed_at = serializers.DateTimeField(required=False, allow_null=True)
    work_done = serializers.CharField()
    result = serializers.ChoiceField(choices=VisitResult.choices, default=VisitResult.FIXED)
    signed_off_by = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_needed = serializers.BooleanField(required=False, default=False)
    follow_up_notes = serializers.CharField(required=False, allow_blank=True, default="")
    resolve_case = serializers.BooleanField(required=False, default=False)


class SuggestionSerializer(serializers.Serializer):
    technician = serializers.IntegerField(source="technician.user_id")
    technician_name = serializers.CharField(source="technician")
    score = serializers.IntegerField()
    missing_skills = serializers.ListField(child=serializers.CharField())
    in_territory = serializers.BooleanField(allow_null=True)
    free_minutes = serializers.IntegerField()
    slot_start = serializers.DateTimeField(allow_null=True)
    conflicts = ConflictSerializer(many=True)


def _change_permission(request):
    if not request.user.has_perm("service.change_workorder"):
        raise exceptions.PermissionDenied()


@extend_schema_view(list=extend_schema(description=_("Work orders you can see: those of accounts you see, and your own jobs.")))
class WorkOrderViewSet(GuanxiViewSet):
    queryset = WorkOrder.objects.all()
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    select_related = ("account",)
    ordering_fields = {"created_at": "created_at", "scheduled_start": "scheduled_start", "window_start": "window_start"}

    def service_create(self, data):
        return services.work_order_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data.pop("case", None)
        services.work_order_update(work_order=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.work_order_delete(work_order=instance, acting_user=self.request.user)

    def _act(self, request, serializer_class, do):
        _change_permission(request)
        work_order = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            result = do(work_order, serializer.validated_data)
        work_order.refresh_from_db()
        return work_order, result

    @extend_schema(request=ScheduleSerializer, responses=ScheduleResultSerializer,
                   description=_("Assign (or reassign) the work order to a technician; the answer lists the conflicts found."))
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        work_order, conflicts = self._act(request, ScheduleSerializer, lambda wo, d: services.work_order_schedule(
            work_order=wo, acting_user=request.user, technician=d["technician"], start=d["scheduled_start"], end=d.get("scheduled_end")))
        context = self.get_serializer_context()
        return Response({"work_order": WorkOrderSerializer(work_order, context=context).data,
                         "conflicts": ConflictSerializer(conflicts, many=True).data})

    @extend_schema(request=StatusSerializer, responses=WorkOrderSerializer,
                   description=_("Move along new → scheduled → dispatched → in progress, or cancel; completing is the complete action."))
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        work_order, _result = self._act(request, StatusSerializer, lambda wo, d: services.work_order_set_status(
            work_order=wo, acting_user=request.user, status=d["status"]))
        return Response(WorkOrderSerializer(work_order, context=self.get_serializer_context()).data)

    @extend_schema(request=CompleteSerializer, responses=ReportSerializer,
                   description=_("Write the visit report and complete the work order; `resolve_case` also resolves its case."))
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        def do(wo, data):
            data = {k: v for k, v in data.items() if v is not None}
            return services.work_order_complete(work_order=wo, acting_user=request.user, **data)

        _work_order, report = self._act(request, CompleteSerializer, do)
        return Response(ReportSerializer(report).data)

    @extend_schema(responses=SuggestionSerializer(many=True), parameters=[OpenApiParameter("day", OpenApiTypes.DATE)],
                   description=_("Technicians for this work order, best first: skills, territory and free time that day."))
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        work_order = self.get_object()
        day = parse_date(request.query_params.get("day") or "")
        return Response(SuggestionSerializer(selectors.suggest_technicians(work_order=work_order, user=request.user, day=day), many=True).data)


class PartSerializer(serializers.ModelSerializer):
    work_order = VisiblePrimaryKeyRelatedField(WorkOrder)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = WorkOrderPart
        fields = ["id", "work_order", "product", "product_name", "quantity", "serial_numbers", "note", "created_at"]


class PartFilterSet(filters.FilterSet):
    work_order = filters.NumberFilter()

    class Meta:
        model = WorkOrderPart
        fields: list[str] = []


class WorkOrderPartViewSet(GuanxiViewSet):
    """Parts used on work orders you can see."""

    queryset = WorkOrderPart.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    select_related = ("product", "work_order")
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        return services.work_order_part_add(acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.work_order_part_remove(part=instance, acting_user=self.request.user)


class ReportWriteSerializer(ReportSerializer):
    work_order = VisiblePrimaryKeyRelatedField(WorkOrder)

    class Meta(ReportSerializer.Meta):
        read_only_fields = ["author"]


class ReportFilterSet(filters.FilterSet):
    work_order = filters.NumberFilter()

    class Meta:
        model = VisitReport
        fields: list[str] = []


class VisitReportViewSet(GuanxiViewSet):
    """Visit reports of work orders you can see; writing one does not complete the work order (its complete action does)."""

    queryset = VisitReport.objects.all()
    serializer_class = ReportWriteSerializer
    filterset_class = ReportFilterSet
    select_related = ("work_order",)
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def service_create(self, data):
        work_order = data.pop("work_order")
        return services.visit_report_save(work_order=work_order, acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data.pop("work_order", None)
        services.visit_report_save(work_order=instance.work_order, acting_user=self.request.user, **data)


class TechnicianSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    name = serializers.CharField(source="user.__str__", read_only=True)
    skills = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    working_hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)),
        required=False, help_text=_('By weekday (0 = Monday): {"0": [["08:30", "12:00"], ["13:00", "17:30"]]}.'),
    )

    class Meta:
        model = Technician
        fields = ["id", "user", "name", "skills", "territory", "home_base", "working_hours", "is_active", "created_at", "updated_at"]


class TechnicianViewSet(GuanxiViewSet):
    """Technician profiles (configuration: everyone with ``view_technician`` reads all of them)."""

    queryset = Technician.objects.all()
    serializer_class = TechnicianSerializer
    select_related = ("user",)
    ordering_fields = {"id": "id"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Technician.objects.select_related("user")

    def service_create(self, data):
        user = data.pop("user")
        return services.technician_create(acting_user=self.request.user, user=user, **data)

    def service_update(self, instance, data):
        data.pop("user", None)
        services.technician_update(technician=instance, acting_user=self.request.user, **data)


class TimeOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnicianTimeOff
        fields = ["id", "technician", "starts_at", "ends_at", "reason", "created_at"]


class TimeOffFilterSet(filters.FilterSet):
    technician = filters.NumberFilter()

    class Meta:
        model = TechnicianTimeOff
        fields: list[str] = []


class TimeOffViewSet(GuanxiViewSet):
    queryset = TechnicianTimeOff.objects.all()
    serializer_class = TimeOffSerializer
    filterset_class = TimeOffFilterSet
    ordering_fields = {"starts_at": "starts_at"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return TechnicianTimeOff.objects.select_related("technician")

    def service_create(self, data):
        return services.time_off_add(acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.time_off_remove(time_off=instance, acting_user=self.request.user)
