"""API base: token auth that marks writes as coming from the API, model permissions, capped
pagination, one error shape, a viewset that reads through visibility and writes through services, and
the plain read of a list's rows (``PlainReadMixin``).

Every error answers ``{"error": {"status": 400, "code": "invalid", "message": "…",
"fields": {"name": ["reason", …]}}}``.
"""

from __future__ import annotations

import copy

from operator import attrgetter

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, relations, serializers, status, viewsets
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
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
    #: what the list prefetches instead of ``prefetch_related`` (e.g. ``prefetch_keys("tags")``)
    list_prefetch: tuple = ()

    def get_queryset(self):
        return self.with_related(self.queryset.model.objects.visible_to(self.request.user))

    def with_related(self, queryset):
        """``queryset`` with the joins and prefetches of this viewset (a list's own prefetch on a list)."""
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.list_prefetch and getattr(self, "action", None) == "list":
            queryset = queryset.prefetch_related(*self.list_prefetch)
        elif self.prefetch_related:
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


#: serializer class -> its fields as ``ModelSerializer.get_fields`` built them, unbound (``PlainReadMixin.get_fields``)
_KEPT_FIELDS: dict[type, dict] = {}


class PlainReadMixin:
    """``to_representation`` for a model serializer, with each field's way to its value worked out once.

    DRF walks a generator of readable fields for every row, reads each value through its generic
    ``get_attribute`` (nested lookups, callables, mappings, a model-field lookup for each foreign key) and,
    for a many-to-many of keys, builds a related manager and a queryset per row. A list page of 50 rows does
    that a few thousand times. Here a field that is a plain column of the model reads it straight, a key of a
    foreign key reads its ``…_id``, a many-to-many of keys reads the prefetched rows; every other field
    (methods, nested serializers, dotted sources, …) goes DRF's own way. Each value still goes through the
    field's ``to_representation``, so the output is DRF's, to the byte.
    """

    def get_fields(self):
        """The serializer's fields, built from the model once per class and copied for each serializer.

        ``ModelSerializer.get_fields`` inspects the model and builds every field anew for each serializer
        (each request): 2.6 ms for an account's 31 fields; copied and bound, 1.35 ms (docs/benchmarks.md,
        run 6). What it returns depends on the class alone (``Meta``, the declared fields), so it is kept
        unbound and each serializer gets a deep copy, which DRF makes by calling each field's constructor
        again with its original arguments, as it already does for declared fields. A subclass that changes
        its fields per serializer (its own ``get_fields`` calling this one) changes its copy alone.
        """
        kept = _KEPT_FIELDS.get(type(self))
        if kept is None:
            kept = _KEPT_FIELDS[type(self)] = super().get_fields()
        return copy.deepcopy(kept)

    def to_representation(self, instance):
        kind, plan = self.__dict__.get("_plain_read_plan", (None, None))
        if kind is not type(instance):
            kind, plan = self._plain_read_plan = type(instance), [_read_step(field, type(instance)) for field in self._readable_fields]
        ret = {}
        for name, field, read, represent in plan:
            if read is not None:
                value = read(instance)
                if value is not _GENERIC:
                    ret[name] = None if value is None else represent(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


_GENERIC = object()


def _read_step(field, model):
    """(name, field, reader, representation) of one field for ``PlainReadMixin``; no reader: DRF's way.

    A reader returns the value to represent, or ``_GENERIC`` to let DRF read that row's value itself.
    """
    name = field.field_name
    generic = (name, field, None, None)
    source = field.source_attrs
    if len(source) != 1 or not (isinstance(model, type) and issubclass(model, models.Model)) or field.default is not serializers.empty:
        return generic
    try:
        model_field = model._meta.get_field(source[0])
    except Exception:
        return generic
    if isinstance(field, relations.ManyRelatedField):
        child = field.child_relation
        if (type(field) is relations.ManyRelatedField and _plain_key_field(child)
                and model_field.many_to_many and not model_field.auto_created):
            cache_name = model_field.name
            keys_attr = _keys_attr(cache_name)

            def prefetched_keys(instance):
                rows = instance.__dict__.get(keys_attr)
                if rows is None:
                    rows = getattr(instance, "_prefetched_objects_cache", {}).get(cache_name)
                if rows is None or instance.pk is None:
                    return _GENERIC
                return [row.pk for row in rows]

            return name, field, prefetched_keys, _as_is
        return generic
    if isinstance(field, relations.RelatedField):
        if _plain_key_field(field) and model_field.many_to_one and model_field.concrete:
            return name, field, attrgetter(model_field.attname), _as_is
        return generic
    if isinstance(field, (serializers.BaseSerializer, serializers.SerializerMethodField)):
        return generic
    if (model_field.concrete and not model_field.is_relation and model_field.attname == source[0]
            and type(field).get_attribute is serializers.Field.get_attribute):
        return name, field, attrgetter(source[0]), field.to_representation
    return generic


def _keys_attr(name: str) -> str:
    return f"_{name}_prefetched_keys"


def prefetch_keys(name: str, queryset=None) -> Prefetch:
    """What an API list prefetches for a many-to-many it shows as keys (``tags``): the related rows' keys
    as a plain list on each row, which ``PlainReadMixin`` reads — Django's own prefetch builds a related
    manager and a queryset for every row of the page."""
    return Prefetch(name, queryset=queryset, to_attr=_keys_attr(name))


def _plain_key_field(field) -> bool:
    """A ``PrimaryKeyRelatedField`` (or a subclass that only narrows what it accepts) that shows the bare key."""
    kind = type(field)
    return (isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
            and kind.get_attribute is relations.RelatedField.get_attribute
            and kind.to_representation is relations.PrimaryKeyRelatedField.to_representation
            and kind.use_pk_only_optimization is relations.PrimaryKeyRelatedField.use_pk_only_optimization)


def _as_is(value):
    return value
