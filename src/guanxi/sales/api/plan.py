"""Endpoints of the sales plan: forecast adjustments, commissions and expenses.
Reads come from ``visible_to(user)``; writes call the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.core.api.base import GuanxiViewSet, VisiblePrimaryKeyRelatedField
from guanxi.core.models import Team
from guanxi.customers.models import Account

from .. import services
from guanxi.framework.api_plumbing import ModelPermissions

from ..models import CommissionAssignment, CommissionLine, CommissionPlan, CommissionRule, CommissionStatement, CommissionTier, ExpenseClaim, ExpenseLine, ForecastAdjustment, Opportunity
from ..plan_filters import CommissionPlanFilterSet, CommissionStatementFilterSet, ExpenseClaimFilterSet, ForecastAdjustmentFilterSet
from ..plan_selectors import expense_claims_visible
from .serializers import active_users


class ForecastAdjustmentSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    commit = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    best_case = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)

    class Meta:
        model = ForecastAdjustment
        fields = ["id", "user", "team", "period_start", "period_end", "commit", "best_case", "currency", "note", "owner", "adjusted_by",
                  "created_at"]
        read_only_fields = ["owner", "adjusted_by", "created_at"]


class ForecastAdjustmentViewSet(GuanxiViewSet):
    """Managers' adjustments of a rep's or a team's commit and best case; a new one is a new row (history kept)."""

    queryset = ForecastAdjustment.objects.all()
    serializer_class = ForecastAdjustmentSerializer
    filterset_class = ForecastAdjustmentFilterSet
    ordering_fields = {"created_at": "created_at", "period_start": "period_start"}
    http_method_names = ["get", "post", "head", "options"]

    def service_create(self, data):
        return services.forecast_adjust(acting_user=self.request.user, **data)


class CommissionTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionTier
        fields = ["attainment_from", "rate"]


class CommissionRuleSerializer(serializers.ModelSerializer):
    tiers = CommissionTierSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionRule
        fields = ["id", "name", "order", "value_tier", "tiers"]


class CommissionAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionAssignment
        fields = ["id", "user", "team", "start_date", "end_date"]


class CommissionPlanSerializer(serializers.ModelSerializer):
    rules = CommissionRuleSerializer(many=True, read_only=True)
    assignments = CommissionAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionPlan
        fields = ["id", "name", "currency", "description", "is_active", "rules", "assignments", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class CommissionPlanViewSet(GuanxiViewSet):
    """Commission plans with their rules, tiers and assignments (rules and assignments are edited on the plan's page)."""

    queryset = CommissionPlan.objects.all()
    serializer_class = CommissionPlanSerializer
    filterset_class = CommissionPlanFilterSet
    prefetch_related = ("rules__tiers", "assignments")
    ordering_fields = {"name": "name"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def service_create(self, data):
        return services.commission_plan_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.commission_plan_update(plan=instance, acting_user=self.request.user, **data)


class CommissionLineSerializer(serializers.ModelSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = CommissionLine
        fields = ["position", "opportunity", "rule", "base_amount", "rate", "amount", "band_from", "band_to", "explanation"]

    def get_explanation(self, line) -> str:
        return line.explanation()


class CommissionStatementSerializer(serializers.ModelSerializer):
    lines = CommissionLineSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionStatement
        fields = ["id", "user", "plan", "period_start", "period_end", "status", "currency", "quota", "won_total", "total", "computed_at",
                  "approved_by", "approved_at", "paid_at", "lines"]
        read_only_fields = fields


class StatementComputeSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=active_users())
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ReadPermissions(ModelPermissions):
    """An action checked by its own permission (approve, pay) needs only to read the record here."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class CommissionStatementViewSet(GuanxiViewSet):
    """Commission statements you can see (yours, your team's), with their lines. POST computes (or recomputes a draft);
    ``approve`` and ``pay`` move it on."""

    queryset = CommissionStatement.objects.all()
    serializer_class = CommissionStatementSerializer
    filterset_class = CommissionStatementFilterSet
    prefetch_related = ("lines__rule", "lines__opportunity")
    ordering_fields = {"period_start": "period_start", "total": "total"}
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        if self.action in ("approve", "pay"):
            return [ReadPermissions()]
        return super().get_permissions()

    def get_serializer_class(self):
        return StatementComputeSerializer if self.action == "create" else CommissionStatementSerializer

    def create(self, request, *args, **kwargs):
        payload = StatementComputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        statement = services.commission_statement_compute(acting_user=request.user, **payload.validated_data)
        return Response(CommissionStatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    def _move(self, request, permission: str, service):
        if not request.user.has_perm(permission):
            raise exceptions.PermissionDenied()
        statement = self.get_object()
        service(statement=statement, acting_user=request.user)
        return Response(CommissionStatementSerializer(statement).data)

    @extend_schema(request=None, responses=CommissionStatementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(request, "sales.approve_commissionstatement", services.commission_statement_approve)

    @extend_schema(request=None, responses=CommissionStatementSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._move(request, "sales.pay_commissionstatement", services.commission_statement_pay)


class ExpenseLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpenseLine
        fields = ["id", "date", "category", "amount", "description", "receipt"]


class ExpenseClaimSerializer(serializers.ModelSerializer):
    account = VisiblePrimaryKeyRelatedField(Account, required=False, allow_null=True)
    opportunity = VisiblePrimaryKeyRelatedField(Opportunity, required=False, allow_null=True)
    lines = ExpenseLineSerializer(many=True, read_only=True)

    class Meta:
        model = ExpenseClaim
        fields = ["id", "title", "owner", "account", "opportunity", "status", "currency", "total", "approver", "submitted_at", "decided_by",
                  "decided_at", "decision_comment", "lines", "created_at", "updated_at"]
        read_only_fields = ["owner", "status", "total", "approver", "submitted_at", "decided_by", "decided_at", "decision_comment",
                            "created_at", "updated_at"]


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ExpenseClaimViewSet(GuanxiViewSet):
    """Expense claims: yours, those of the people you manage, or every claim with the finance permission.
    Lines are added on the page (receipts are files); ``submit``, ``approve`` and ``reject`` move a claim on."""

    queryset = ExpenseClaim.objects.all()
    serializer_class = ExpenseClaimSerializer
    filterset_class = ExpenseClaimFilterSet
    select_related = ("owner",)
    prefetch_related = ("lines",)
    ordering_fields = {"created_at": "created_at", "total": "total"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return expense_claims_visible(self.request.user).select_related(*self.select_related).prefetch_related(*self.prefetch_related)

    def get_permissions(self):
        if self.action in ("submit", "approve", "reject"):
            return [ReadPermissions()]
        return super().get_permissions()

    def service_create(self, data):
        return services.expense_claim_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        if instance.owner_id != self.request.user.pk and not self.request.user.is_superuser:
            raise exceptions.PermissionDenied()
        services.expense_claim_update(claim=instance, acting_user=self.request.user, **data)

    @extend_schema(request=None, responses=ExpenseClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        claim = self.get_object()
        services.expense_claim_submit(claim=claim, acting_user=request.user)
        return Response(ExpenseClaimSerializer(claim, context=self.get_serializer_context()).data)

    def _decide(self, request, approve: bool):
        claim = self.get_object()
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.expense_claim_decide(claim=claim, acting_user=request.user, approve=approve, comment=payload.validated_data.get("comment", ""))
        return Response(ExpenseClaimSerializer(claim, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses=ExpenseClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses=ExpenseClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)
