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

from .. import selectors, services
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
    select_related = ("account",)
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
