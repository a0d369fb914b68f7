"""Endpoints of the sales plan: forecast adjustments, commissions and expenses.
Reads come from ``visible_to(user)``; writes call the services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.core.api.base import GuanxiViewSet
from guanxi.core.models import Team

from .. import services
from ..models import ForecastAdjustment
from ..plan_filters import ForecastAdjustmentFilterSet
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
