"""API base: token auth that marks writes as coming from the API, model permissions, capped
pagination, one error shape, and a viewset that reads through visibility and writes through services.

Every error answers ``{"error": {"status": 400, "code": "invalid", "message": "…",
"fields": {"name": ["reason", …]}}}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .services import field_errors


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
            fields = {("non_field_errors" if k == "__all__" else k): v for k, v in fields.items()}
        else:
            fields = {"non_field_errors": [str(m) for m in detail]}
        message = _("The data is not valid.")
        code = "invalid"
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = getattr(exc, "default_code", "error")
    response.data = {"error": {"status": response.status_code, "code": code, "message": message, "fields": fields}}
    return response


class ServiceModelViewSet(viewsets.ModelViewSet):
    """Reads through ``visible_to``; writes call ``perform_service_create/update/delete``."""

    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.queryset.model.objects.visible_to(self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = self.service_create(serializer.validated_data)
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.service_update(instance, serializer.validated_data)
        instance.refresh_from_db()
        return Response(self.get_serializer(instance).data)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        with transaction.atomic():
            self.service_delete(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def service_create(self, data):  # pragma: no cover - set by each viewset
        raise exceptions.MethodNotAllowed("POST")

    def service_update(self, instance, data):  # pragma: no cover
        raise exceptions.MethodNotAllowed("PUT")

    def service_delete(self, instance):  # pragma: no cover
        raise exceptions.MethodNotAllowed("DELETE")
