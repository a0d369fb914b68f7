"""Import batches, their saved column mappings, per-row errors and the records each batch wrote.

A batch keeps its file, its mapping and a checkpoint (rows processed): rows are committed in
chunks together with the checkpoint, so an interrupted import resumes where the last chunk ended
and never writes a row twice. Every record a batch creates or updates is tracked, so the whole
batch can be undone.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from .choices import BatchStatus, ImportKey, ImportMode, ImportTarget, PairStatus, RecordAction


class ImportMapping(BaseModel):
    """A named, reusable column mapping: spreadsheet column -> field of the target."""

    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("import into"), max_length=10, choices=ImportTarget.choices)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.CREATE)
    key = models.CharField(_("match by"), max_length=10, choices=ImportKey.choices, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="import_mappings")
    shared = models.BooleanField(_("shared with everyone"), default=False)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "target", "name"], name="import_mapping_unique_name")]
        indexes = [models.Index(fields=["target", "shared", "name"], name="import_mapping_shared_idx")]

    def __str__(self) -> str:
        return self.name


class ImportBatch(BusinessModel):
    """One file imported (or dry-run) into accounts or contacts."""

    target = models.CharField(_("import into"), max_length=10, choices=ImportTarget.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    columns = models.JSONField(_("columns in the file"), default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.CREATE)
    key = models.CharField(_("match by"), max_length=10, choices=ImportKey.choices, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="import_batches")
    job = models.ForeignKey("core.Job", verbose_name=_("background job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    #: the checkpoint: rows of the file handled and committed (a resumed run starts after them)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    audit_exclude = ("created_at", "updated_at", "processed_rows", "created_count", "updated_count", "skipped_count", "error_count")
    visibility_owner_field = "owner"

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="import_batch_recent_idx"),
            models.Index(fields=["owner", "-created_at"], name="import_batch_owner_idx"),
            models.Index(fields=["status", "-created_at"], name="import_batch_status_idx"),
            models.Index(fields=["target", "-created_at"], name="import_batch_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.filename

    def get_absolute_url(self) -> str:
        return reverse("quality:importbatch_detail", args=[self.pk])

    @property
    def percent(self) -> int | None:
        if not self.total_rows:
            return 100 if self.status == BatchStatus.DONE else None
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def in_progress(self) -> bool:
        return self.status in {BatchStatus.QUEUED, BatchStatus.RUNNING}


class ImportRowError(models.Model):
    """Why one row (or one field of it) was not imported."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"], name="import_error_batch_idx")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.field} {self.reason}"


class ImportedRecord(models.Model):
    """A record an import batch created or updated (with the old values), so the batch can be undone."""

    #: no index of its own: ``imported_record_batch_idx`` starts with it (one index less to keep up, a row each import row)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records", db_index=False)
    row_number = models.PositiveIntegerField(_("row"))
    model = models.CharField(_("model"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=10, choices=RecordAction.choices)
    #: for updates: {field: [old, new]} as the audit log recorded it
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"], name="imported_record_batch_idx")]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id}"


class MatchKey(models.Model):
    """One normalized key of an account or contact, kept in step by receivers (:mod:`.matching`).

    The duplicate check looks keys up by ``(kind, value)``, one index probe per key, so it stays
    fast at millions of records: a phone in E.164, an e-mail key (case-folded, ASCII domain), the
    folded name, its full pinyin, and for accounts the company name without its legal form.
    """

    party = models.CharField(_("record type"), max_length=10)  # "account" or "contact"
    object_id = models.PositiveBigIntegerField(_("record"))
    kind = models.CharField(_("key"), max_length=10)  # phone, email, name, pinyin, company
    value = models.CharField(_("value"), max_length=254)

    class Meta:
        verbose_name = _("match key")
        verbose_name_plural = _("match keys")
        indexes = [
            # object_id in the index: the duplicate check and the import's key lookups are index-only probes
            models.Index(fields=["kind", "value", "party", "object_id"], name="match_key_probe_idx"),
            models.Index(fields=["party", "object_id"], name="match_key_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.party}:{self.object_id} {self.kind}={self.value}"


class MergeRecord(BaseModel):
    """Two accounts (or two contacts) merged into one, with everything needed to undo it (one step of a
    merge of several records: see ``head``).

    ``repointed`` lists every related row moved from the merged record to the survivor as
    ``[model label, pk, field]``; ``removed`` keeps rows that could not move (a link the survivor
    already had) as ``[model label, {field: value}]``; ``merged_values`` is the merged record as it
    was, ``survivor_changes`` the survivor's fields as ``{field: [old, new]}``.
    """

    party = models.CharField(_("record type"), max_length=10)
    survivor_id = models.PositiveBigIntegerField(_("surviving record"))
    merged_id = models.PositiveBigIntegerField(_("merged record"))
    merged_name = models.CharField(_("merged record"), max_length=200)
    survivor_name = models.CharField(_("surviving record"), max_length=200)
    merged_values = models.JSONField(default=dict, blank=True)
    merged_tags = models.JSONField(default=list, blank=True)
    added_tags = models.JSONField(default=list, blank=True)
    survivor_changes = models.JSONField(default=dict, blank=True)
    repointed = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, on_delete=models.SET_NULL, related_name="+")
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("undone by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: a merge of three or more records is one step per merged record; the first step is the head and the
    #: others point at it, so the whole merge is listed, shown and undone as one
    head = models.ForeignKey("self", verbose_name=_("part of the merge"), null=True, blank=True, on_delete=models.CASCADE, related_name="parts")

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["party", "survivor_id"], name="merge_survivor_idx"),
            models.Index(fields=["party", "merged_id"], name="merge_merged_idx"),
            models.Index(fields=["-created_at", "-id"], name="merge_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor_name}"

    def get_absolute_url(self) -> str:
        return reverse("quality:merge_detail", args=[self.pk])


class DedupeRun(BaseModel):
    """One batch dedupe of the accounts or contacts its starter can see, run as a background job."""

    party = models.CharField(_("record type"), max_length=10)
    threshold = models.DecimalField(_("threshold"), max_digits=4, decimal_places=3, default=Decimal("0.900"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+")
    job = models.ForeignKey("core.Job", verbose_name=_("background job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    records = models.PositiveIntegerField(_("records compared"), default=0)
    pairs = models.PositiveIntegerField(_("pairs found"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("dedupe run")
        verbose_name_plural = _("dedupe runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="dedupe_run_recent_idx")]

    def __str__(self) -> str:
        return f"{self.party} {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else self.party


class DuplicatePair(BaseModel):
    """Two records a dedupe run thinks are one, waiting in the review queue (or decided)."""

    run = models.ForeignKey(DedupeRun, verbose_name=_("dedupe run"), on_delete=models.CASCADE, related_name="pair_set")
    party = models.CharField(_("record type"), max_length=10)
    left_id = models.PositiveBigIntegerField(_("record"))
    right_id = models.PositiveBigIntegerField(_("record"))
    probability = models.DecimalField(_("match probability"), max_digits=5, decimal_places=4)
    cluster = models.CharField(_("cluster"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    merge = models.ForeignKey(MergeRecord, verbose_name=_("merge"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("duplicate pair")
        verbose_name_plural = _("duplicate pairs")
        ordering = ["-probability", "id"]
        indexes = [
            models.Index(fields=["party", "status", "-probability"], name="dup_pair_queue_idx"),
            models.Index(fields=["party", "left_id", "right_id"], name="dup_pair_ids_idx"),
            models.Index(fields=["party", "right_id"], name="dup_pair_right_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.left_id} ~ {self.right_id} ({self.probability})"


class QualitySnapshot(models.Model):
    """The organisation's data-quality figures on one day, for the dashboard's trend."""

    day = models.DateField(_("day"), unique=True)
    figures = models.JSONField(default=dict)
    taken_at = models.DateTimeField(_("taken"), auto_now=True)

    class Meta:
        verbose_name = _("data-quality snapshot")
        verbose_name_plural = _("data-quality snapshots")
        ordering = ["-day"]

    def __str__(self) -> str:
        return self.day.isoformat()
