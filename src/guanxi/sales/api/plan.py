"""Endpoints of the sales plan: forecast adjustments, commissions and expenses.
Reads come from ``visible_to(user)``; writes call the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from django.utils.translation import gettext as _

from guanxi.core.api.base import GuanxiViewSet, VisiblePrimaryKeyRelatedField
from guanxi.core.models import Team, Territory
from guanxi.customers.models import Account

from .. import services
from guanxi.framework.api_plumbing import ModelPermissions

from ..models import (
    CommissionAssignment, CommissionLine, CommissionPlan, CommissionRule, CommissionStatement, CommissionTier, ExpenseClaim, ExpenseLine,
    ForecastAdjustment, Opportunity, Product, Quota,
)
from ..plan_filters import (
    CommissionPlanFilterSet, CommissionRuleFilterSet, CommissionStatementFilterSet, ExpenseClaimFilterSet, ForecastAdjustmentFilterSet, QuotaFilterSet,
)
from ..plan_selectors import expense_claims_visible, quotas_visible
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
        fields = ["id", "name", "order", "value_tier", "product", "tiers"]


class CommissionRuleWriteSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=CommissionPlan.objects.all())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    tiers = CommissionTierSerializer(many=True)

    class Meta:
        model = CommissionRule
        fields = ["id", "plan", "name", "order", "value_tier", "product", "tiers"]

    def validate_tiers(self, value):
        if not value:
            raise serializers.ValidationError(_("Give at least one tier, starting at an attainment of 0."))
        return value


class CommissionRuleViewSet(GuanxiViewSet):
    """The rules of commission plans: which deals (account value tier, product) earn which tiered rates.
    Writing replaces the rule's tiers (``[{"attainment_from": 0, "rate": 5}, {"attainment_from": 100, "rate": 8}]``)."""

    queryset = CommissionRule.objects.all()
    serializer_class = CommissionRuleWriteSerializer
    filterset_class = CommissionRuleFilterSet
    prefetch_related = ("tiers",)
    ordering_fields = {"order": "order"}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def _save(self, data, rule=None):
        plan = data.get("plan") or rule.plan
        if rule is not None and plan.pk != rule.plan_id:
            raise exceptions.ValidationError({"plan": [_("A rule stays on its plan; create a new rule on the other plan.")]})
        tiers = data.get("tiers")
        if tiers is None:
            tiers = [{"attainment_from": t.attainment_from, "rate": t.rate} for t in rule.tiers.all()]
        value = lambda key, default: data[key] if key in data else (getattr(rule, key) if rule is not None else default)  # noqa: E731
        return services.commission_rule_save(acting_user=self.request.user, plan=plan, rule=rule, name=value("name", ""),
                                             order=value("order", 10), value_tier=value("value_tier", ""), product=value("product", None),
                                             tiers=[(t["attainment_from"], t["rate"]) for t in tiers])

    def service_create(self, data):
        return self._save(data)

    def service_update(self, instance, data):
        self._save(data, instance)

    def service_delete(self, instance):
        services.commission_rule_delete(rule=instance, acting_user=self.request.user)


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


class QuotaSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)

    class Meta:
        model = Quota
        fields = ["id", "user", "team", "territory", "period_start", "period_end", "amount", "currency", "created_at", "updated_at"]
        validators: list = []  # the service sets (creates or changes) the subject's quota for the period
        read_only_fields = ["created_at", "updated_at"]


class QuotaCopySerializer(serializers.Serializer):
    source_start = serializers.DateField()
    source_end = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    users = serializers.PrimaryKeyRelatedField(queryset=active_users(), many=True, required=False)
    teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    territories = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all(), many=True, required=False)
    overwrite = serializers.BooleanField(default=False)


class QuotaViewSet(GuanxiViewSet):
    """Quotas of reps, teams and territories per period. POST sets (creates or changes) the subject's quota for the period;
    only a manager of the rep's or team's team (or above) may set it. ``copy`` copies a period's quotas to another."""

    queryset = Quota.objects.all()
    serializer_class = QuotaSerializer
    filterset_class = QuotaFilterSet
    ordering_fields = {"period_start": "period_start", "amount": "amount"}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return quotas_visible(self.request.user).select_related("user", "team", "territory")

    def _check(self, user=None, team=None, territory=None):
        if not services.can_set_quota(self.request.user, user=user, team=team, territory=territory):
            raise exceptions.PermissionDenied(_("Only a manager of this rep's or team's team (or one above it) may set its quota."))

    def service_create(self, data):
        self._check(data.get("user"), data.get("team"), data.get("territory"))
        return services.quota_set(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        self._check(instance.user, instance.team, instance.territory)
        if any(key in data and data[key] != getattr(instance, key) for key in ("user", "team", "territory", "period_start", "period_end")):
            raise exceptions.ValidationError({"period_start": [_("A quota keeps its subject and period; set a new one instead.")]})
        services.quota_set(acting_user=self.request.user, user=instance.user, team=instance.team, territory=instance.territory,
                           period_start=instance.period_start, period_end=instance.period_end, amount=data.get("amount", instance.amount),
                           currency=data.get("currency", instance.currency))

    def service_delete(self, instance):
        self._check(instance.user, instance.team, instance.territory)
        services.quota_delete(quota=instance, acting_user=self.request.user)

    @extend_schema(request=QuotaCopySerializer, responses={200: {"type": "object"}})
    @action(detail=False, methods=["post"])
    def copy(self, request):
        payload = QuotaCopySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        for user in data.get("users", []):
            self._check(user=user)
        for team in data.get("teams", []):
            self._check(team=team)
        for territory in data.get("territories", []):
            self._check(territory=territory)
        return Response(services.quotas_copy(acting_user=request.user, **data))


class CommissionLineSerializer(serializers.ModelSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = CommissionLine
        fields = ["position", "opportunity", "rule", "product", "base_amount", "rate", "amount", "band_from", "band_to", "explanation"]

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
    prefetch_related = ("lines__rule", "lines__opportunity", "lines__product")
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
        return self.with_related(expense_claims_visible(self.request.user))

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
