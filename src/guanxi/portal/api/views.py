"""The portal API (``/portal/api/``): the logged-in contact's cases and the public knowledge base.

Same scope as the portal pages: one account (the session's; ``?account=<id>`` picks another of the
contact's accounts), customer-visible notes and attachments only, public published articles only.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.framework.api_plumbing import CappedPageNumberPagination
from guanxi.framework.context import set_source
from guanxi.service import services as service_services
from guanxi.service.choices import CaseChannel, CaseStatus

from .. import selectors
from ..views import reply, survey
from .auth import IsPortalUser, PortalSessionAuthentication, PortalTokenAuthentication
from .serializers import (
    ArticleSerializer, CaseCreateSerializer, CaseDetailSerializer, CaseSerializer, FeedbackSerializer, ReplySerializer,
    RmaRequestSerializer,
)


class PortalAPIView(APIView):
    authentication_classes = [PortalTokenAuthentication, PortalSessionAuthentication]
    permission_classes = [IsPortalUser]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def account(self):
        request = self.request._request
        wanted = self.request.query_params.get("account")
        if wanted:
            for account in request.portal_accounts:
                if str(account.pk) == wanted:
                    return account
            raise Http404
        return request.portal_account

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Writes of this request are audited as the portal user's; the middleware restores the source afterwards.
        set_source(detail=f"portal {request.user.email} {request.method} {request.path}"[:200])

    def case(self, pk):
        case = selectors.portal_case(account=self.account, pk=pk)
        if case is None:
            raise Http404
        return case


class MeView(PortalAPIView):
    @extend_schema(responses=None)
    def get(self, request):
        portal_user = request.user
        return Response({
            "email": portal_user.email, "contact": portal_user.contact.name,
            "account": {"id": self.account.pk, "name": self.account.name},
            "accounts": [{"id": a.pk, "name": a.name} for a in request._request.portal_accounts],
        })


class CaseListView(PortalAPIView):
    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request):
        cases = selectors.portal_cases(account=self.account, status=request.query_params.get("status", ""), query=request.query_params.get("q", "")[:100])
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(request=CaseCreateSerializer, responses=CaseSerializer)
    def post(self, request):
        serializer = CaseCreateSerializer(data=request.data, account=self.account)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            unit = data.get("installed_product")
            case = service_services.case_create(
                acting_user=None, subject=data["subject"], description=data["description"], case_type=data["case_type"],
                category=data.get("category"), account=self.account, contact=request.user.contact, channel=CaseChannel.PORTAL,
                **({"installed_product": unit} if unit is not None else {}),
            )
            if data.get("file"):
                service_services.case_attachment_add(case=case, acting_user=None, file=data["file"], is_public=True)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailView(PortalAPIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, pk: int):
        case = self.case(pk)
        notes = list(selectors.portal_case_notes(case=case))
        for note in notes:
            note.case = case
        return Response(CaseDetailSerializer(case, context={"notes": notes}).data)


class CaseReplyView(PortalAPIView):
    @extend_schema(request=ReplySerializer, responses=CaseSerializer)
    def post(self, request, pk: int):
        case = self.case(pk)
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if case.status == CaseStatus.CLOSED:
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError({"body": _("This case is closed. Please open a new case.")})
        reply(case=case, portal_user=request.user, body=serializer.validated_data["body"], file=serializer.validated_data.get("file"))
        case.refresh_from_db()
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseCloseView(PortalAPIView):
    @extend_schema(responses=CaseSerializer)
    def post(self, request, pk: int):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        case = self.case(pk)
        try:
            score = int(request.data.get("satisfaction"))
        except (TypeError, ValueError):
            raise ValidationError({"satisfaction": _("Rate from 1 to 5.")}) from None
        survey(case=case, satisfaction=score, comment=str(request.data.get("comment", ""))[:2000])
        case.refresh_from_db()
        return Response(CaseSerializer(case).data)


class ArticleListView(PortalAPIView):
    @extend_schema(responses=ArticleSerializer(many=True))
    def get(self, request):
        query = request.query_params.get("q", "").strip()[:200]
        articles = selectors.portal_article_search(query=query) if query else selectors.recent_articles(limit=20)
        return Response({"results": ArticleSerializer(articles, many=True).data})


class ArticleDetailView(PortalAPIView):
    @extend_schema(responses=ArticleSerializer)
    def get(self, request, pk: int):
        article = selectors.portal_article(pk=pk)
        if article is None:
            raise Http404
        return Response(ArticleSerializer(article).data)


class ArticleFeedbackView(PortalAPIView):
    @extend_schema(request=FeedbackSerializer, responses=None)
    def post(self, request, pk: int):
        article = selectors.portal_article(pk=pk)
        if article is None:
            raise Http404
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = request._request.session
        votes = session.get("portal_article_votes", [])
        if pk in votes:
            return Response({"recorded": False}, status=status.HTTP_200_OK)
        service_services.article_feedback(article=article, acting_user=None, **serializer.validated_data)
        session["portal_article_votes"] = [*votes, pk][-200:]
        return Response({"recorded": True}, status=status.HTTP_201_CREATED)


class InstalledProductListView(PortalAPIView):
    @extend_schema(responses=None)
    def get(self, request):
        return Response({"results": selectors.installed_products(account=self.account)})


class ServiceContractListView(PortalAPIView):
    @extend_schema(responses=None)
    def get(self, request):
        return Response({"results": selectors.service_contracts(account=self.account)})


class RmaListView(PortalAPIView):
    @extend_schema(responses=None)
    def get(self, request):
        return Response({"results": selectors.rmas(account=self.account)})

    @extend_schema(request=RmaRequestSerializer, responses=None,
                   description="Ask for a return of some of the account's installed products; staff authorise it.")
    def post(self, request):
        serializer = RmaRequestSerializer(data=request.data, account=self.account)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            rma = service_services.rma_request(account=self.account, contact=request.user.contact,
                                               units=serializer.validated_data["installed_products"],
                                               reason=serializer.validated_data["reason"])
        return Response(selectors.rma(account=self.account, pk=rma.pk), status=status.HTTP_201_CREATED)


class RmaDetailView(PortalAPIView):
    @extend_schema(responses=None)
    def get(self, request, pk: int):
        found = selectors.rma(account=self.account, pk=pk)
        if found is None:
            raise Http404
        return Response(found)
