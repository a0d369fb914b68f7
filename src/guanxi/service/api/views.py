"""Endpoints of customer service: cases and their life cycle, notes, attachments, links, and the set-up.

Reads come from ``visible_to(user)`` (a case out of scope is a 404); writes go through the services.
"""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from guanxi.core.api.base import GuanxiViewSet

from .. import requesters, selectors, services
from ..filters import ArticleFilterSet, CaseFilterSet
from ..models import Article, BusinessCalendar, Case, CaseAttachment, CaseCategory, CaseLink, CaseNote, Queue, SlaPolicy
from . import filters, serializers


class ChangeCasePermission:
    """Actions on a case change it: they need ``service.change_case``."""

    @staticmethod
    def check(request):
        if not request.user.has_perm("service.change_case"):
            raise exceptions.PermissionDenied()


@extend_schema_view(list=extend_schema(description=_("Cases you can see. `q` searches the number, subject and account name.")))
class CaseViewSet(GuanxiViewSet):
    queryset = Case.objects.all()
    serializer_class = serializers.CaseSerializer
    filterset_class = CaseFilterSet
    select_related = ("account", "escalation")
    ordering_fields = {"created_at": "created_at", "updated_at": "updated_at", "resolution_due_at": "resolution_due_at"}

    def service_create(self, data):
        return services.case_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data = {k: v for k, v in data.items() if k not in ("queue", "assignee")}
        services.case_update(case=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.case_delete(case=instance, acting_user=self.request.user)

    def _act(self, request, serializer_class, do):
        ChangeCasePermission.check(request)
        case = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            do(case, serializer.validated_data)
        case.refresh_from_db()
        return Response(serializers.CaseSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=serializers.CaseStatusSerializer, responses=serializers.CaseSerializer,
                   description=_("Move the case along its status flow; closing may carry the satisfaction survey."))
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        return self._act(request, serializers.CaseStatusSerializer, lambda case, data: services.case_set_status(
            case=case, acting_user=request.user, status=data["status"], satisfaction=data.get("satisfaction"), comment=data.get("comment", "")))

    @extend_schema(request=serializers.CaseAssignSerializer, responses=serializers.CaseSerializer,
                   description=_("Put the case in a queue and/or give it to an agent."))
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(request, serializers.CaseAssignSerializer, lambda case, data: services.case_assign(
            case=case, acting_user=request.user, queue=data.get("queue"), assignee=data.get("assignee"), route=data.get("route", False)))

    @extend_schema(request=serializers.CaseMergeSerializer, responses=serializers.CaseSerializer,
                   description=_("Merge this case into another open case of the same account."))
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        return self._act(request, serializers.CaseMergeSerializer, lambda case, data: services.case_merge(
            source=case, target=data["target"], acting_user=request.user))

    @extend_schema(request=serializers.CaseLinkCustomerSerializer, responses=serializers.CaseSerializer,
                   description=_("Give a case whose customer was not identified (mail from an unknown address) its account, "
                                 "and a contact or a new contact made from the sender."))
    @action(detail=True, methods=["post"], url_path="link-customer")
    def link_customer(self, request, pk=None):
        if request.data.get("new_contact_name") and not request.user.has_perm("customers.add_contact"):
            raise exceptions.PermissionDenied()
        return self._act(request, serializers.CaseLinkCustomerSerializer, lambda case, data: requesters.case_link_customer(
            case=case, acting_user=request.user, **data))

    @extend_schema(request=serializers.SurveySerializer, responses=serializers.CaseSerializer,
                   description=_("Record the customer's satisfaction (1-5) with a resolved or closed case."))
    @action(detail=True, methods=["post"])
    def survey(self, request, pk=None):
        return self._act(request, serializers.SurveySerializer, lambda case, data: services.case_record_satisfaction(
            case=case, acting_user=request.user, **data))


class CaseNoteViewSet(GuanxiViewSet):
    """Notes of cases you can see: internal, or customer-visible replies."""

    queryset = CaseNote.objects.all()
    serializer_class = serializers.CaseNoteSerializer
    filterset_class = filters.CaseNoteFilterSet
    select_related = ("author",)
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "head", "options"]

    def service_create(self, data):
        return services.case_note_add(case=data["case"], acting_user=self.request.user, body=data["body"], is_public=data.get("is_public", False))


@extend_schema_view(create=extend_schema(description=_("Upload a file as multipart/form-data with `file`, `case` and `is_public`.")))
class CaseAttachmentViewSet(GuanxiViewSet):
    queryset = CaseAttachment.objects.all()
    serializer_class = serializers.CaseAttachmentSerializer
    filterset_class = filters.CaseAttachmentFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        return services.case_attachment_add(case=data["case"], acting_user=self.request.user, file=data["file"], is_public=data.get("is_public", False))

    def service_delete(self, instance):
        services.case_attachment_delete(attachment=instance, acting_user=self.request.user)

    @extend_schema(description=_("The file itself, as an attachment."), responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise exceptions.NotFound(_("The file of this attachment is missing.")) from None
        return FileResponse(handle, as_attachment=True, filename=attachment.filename)


class CaseLinkViewSet(GuanxiViewSet):
    queryset = CaseLink.objects.all()
    serializer_class = serializers.CaseLinkSerializer
    filterset_class = filters.CaseLinkFilterSet
    ordering_fields = {"id": "id"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        return services.case_link(case=data["case"], other=data["other"], kind=data.get("kind", "related"), acting_user=self.request.user)

    def service_delete(self, instance):
        services.case_unlink(link=instance, acting_user=self.request.user)


class SetupViewSet(GuanxiViewSet):
    """Configuration: every user with the view permission reads all of it."""

    def get_queryset(self):
        return self.queryset.model.objects.all()


class QueueViewSet(SetupViewSet):
    queryset = Queue.objects.all()
    serializer_class = serializers.QueueSerializer
    prefetch_related = ("members",)
    ordering_fields = {"name": "name"}

    def get_queryset(self):
        return Queue.objects.prefetch_related("members")

    def service_create(self, data):
        return services.queue_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.queue_update(queue=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.queue_delete(queue=instance, acting_user=self.request.user)


class CaseCategoryViewSet(SetupViewSet):
    queryset = CaseCategory.objects.all()
    serializer_class = serializers.CaseCategorySerializer
    ordering_fields = {"name": "name"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def service_create(self, data):
        data = dict(data)
        data.pop("is_active", None)
        return services.category_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.category_update(category=instance, acting_user=self.request.user, **data)


class SlaPolicyViewSet(SetupViewSet):
    queryset = SlaPolicy.objects.all()
    serializer_class = serializers.SlaPolicySerializer
    ordering_fields = {"name": "name"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return SlaPolicy.objects.prefetch_related("targets")

    def service_create(self, data):
        return services.sla_policy_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.sla_policy_update(policy=instance, acting_user=self.request.user, **data)


class BusinessCalendarViewSet(SetupViewSet):
    queryset = BusinessCalendar.objects.all()
    serializer_class = serializers.BusinessCalendarSerializer
    ordering_fields = {"name": "name"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return BusinessCalendar.objects.prefetch_related("days")

    def service_create(self, data):
        return services.calendar_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.calendar_update(calendar=instance, acting_user=self.request.user, **data)


class ArticleViewSet(SetupViewSet):
    """Knowledge-base articles. `search?q=` ranks them by relevance (Chinese word segmentation, English words)."""

    queryset = Article.objects.all()
    serializer_class = serializers.ArticleSerializer
    filterset_class = ArticleFilterSet
    ordering_fields = {"updated_at": "updated_at", "created_at": "created_at"}

    def get_queryset(self):
        return Article.objects.defer("search_tokens")

    def service_create(self, data):
        return services.article_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.article_update(article=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.article_delete(article=instance, acting_user=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description=_("Words to look for, in Chinese or English.")),
                    OpenApiParameter("public", bool, required=False, description=_("Only articles customers may read."))],
        responses=serializers.ArticleSerializer(many=True), description=_("Articles matching the words, best first (at most 20)."),
    )
    @action(detail=False, methods=["get"])
    def search(self, request):
        query = request.query_params.get("q", "")
        if not query.strip():
            raise exceptions.ValidationError({"q": [_("Give some words to look for.")]})
        articles = selectors.article_search(query=query, public_only=request.query_params.get("public") in ("1", "true"))
        return Response(serializers.ArticleSerializer(articles, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=serializers.ArticleFeedbackSerializer, responses=serializers.ArticleSerializer,
                   description=_("Was this article helpful? Counts yes and no, optionally for a case."))
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        if not request.user.has_perm("service.add_articlefeedback"):
            raise exceptions.PermissionDenied()
        article = self.get_object()
        serializer = serializers.ArticleFeedbackSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.article_feedback(article=article, acting_user=request.user, **serializer.validated_data)
        article.refresh_from_db()
        return Response(serializers.ArticleSerializer(article, context=self.get_serializer_context()).data)


# --- installed products, service contracts, returns ---------------------------------------------

from ..filters import InstalledProductFilterSet, RmaFilterSet, ServiceContractFilterSet  # noqa: E402
from ..models import Entitlement, EntitlementUsage, InstalledProduct, Rma, RmaLine, ServiceContract, WarrantyTerm  # noqa: E402
from . import filters as api_filters  # noqa: E402


def _check_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise exceptions.PermissionDenied()


@extend_schema_view(list=extend_schema(description=_("Units at customers' sites you can see. `q` matches the start of the serial number.")))
class InstalledProductViewSet(GuanxiViewSet):
    queryset = InstalledProduct.objects.all()
    serializer_class = serializers.InstalledProductSerializer
    filterset_class = InstalledProductFilterSet
    select_related = ("product",)
    ordering_fields = {"created_at": "created_at", "install_date": "install_date", "warranty_end": "warranty_end", "serial_number": "serial_number"}

    def service_create(self, data):
        return services.installed_product_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.installed_product_update(unit=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.installed_product_delete(unit=instance, acting_user=self.request.user)

    @extend_schema(description=_("The unit's cases, returns and contract coverage, newest first."))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        unit = self.get_object()
        rows = selectors.installed_product_history(unit=unit, user=request.user)
        return Response([{"kind": r["kind"], "id": r["record"].pk, "title": r["title"], "status": r["status"], "time": r["when"]} for r in rows])


@extend_schema_view(list=extend_schema(description=_("Service contracts you can see, with their entitlements.")))
class ServiceContractViewSet(GuanxiViewSet):
    queryset = ServiceContract.objects.all()
    serializer_class = serializers.ServiceContractSerializer
    filterset_class = ServiceContractFilterSet
    prefetch_related = ("entitlements", "installed_products")
    ordering_fields = {"created_at": "created_at", "end_date": "end_date", "start_date": "start_date"}

    def service_create(self, data):
        data = dict(data)
        units = data.pop("installed_products", [])
        return services.service_contract_create(acting_user=self.request.user, installed_products=units, **data)

    def service_update(self, instance, data):
        data = dict(data)
        units = data.pop("installed_products", None)
        services.service_contract_update(contract=instance, acting_user=self.request.user, installed_products=units, **data)

    def service_delete(self, instance):
        services.service_contract_delete(contract=instance, acting_user=self.request.user)

    @extend_schema(request=serializers.ContractStatusSerializer, responses=serializers.ServiceContractSerializer,
                   description=_("draft -> active -> expired or cancelled; an expired contract may be made active again."))
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        _check_perm(request, "service.change_servicecontract")
        contract = self.get_object()
        serializer = serializers.ContractStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            services.service_contract_set_status(contract=contract, acting_user=request.user, status=serializer.validated_data["status"])
        contract = self.get_queryset().get(pk=contract.pk)
        return Response(serializers.ServiceContractSerializer(contract, context=self.get_serializer_context()).data)


class EntitlementViewSet(GuanxiViewSet):
    queryset = Entitlement.objects.all()
    serializer_class = serializers.EntitlementSerializer
    filterset_class = api_filters.EntitlementFilterSet
    ordering_fields = {"id": "id"}

    def service_create(self, data):
        data = dict(data)
        return services.entitlement_create(contract=data.pop("contract"), acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data = {k: v for k, v in data.items() if k != "contract"}
        services.entitlement_update(entitlement=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.entitlement_delete(entitlement=instance, acting_user=self.request.user)


@extend_schema_view(create=extend_schema(description=_("Use visits or hours of an entitlement (refused past what is left).")),
                    destroy=extend_schema(description=_("Undo a use: its quantity is given back.")))
class EntitlementUsageViewSet(GuanxiViewSet):
    queryset = EntitlementUsage.objects.all()
    serializer_class = serializers.EntitlementUsageSerializer
    filterset_class = api_filters.EntitlementUsageFilterSet
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        return services.entitlement_consume(entitlement=data["entitlement"], acting_user=self.request.user, quantity=data["quantity"],
                                            case=data.get("case"), note=data.get("note", ""))

    def service_delete(self, instance):
        services.entitlement_usage_delete(usage=instance, acting_user=self.request.user)


@extend_schema_view(list=extend_schema(description=_("Returns (RMA) you can see. `q` matches the number.")))
class RmaViewSet(GuanxiViewSet):
    queryset = Rma.objects.all()
    serializer_class = serializers.RmaSerializer
    filterset_class = RmaFilterSet
    prefetch_related = ("lines",)
    ordering_fields = {"created_at": "created_at", "updated_at": "updated_at"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def service_create(self, data):
        data = dict(data)
        lines = data.pop("new_lines", [])
        return services.rma_create(acting_user=self.request.user, lines=lines, **data)

    def service_update(self, instance, data):
        data = {k: v for k, v in data.items() if k not in ("account", "new_lines")}
        services.rma_update(rma=instance, acting_user=self.request.user, **data)

    @extend_schema(request=serializers.RmaStatusSerializer, responses=serializers.RmaSerializer,
                   description=_("authorised -> received -> diagnosed -> repaired, replaced or refunded -> shipped back -> closed."))
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        _check_perm(request, "service.change_rma")
        rma = self.get_object()
        serializer = serializers.RmaStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            services.rma_set_status(rma=rma, acting_user=request.user, status=data["status"], diagnosis=data.get("diagnosis"),
                                    return_carrier=data.get("return_carrier"), return_tracking_number=data.get("return_tracking_number"))
        rma = self.get_queryset().get(pk=rma.pk)
        return Response(serializers.RmaSerializer(rma, context=self.get_serializer_context()).data)


class RmaLineViewSet(GuanxiViewSet):
    queryset = RmaLine.objects.all()
    serializer_class = serializers.RmaLineSerializer
    filterset_class = api_filters.RmaLineFilterSet
    ordering_fields = {"id": "id"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def service_create(self, data):
        data = dict(data)
        return services.rma_line_add(rma=data.pop("rma"), acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.rma_line_delete(line=instance, acting_user=self.request.user)

    @extend_schema(request=serializers.RmaLineReplaceSerializer, responses=serializers.InstalledProductSerializer,
                   description=_("Record the unit that replaces this line's returned unit (the return is diagnosed or replaced); "
                                 "the warranty carries over or restarts."))
    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        if not (request.user.has_perm("service.change_rma") and request.user.has_perm("service.add_installedproduct")):
            raise exceptions.PermissionDenied()
        line = self.get_object()
        serializer = serializers.RmaLineReplaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            unit = services.rma_line_replace(line=line, acting_user=request.user, **serializer.validated_data)
        return Response(serializers.InstalledProductSerializer(unit, context=self.get_serializer_context()).data, status=201)


class WarrantyTermViewSet(SetupViewSet):
    queryset = WarrantyTerm.objects.all()
    serializer_class = serializers.WarrantyTermSerializer
    ordering_fields = {"id": "id"}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def service_create(self, data):
        return services.warranty_term_set(acting_user=self.request.user, product=data["product"], months=data["months"])

    def service_update(self, instance, data):
        services.warranty_term_set(acting_user=self.request.user, product=instance.product, months=data.get("months", instance.months))

    def service_delete(self, instance):
        services.warranty_term_set(acting_user=self.request.user, product=instance.product, months=None)
