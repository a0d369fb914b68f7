"""API of tax rates, product option groups / options / bundle components, the configurator, opportunity
product lines and the sales knowledge board. Reads are visibility-filtered; writes call the services."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from guanxi.core.api.base import GuanxiViewSet, VisiblePrimaryKeyRelatedField
from guanxi.framework.api_plumbing import ModelPermissions

from .. import configurator, knowledge, services
from ..models import (
    BundleComponent, KnowledgeComment, KnowledgePost, Opportunity, OpportunityLine, PriceBook, Product, ProductOption, ProductOptionGroup, TaxRate,
)


class TaxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaxRate
        fields = ["id", "name", "rate", "is_active", "is_default", "description", "created_at", "updated_at"]


class TaxRateViewSet(GuanxiViewSet):
    """Tax rates (Sales settings → Tax rates); a product's default and a quote line's rate come from here."""

    queryset = TaxRate.objects.all()
    serializer_class = TaxRateSerializer
    ordering_fields = {"rate": "rate", "name": "name"}

    def service_create(self, data):
        return services.taxrate_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.taxrate_update(tax=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.taxrate_delete(tax=instance, acting_user=self.request.user)


class OptionSerializer(serializers.ModelSerializer):
    prices = serializers.SerializerMethodField()

    class Meta:
        model = ProductOption
        fields = ["id", "name", "position", "price", "is_default", "requires", "excludes", "prices"]

    def get_prices(self, option) -> dict[str, str]:
        return {p.currency: str(p.price) for p in option.prices.all()}


class OptionGroupSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = ProductOptionGroup
        fields = ["id", "product", "name", "position", "is_required", "min_choices", "max_choices", "options"]


class OptionGroupFilterSet(django_filters.FilterSet):
    product = django_filters.NumberFilter()

    class Meta:
        model = ProductOptionGroup
        fields: list[str] = []


class OptionGroupViewSet(GuanxiViewSet):
    """A product's option groups with their options (``?product=``); options are added with ``POST …/options/``."""

    queryset = ProductOptionGroup.objects.all()
    serializer_class = OptionGroupSerializer
    filterset_class = OptionGroupFilterSet
    prefetch_related = ("options__prices", "options__requires", "options__excludes")
    ordering_fields = {"position": "position"}

    def service_create(self, data):
        return services.option_group_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data.pop("product", None)
        services.option_group_update(group=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.option_group_delete(group=instance, acting_user=self.request.user)

    @extend_schema(request=OptionSerializer, responses=OptionGroupSerializer, description=_("Add an option to the group."))
    @action(detail=True, methods=["post"])
    def options(self, request, pk=None):
        group = self.get_object()
        if not request.user.has_perm("sales.add_productoption"):
            raise PermissionDenied()
        payload = OptionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        services.option_create(group=group, acting_user=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=group.pk)).data)


class BundleComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = BundleComponent
        fields = ["id", "bundle", "component", "quantity"]


class BundleComponentViewSet(GuanxiViewSet):
    queryset = BundleComponent.objects.all()
    serializer_class = BundleComponentSerializer
    filterset_fields = ["bundle"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        return services.bundle_component_set(acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.bundle_component_delete(row=instance, acting_user=self.request.user)


class ConfigureSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    price_book = serializers.PrimaryKeyRelatedField(queryset=PriceBook.objects.filter(is_active=True), required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    options = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ConfigureViewSet(viewsets.ViewSet):
    """Price a configuration without storing anything: ``POST /api/configure/``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ConfigureSerializer, description=_("Unit price, amount and the broken rules (if any) of a configuration."))
    def create(self, request):
        if not request.user.has_perm("sales.view_product"):
            raise PermissionDenied()
        payload = ConfigureSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        config = configurator.configure(product=data["product"], price_book=data.get("price_book"), quantity=data["quantity"],
                                        option_ids=data["options"])
        return Response({
            "valid": config.is_valid, "errors": config.errors, "currency": config.currency, "base_price": str(config.base_price),
            "options": [{"option": o.option.pk, "name": o.option.name, "unit_price": str(o.unit_price)} for o in config.options],
            "unit_price": str(config.unit_price), "amount": str(config.amount), "description": config.description,
        })


class OpportunityLineSerializer(serializers.ModelSerializer):
    opportunity = VisiblePrimaryKeyRelatedField(Opportunity)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True,
                                          help_text=_("Left out, the opportunity's price book's price for the quantity."))
    options = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True,
                                    help_text=_("Configurator options: the line is added configured, with one line per option."))

    class Meta:
        model = OpportunityLine
        fields = ["id", "opportunity", "position", "product", "description", "quantity", "unit_price", "discount_percent", "amount", "parent",
                  "option", "options"]
        read_only_fields = ["position", "amount", "parent", "option"]


class OpportunityLineFilterSet(django_filters.FilterSet):
    opportunity = django_filters.NumberFilter()

    class Meta:
        model = OpportunityLine
        fields: list[str] = []


class OpportunityLineViewSet(GuanxiViewSet):
    """Product lines of the opportunities you can see; with lines, the opportunity's amount is their sum."""

    queryset = OpportunityLine.objects.all()
    serializer_class = OpportunityLineSerializer
    filterset_class = OpportunityLineFilterSet
    select_related = ("product",)
    ordering_fields = {"position": "position"}

    def service_create(self, data):
        options = data.pop("options", None)
        opportunity = data.pop("opportunity")
        if options is not None:
            return services.opportunity_add_configured(opportunity=opportunity, acting_user=self.request.user, product=data["product"],
                                                       quantity=data["quantity"], option_ids=options,
                                                       discount_percent=data.get("discount_percent") or 0)
        return services.opportunity_line_add(opportunity=opportunity, acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data = {k: v for k, v in data.items() if k in ("quantity", "unit_price", "discount_percent", "description")}
        services.opportunity_line_update(line=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.opportunity_line_delete(line=instance, acting_user=self.request.user)


class KnowledgeCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.StringRelatedField(source="author")

    class Meta:
        model = KnowledgeComment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class KnowledgePostSerializer(serializers.ModelSerializer):
    author_name = serializers.StringRelatedField(source="author")

    class Meta:
        model = KnowledgePost
        fields = ["id", "title", "body", "tags", "product", "competitor", "author", "author_name", "helpful_count", "comment_count",
                  "created_at", "updated_at"]
        read_only_fields = ["author", "helpful_count", "comment_count", "created_at", "updated_at"]


class KnowledgePostViewSet(GuanxiViewSet):
    """The sales knowledge board; ``q`` searches Chinese and English (ranked). The author or an editor changes a post."""

    queryset = KnowledgePost.objects.all()
    serializer_class = KnowledgePostSerializer
    select_related = ("author",)
    ordering_fields = {"updated_at": "updated_at", "helpful": "helpful_count"}
    filterset_fields = ["product", "competitor", "author"]

    def get_permissions(self):
        if self.action in ("update", "partial_update", "destroy", "helpful"):
            return [IsAuthenticated(), _ViewPermission()]
        if self.action == "comments" and self.request.method == "POST":
            return [IsAuthenticated(), _CommentPermission()]
        return super().get_permissions()

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        posts = knowledge.search(self.filter_queryset(self.get_queryset()), query, limit=50)
        return Response({"count": len(posts), "next": None, "previous": None, "results": self.get_serializer(posts, many=True).data})

    def service_create(self, data):
        return services.knowledge_post_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.knowledge_post_update(post=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.knowledge_post_delete(post=instance, acting_user=self.request.user)

    @extend_schema(request=KnowledgeCommentSerializer, responses=KnowledgeCommentSerializer(many=True),
                   description=_("GET: the post's comments; POST: add one."))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        post = self.get_object()
        if request.method == "POST":
            payload = KnowledgeCommentSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.knowledge_comment_add(post=post, acting_user=request.user, body=payload.validated_data["body"])
        return Response(KnowledgeCommentSerializer(post.comments.select_related("author"), many=True).data)

    @extend_schema(request=None, description=_("Mark the post helpful (once per user)."))
    @action(detail=True, methods=["post"])
    def helpful(self, request, pk=None):
        post = self.get_object()
        services.knowledge_helpful(post=post, acting_user=request.user)
        post.refresh_from_db()
        return Response(self.get_serializer(post).data)


class _ViewPermission(ModelPermissions):
    """Changing a post: reading the board is needed; the service then checks author or editor."""

    def has_permission(self, request, view):
        return request.user.has_perm("sales.view_knowledgepost")


class _CommentPermission(ModelPermissions):
    def has_permission(self, request, view):
        return request.user.has_perm("sales.add_knowledgecomment")


