"""Import endpoints: upload a file, start (or dry-run) it with a mapping, follow it, resume, undo, read its errors.

Batches are read through visibility (``visible_to``): the one who started it, managers of that
user's team, organisation-wide roles. Writes go through :mod:`guanxi.quality.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from guanxi.core.api.base import GuanxiViewSet
from guanxi.framework.api_plumbing import ModelPermissions

from .. import merging, selectors, services
from ..filters import ImportBatchFilterSet
from ..models import DedupeRun, DuplicatePair, ImportBatch, ImportMapping, MergeRecord
from . import serializers


class ImportBatchViewSet(GuanxiViewSet):
    queryset = ImportBatch.objects.all()
    serializer_class = serializers.ImportBatchSerializer
    filterset_class = ImportBatchFilterSet
    select_related = ("owner",)
    ordering_fields = {"created_at": "created_at"}
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def _writable(self, batch: ImportBatch) -> None:
        user = self.request.user
        entity = batch.target[:-1]
        if not (user.has_perm("quality.change_importbatch") and user.has_perm(f"customers.add_{entity}")
                and user.has_perm(f"customers.change_{entity}")):
            raise exceptions.PermissionDenied()

    @extend_schema(request=serializers.ImportUploadSerializer, responses={201: serializers.ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        """Upload a file; the answer has its columns and the mapping guessed from the headers."""
        upload = serializers.ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        if not request.user.has_perm(f"customers.add_{upload.validated_data['target'][:-1]}"):
            raise exceptions.PermissionDenied()
        batch = services.batch_upload(acting_user=request.user, **upload.validated_data)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ImportStartSerializer, responses={202: serializers.ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Map the columns and start the import (or its dry run) as a background job; after a dry run, run it for real."""
        batch = self.get_object()
        self._writable(batch)
        body = serializers.ImportStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            if batch.status == "uploaded":
                mapping, mode, key = dict(batch.mapping), data.get("mode", "create"), data.get("key", "")
                if data.get("saved_mapping"):
                    saved = selectors.mappings_for(user=request.user, target=batch.target).filter(name=data["saved_mapping"]).first()
                    if saved is None:
                        raise ValidationError({"saved_mapping": _("No saved mapping of that name.")})
                    mapping, mode, key = dict(saved.columns), data.get("mode", saved.mode), data.get("key", saved.key)
                if "mapping" in data:
                    mapping = data["mapping"]
                services.batch_configure(batch=batch, acting_user=request.user, mapping=mapping, mode=mode, key=key, dry_run=data["dry_run"])
            services.batch_start(batch=batch, acting_user=request.user)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: serializers.ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Continue an interrupted import from its checkpoint."""
        batch = self.get_object()
        self._writable(batch)
        services.batch_resume(batch=batch, acting_user=request.user)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: serializers.ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the whole batch: delete what it created, restore what it updated."""
        batch = self.get_object()
        self._writable(batch)
        services.batch_undo(batch=batch, acting_user=request.user)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: serializers.ImportRowErrorSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def errors(self, request, pk=None):
        """The rows that were not imported: row number, field, reason."""
        batch = self.get_object()
        page = self.paginate_queryset(batch.row_errors.order_by("row_number", "id"))
        return self.get_paginated_response(serializers.ImportRowErrorSerializer(page, many=True).data)


class ImportMappingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Saved column mappings: your own and the shared ones."""

    queryset = ImportMapping.objects.all()
    serializer_class = serializers.ImportMappingSerializer
    permission_classes = [ModelPermissions]

    def get_queryset(self):
        return selectors.mappings_for(user=self.request.user)


class DuplicateCheckView(GenericAPIView):
    """Likely duplicates of an account or contact being typed, among the records you can see."""

    serializer_class = serializers.DuplicateCheckSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=serializers.DuplicateCheckSerializer, responses={200: serializers.DuplicateCheckResultSerializer})
    def post(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if not request.user.has_perm(f"customers.view_{data['party']}"):
            raise exceptions.PermissionDenied()
        found = selectors.likely_duplicates(user=request.user, **data)
        return Response({"results": serializers.DuplicateSerializer(found, many=True).data})


class MergeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Merges of two or more accounts (or contacts): make one, list them, undo one (a whole merge at once)."""

    queryset = MergeRecord.objects.all()
    serializer_class = serializers.MergeRecordSerializer
    permission_classes = [ModelPermissions]

    def _may_merge(self, party: str) -> None:
        if not (self.request.user.has_perm(f"customers.change_{party}") and self.request.user.has_perm(f"customers.delete_{party}")):
            raise exceptions.PermissionDenied()

    def get_queryset(self):
        qs = selectors.merges_for(user=self.request.user).select_related("actor")
        return qs.filter(head__isnull=True) if self.action == "list" else qs

    @extend_schema(request=serializers.MergeRequestSerializer, responses={201: serializers.MergeRecordSerializer})
    def create(self, request):
        """Merge ``merged`` (or every record of ``merged_ids``) into ``survivor``; every related record of every
        app moves to the survivor. ``fields`` (survivor/merged) or ``values`` (field -> record id) override the rule."""
        body = serializers.MergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        self._may_merge(data["party"])
        model = merging.model_for(data["party"])
        ids = [data["survivor"], *data["merged_ids"]]
        found = {r.pk: r for r in model.objects.visible_to(request.user).filter(pk__in=ids)}
        if data["survivor"] not in found:
            raise ValidationError({"survivor": _("No such record that you can see.")})
        missing = [pk for pk in data["merged_ids"] if pk not in found]
        if missing:
            raise ValidationError({"merged_ids" if "merged" not in data or len(data["merged_ids"]) > 1 else "merged":
                                   _("No such record that you can see: %(ids)s.") % {"ids": ", ".join(map(str, missing))}})
        survivor, others = found[data["survivor"]], [found[pk] for pk in data["merged_ids"]]
        values = dict(data["values"])
        if len(others) == 1:  # the two-record form: survivor / merged per field
            sides = {"survivor": survivor.pk, "merged": others[0].pk}
            values = {**{name: sides[side] for name, side in data["fields"].items()}, **values}
        record = services.merge_many(acting_user=request.user, party=data["party"], survivor=survivor, others=others,
                                     rule=data["rule"], values=values)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: serializers.MergeRecordSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Split the records again: the merged one comes back under its id, with everything that moved."""
        record = self.get_object()
        self._may_merge(record.party)
        services.merge_undo(merge=record, acting_user=request.user)
        record.refresh_from_db()
        return Response(self.get_serializer(record).data)


class DuplicatePairViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The review queue: open pairs whose two records you can see (``?party=account|contact``), most likely first."""

    queryset = DuplicatePair.objects.all()
    serializer_class = serializers.DuplicatePairSerializer
    permission_classes = [ModelPermissions]

    def _party(self) -> str:
        return "contact" if self.request.query_params.get("party") == "contact" else "account"

    def get_queryset(self):
        party = self._party() if self.action == "list" else None
        if party is None:
            pk = self.kwargs.get("pk")
            pair = DuplicatePair.objects.filter(pk=pk).first() if pk and str(pk).isdigit() else None
            party = pair.party if pair else "account"
        return selectors.open_pairs(user=self.request.user, party=party)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        party = self._party() if self.action == "list" else None
        if page is not None and party:
            return selectors.with_records(page, user=self.request.user, party=party)
        return page

    def get_object(self):
        pair = super().get_object()
        return selectors.with_records([pair], user=self.request.user, party=pair.party)[0]

    def _may_merge(self, party):
        if not (self.request.user.has_perm(f"customers.change_{party}") and self.request.user.has_perm(f"customers.delete_{party}")
                and self.request.user.has_perm("quality.change_duplicatepair")):
            raise exceptions.PermissionDenied()

    @extend_schema(request=None, responses={200: serializers.MergeRecordSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Merge the pair: the older record survives."""
        pair = self.get_object()
        self._may_merge(pair.party)
        record = services.pair_accept(pair=pair, acting_user=request.user)
        return Response(serializers.MergeRecordSerializer(record).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Mark the pair as not duplicates; later runs leave it out."""
        pair = self.get_object()
        self._may_merge(pair.party)
        services.pair_reject(pair=pair, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=serializers.BulkAcceptSerializer, responses={200: {"type": "object", "properties": {"merged": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="bulk-accept")
    def bulk_accept(self, request):
        """Merge every open pair you can see at or above ``min_probability``."""
        body = serializers.BulkAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._may_merge(body.validated_data["party"])
        merged = services.pairs_bulk_accept(acting_user=request.user, **body.validated_data)
        return Response({"merged": merged})


class DedupeRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Batch dedupe runs you started; ``POST`` starts one as a background job."""

    queryset = DedupeRun.objects.all()
    serializer_class = serializers.DedupeRunSerializer
    permission_classes = [ModelPermissions]

    def get_queryset(self):
        return DedupeRun.objects.filter(started_by=self.request.user)

    @extend_schema(request=serializers.DedupeStartSerializer, responses={202: serializers.DedupeRunSerializer})
    def create(self, request):
        body = serializers.DedupeStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        party = body.validated_data["party"]
        if not (request.user.has_perm(f"customers.change_{party}") and request.user.has_perm(f"customers.delete_{party}")):
            raise exceptions.PermissionDenied()
        run = services.dedupe_start(acting_user=request.user, **body.validated_data)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)
