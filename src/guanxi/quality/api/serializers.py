"""Serializers of the import API: they check shape; the services check meaning."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import ImportKey, ImportMode, ImportTarget
from ..models import DedupeRun, DuplicatePair, ImportBatch, ImportMapping, ImportRowError, MergeRecord


class ImportBatchSerializer(serializers.ModelSerializer):
    owner = serializers.StringRelatedField()
    job = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "target", "filename", "encoding", "columns", "mapping", "mode", "key", "dry_run", "status", "owner", "job",
            "total_rows", "processed_rows", "created_count", "updated_count", "skipped_count", "error_count",
            "created_at", "finished_at", "undone_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8, GBK or GB18030) or XLSX; the first row names the columns."))
    target = serializers.ChoiceField(choices=ImportTarget.choices)


class ImportStartSerializer(serializers.Serializer):
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                    help_text=_("column -> field; left out: the mapping guessed from the headers"))
    saved_mapping = serializers.CharField(required=False, help_text=_("name of a saved mapping to use"))
    mode = serializers.ChoiceField(choices=ImportMode.choices, required=False)
    key = serializers.ChoiceField(choices=ImportKey.choices, required=False, allow_blank=True)
    dry_run = serializers.BooleanField(default=False)


class ImportRowErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["row_number", "field", "reason"]


class ImportMappingSerializer(serializers.ModelSerializer):
    owner = serializers.StringRelatedField()

    class Meta:
        model = ImportMapping
        fields = ["id", "name", "target", "columns", "mode", "key", "shared", "owner"]
        read_only_fields = ["id", "owner"]


class DuplicateCheckSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=[("account", _("account")), ("contact", _("contact"))], default="account")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phones = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    emails = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    exclude_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text=_("the record being edited, left out of the answer"))
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=50)


class DuplicateSerializer(serializers.Serializer):
    party = serializers.CharField()
    id = serializers.IntegerField(source="record.pk")
    name = serializers.CharField(source="record.name")
    owner = serializers.CharField(source="record.owner")
    url = serializers.CharField()
    score = serializers.IntegerField(help_text=_("0-100: 100 is the same phone or e-mail"))
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicateCheckResultSerializer(serializers.Serializer):
    results = DuplicateSerializer(many=True)


class MergeRecordSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = MergeRecord
        fields = ["id", "party", "survivor_id", "merged_id", "survivor_name", "merged_name", "survivor_changes", "repointed",
                  "actor", "created_at", "undone_at", "steps"]
        read_only_fields = fields

    steps = serializers.SerializerMethodField(help_text=_("every record merged (a merge of three or more records has one step each)"))

    def get_steps(self, record) -> list[dict]:
        from ..services import merge_steps

        return [{"id": s.pk, "merged_id": s.merged_id, "merged_name": s.merged_name, "repointed": len(s.repointed)} for s in merge_steps(record)]


class MergeRequestSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=[("account", _("account")), ("contact", _("contact"))])
    survivor = serializers.IntegerField(help_text=_("id of the record that stays"))
    merged = serializers.IntegerField(required=False, help_text=_("id of the record merged into it (and deleted)"))
    merged_ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=9,
                                       help_text=_("ids of several records merged into it at once (instead of merged)"))
    values = serializers.DictField(child=serializers.IntegerField(), required=False, default=dict,
                                   help_text=_("field -> id of the record whose value to keep, overriding the rule"))
    rule = serializers.ChoiceField(choices=[("most_complete", _("most complete")), ("most_recent", _("most recent")), ("source_priority", _("source priority"))], default="most_complete")
    fields = serializers.DictField(child=serializers.ChoiceField(choices=[("survivor", _("survivor")), ("merged", _("merged"))]),
                                   required=False, default=dict, help_text=_("field -> whose value to keep, overriding the rule (two records)"))

    def validate(self, data):
        ids = list(data.get("merged_ids") or []) + ([data["merged"]] if "merged" in data else [])
        if not ids:
            raise serializers.ValidationError({"merged": _("Name the record (merged) or records (merged_ids) to merge.")})
        data["merged_ids"] = list(dict.fromkeys(ids))
        return data


class DuplicatePairSerializer(serializers.ModelSerializer):
    left_name = serializers.CharField(source="left.name", read_only=True)
    right_name = serializers.CharField(source="right.name", read_only=True)

    class Meta:
        model = DuplicatePair
        fields = ["id", "party", "left_id", "left_name", "right_id", "right_name", "probability", "cluster", "status", "run"]
        read_only_fields = fields


class DedupeStartSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=[("account", _("account")), ("contact", _("contact"))])
    threshold = serializers.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.9"))


class DedupeRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = DedupeRun
        fields = ["id", "party", "threshold", "job", "records", "pairs", "created_at", "finished_at"]
        read_only_fields = fields


class BulkAcceptSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=[("account", _("account")), ("contact", _("contact"))])
    min_probability = serializers.DecimalField(max_digits=5, decimal_places=4)
