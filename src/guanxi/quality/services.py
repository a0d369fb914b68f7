"""Writes of the data-quality app: upload, configure, start, resume and undo import batches; saved mappings.

Keyword-only, ``acting_user``, atomic, validated (errors name the field), audited. The long work
runs as background jobs (``quality_import``, ``quality_import_undo``, see :mod:`.jobs`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.framework import jobs
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from .choices import BatchStatus, ImportKey, ImportMode, ImportTarget
from .importer.fields import KEYS, field_map, guess_mapping
from .importer.reading import Table, UnreadableFile
from . import matching, merging, selectors
from .choices import PairStatus
from .models import DedupeRun, DuplicatePair, ImportBatch, ImportMapping, MergeRecord

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: a batch "running" without progress for this long lost its worker and may be resumed
STALE_AFTER = datetime.timedelta(minutes=10)


@transaction.atomic
def batch_upload(*, acting_user, file, target: str) -> ImportBatch:
    """Store an uploaded CSV or XLSX file as a new batch, with its detected encoding and its columns."""
    if target not in ImportTarget.values:
        raise ValidationError({"target": _("Choose accounts or contacts.")})
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}})
    name = getattr(file, "name", "") or "import.csv"
    if not name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm")):
        raise ValidationError({"file": _("Upload a CSV or an Excel (.xlsx) file.")})
    try:
        file.seek(0)
        table = Table(file, name)
        columns = table.header()
    except (UnreadableFile, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError({"file": _("The file cannot be read: %(reason)s") % {"reason": exc}}) from None
    file.seek(0)
    batch = ImportBatch(
        target=target, file=file, filename=name.rsplit("/", 1)[-1][:255], encoding=table.encoding, columns=columns,
        mapping=guess_mapping(target, columns), owner=acting_user,
        key=KEYS[target][0],
    )
    return base.create(batch, acting_user=acting_user)


def preview(batch: ImportBatch, limit: int = 5) -> list[list[str]]:
    with batch.file.open("rb") as handle:
        return Table(handle, batch.filename, batch.encoding or None).preview(limit)


def _check_mapping(*, target: str, columns: list[str], mapping: dict[str, str], mode: str, key: str) -> dict[str, str]:
    fields = field_map(target)
    errors: dict[str, list[str]] = {}
    mapping = {col: name for col, name in mapping.items() if name}
    unknown_columns = [c for c in mapping if c not in columns]
    if unknown_columns:
        errors["mapping"] = [_("The file has no column %(columns)s.") % {"columns": ", ".join(f"“{c}”" for c in unknown_columns)}]
    unknown_fields = sorted({n for n in mapping.values() if n not in fields})
    if unknown_fields:
        errors.setdefault("mapping", []).append(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown_fields)})
    used = list(mapping.values())
    twice = sorted({n for n in used if used.count(n) > 1})
    if twice:
        errors.setdefault("mapping", []).append(_("Each field can take one column; used twice: %(fields)s.") % {"fields": ", ".join(twice)})
    if mode not in ImportMode.values:
        errors["mode"] = [_("Choose a mode.")]
    if mode != ImportMode.CREATE:
        if key not in KEYS.get(target, ()):
            errors["key"] = [_("Choose what to match existing records by.")]
        elif key not in used:
            errors["key"] = [_("Map a column to “%(field)s” to match by it.") % {"field": fields[key].label if key in fields else key}]
    if mode != ImportMode.UPDATE and "name" not in used and not {"family_name", "given_name"} & set(used):
        errors["mapping"] = errors.get("mapping", []) + [_("Map a column to the name: every new record needs one.")]
    if errors:
        raise ValidationError(errors)
    return mapping


@transaction.atomic
def batch_configure(*, batch: ImportBatch, acting_user, mapping: dict[str, str], mode: str, key: str = "", dry_run: bool = False) -> dict:
    if batch.status != BatchStatus.UPLOADED:
        raise ValidationError({"__all__": _("This import has already started.")})
    mapping = _check_mapping(target=batch.target, columns=batch.columns, mapping=mapping, mode=mode, key=key)
    return base.update(batch, acting_user=acting_user, data={
        "mapping": mapping, "mode": mode, "key": key if mode != ImportMode.CREATE else "", "dry_run": dry_run,
    })


def _enqueue(batch: ImportBatch, acting_user, *, kind: str, title: str):
    job = jobs.start(user=acting_user, kind=kind, title=title, params={"batch": batch.pk})
    ImportBatch.objects.filter(pk=batch.pk).update(job=job, status=BatchStatus.QUEUED)
    batch.job, batch.status = job, BatchStatus.QUEUED
    return job


@transaction.atomic
def batch_start(*, batch: ImportBatch, acting_user):
    """Queue a configured batch (or the real run after a dry run); returns the job."""
    if batch.in_progress:
        raise ValidationError({"__all__": _("This import is already running.")})
    if batch.status == BatchStatus.UNDONE:
        raise ValidationError({"__all__": _("This import was undone.")})
    if batch.status == BatchStatus.DONE and not batch.dry_run:
        raise ValidationError({"__all__": _("This import is finished.")})
    if batch.status == BatchStatus.DONE:  # after a dry run: the same file and mapping, for real now
        batch.row_errors.all().delete()
        base.update(batch, acting_user=acting_user, data={"dry_run": False})
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=0, created_count=0, updated_count=0, skipped_count=0, error_count=0, finished_at=None,
        )
        batch.refresh_from_db()
    title = (_("Dry run of %(file)s") if batch.dry_run else _("Import of %(file)s")) % {"file": batch.filename}
    return _enqueue(batch, acting_user, kind="quality_import", title=title)


def can_resume(batch: ImportBatch) -> bool:
    if batch.status == BatchStatus.FAILED:
        return True
    return batch.status == BatchStatus.RUNNING and timezone.now() - batch.updated_at > STALE_AFTER


@transaction.atomic
def batch_resume(*, batch: ImportBatch, acting_user):
    """Continue an interrupted batch from its checkpoint."""
    if not can_resume(batch):
        raise ValidationError({"__all__": _("Only an interrupted import can be resumed.")})
    return _enqueue(batch, acting_user, kind="quality_import", title=_("Resumed import of %(file)s") % {"file": batch.filename})


def can_undo(batch: ImportBatch) -> bool:
    return not batch.dry_run and batch.status in {BatchStatus.DONE, BatchStatus.FAILED}


@transaction.atomic
def batch_undo(*, batch: ImportBatch, acting_user):
    """Queue the undo of a whole batch: what it created is deleted, what it updated gets its old values back."""
    if not can_undo(batch):
        raise ValidationError({"__all__": _("Only a finished or interrupted import can be undone.")})
    base.update(batch, acting_user=acting_user, data={"status": BatchStatus.QUEUED})
    return _enqueue(batch, acting_user, kind="quality_import_undo", title=_("Undo of the import of %(file)s") % {"file": batch.filename})


# --- saved mappings -----------------------------------------------------------------------------

@transaction.atomic
def mapping_save(*, acting_user, name: str, target: str, columns: dict[str, str], mode: str = ImportMode.CREATE,
                 key: str = "", shared: bool = False) -> ImportMapping:
    """Save (or replace) the user's mapping of that name for ``target``."""
    name = tidy(name)
    if not name:
        raise ValidationError({"name": _("Give the mapping a name.")})
    fields = field_map(target) if target in ImportTarget.values else {}
    if not fields:
        raise ValidationError({"target": _("Choose accounts or contacts.")})
    bad = sorted({f for f in columns.values() if f and f not in fields})
    if bad:
        raise ValidationError({"columns": _("Unknown field: %(fields)s.") % {"fields": ", ".join(bad)}})
    columns = {str(col): f for col, f in columns.items() if f}
    data: dict[str, Any] = {"columns": columns, "mode": mode, "key": key if key in ImportKey.values else "", "shared": shared}
    existing = ImportMapping.objects.filter(owner=acting_user, target=target, name=name).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data=data)
        return existing
    return base.create(ImportMapping(owner=acting_user, target=target, name=name, **data), acting_user=acting_user)


@transaction.atomic
def mapping_delete(*, mapping: ImportMapping, acting_user) -> None:
    if mapping.owner_id != acting_user.pk and not acting_user.is_superuser:
        raise ValidationError({"__all__": _("Only its owner can delete a mapping.")})
    base.delete(mapping, acting_user=acting_user)


# --- merge --------------------------------------------------------------------------------------

def _party_services(party: str):
    from guanxi.customers import services as customers

    if party == "account":
        return lambda record, **data: customers.account_update(account=record, **data), \
            lambda record, **kw: customers.account_delete(account=record, **kw)
    return lambda record, **data: customers.contact_update(contact=record, **data), \
        lambda record, **kw: customers.contact_delete(contact=record, **kw)


def _refresh(party: str, record) -> None:
    """Derived keys of a party whose phones, e-mails or addresses moved (search text, primary phone, links)."""
    from guanxi.customers import services as customers

    customers.party_refresh(party=record)
    if party == "account":
        customers.account_links_sync(account=record)
    matching.refresh(party, record.pk)


@transaction.atomic
def merge_records(*, acting_user, party: str, survivor, merged, rule: str = "most_complete",
                  overrides: dict[str, str] | None = None, head: MergeRecord | None = None) -> MergeRecord:
    """Merge ``merged`` into ``survivor``: pick each field's value, move every related row, delete ``merged``.

    Both must be visible to ``acting_user``. The returned record undoes it (``merge_undo``).
    """
    model = merging.model_for(party)
    if party not in merging.MERGE_FIELDS:
        raise ValidationError({"party": _("Choose accounts or contacts.")})
    visible = model.objects.visible_to(acting_user)
    if not isinstance(survivor, model) or not isinstance(merged, model) or not visible.filter(pk__in=[survivor.pk, merged.pk]).count() == 2:
        raise ValidationError({"merged": _("Choose two records you can see.")})
    if survivor.pk == merged.pk:
        raise ValidationError({"merged": _("A record cannot be merged with itself.")})
    if rule not in merging.RULES:
        raise ValidationError({"rule": _("Choose a rule.")})
    update, delete = _party_services(party)
    survivor = model.objects.select_for_update().get(pk=survivor.pk)
    merged = model.objects.select_for_update().get(pk=merged.pk)
    values = merging.choose_values(party, survivor, merged, rule, overrides)
    record = MergeRecord(
        party=party, survivor_id=survivor.pk, merged_id=merged.pk, merged_name=merged.name[:200], survivor_name=survivor.name[:200],
        merged_values=merging.snapshot(merged), merged_tags=merging.tags_of(merged), actor=acting_user, head=head,
    )
    moved, removed = merging.repoint(survivor, merged)
    survivor_tags = set(merging.tags_of(survivor))
    added_tags = sorted(set(record.merged_tags) - survivor_tags)
    changes = update(survivor, acting_user=acting_user, tags=merging.tag_objects(survivor_tags | set(added_tags)), **values)
    delete(merged, acting_user=acting_user)
    survivor.refresh_from_db()
    _refresh(party, survivor)
    record.repointed, record.removed, record.added_tags = moved, removed, added_tags
    record.survivor_changes = {k: v for k, v in changes.items() if k != "tags"}
    record.survivor_name = survivor.name[:200]
    return base.create(record, acting_user=acting_user)


MAX_MERGE = 10


@transaction.atomic
def merge_many(*, acting_user, party: str, survivor, others, rule: str = "most_complete",
               values: dict[str, int] | None = None) -> MergeRecord:
    """Merge every record of ``others`` into ``survivor`` at once; returns the merge (its head step).

    ``values`` (field -> id of one of the records) overrides ``rule`` per field. All the records must be
    visible to ``acting_user``. Each merged record is one step (a :class:`MergeRecord` whose ``head`` is
    the first step), so the audit trail names every record, and ``merge_undo`` of the head undoes all.
    Open review-queue pairs among the records are marked merged; the others follow the survivor.
    """
    model = merging.model_for(party)
    if party not in merging.MERGE_FIELDS:
        raise ValidationError({"party": _("Choose accounts or contacts.")})
    others = list(others)
    ids = [survivor.pk, *(r.pk for r in others)]
    if not others:
        raise ValidationError({"merged": _("Choose at least one record to merge into the one you keep.")})
    if len(set(ids)) != len(ids):
        raise ValidationError({"merged": _("A record cannot be merged with itself.")})
    if len(ids) > MAX_MERGE:
        raise ValidationError({"merged": _("Merge at most %(count)d records at once.") % {"count": MAX_MERGE}})
    if not all(isinstance(r, model) for r in [survivor, *others]) or model.objects.visible_to(acting_user).filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"merged": _("Choose records you can see.")})
    if rule not in merging.RULES:
        raise ValidationError({"rule": _("Choose a rule.")})
    values = values or {}
    unknown = sorted(name for name in values if name not in merging.MERGE_FIELDS[party])
    if unknown:
        raise ValidationError({"values": _("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)}})
    foreign = sorted(name for name, pk in values.items() if pk not in ids)
    if foreign:
        raise ValidationError({"values": _("Take each value from one of the records being merged: %(fields)s.") % {"fields": ", ".join(foreign)}})
    locked = {r.pk: r for r in model.objects.select_for_update().filter(pk__in=ids)}
    survivor, others = locked[survivor.pk], [locked[pk] for pk in ids[1:]]
    sources = merging.pick_sources(party, survivor, others, rule, values)
    # the step that hands the survivor another owner goes last: until then every record stays in the user's sight
    others.sort(key=lambda r: r.pk == sources.get("owner"))
    head = None
    for merged in others:
        # the value chosen from this record is taken now; a value chosen from another record is kept
        # (the survivor already holds it, or takes it at that record's step)
        overrides = {name: "merged" if pk == merged.pk else "survivor" for name, pk in sources.items()}
        step = merge_records(acting_user=acting_user, party=party, survivor=survivor, merged=merged, rule=rule,
                             overrides=overrides, head=head)
        head = head or step
        _pairs_follow(party=party, survivor_id=survivor.pk, merged_id=merged.pk, merge=head, acting_user=acting_user)
    return head


def _pairs_follow(*, party: str, survivor_id: int, merged_id: int, merge: MergeRecord, acting_user) -> None:
    """After ``merged_id`` went into ``survivor_id``: their open pair is merged; the merged record's other
    open pairs now point at the survivor (or go, when the survivor already has that pair)."""
    low, high = sorted((survivor_id, merged_id))
    for pair in DuplicatePair.objects.filter(party=party, status=PairStatus.OPEN, left_id=low, right_id=high):
        base.update(pair, acting_user=acting_user, data={"status": PairStatus.MERGED, "decided_by": acting_user,
                                                         "decided_at": timezone.now(), "merge": merge})
    for other in DuplicatePair.objects.filter(party=party, status=PairStatus.OPEN).filter(Q(left_id=merged_id) | Q(right_id=merged_id)):
        a, b = (survivor_id if x == merged_id else x for x in (other.left_id, other.right_id))
        if a == b or DuplicatePair.objects.filter(party=party, left_id=min(a, b), right_id=max(a, b)).exclude(pk=other.pk).exists():
            other.delete()
        else:
            DuplicatePair.objects.filter(pk=other.pk).update(left_id=min(a, b), right_id=max(a, b))


def merge_steps(merge: MergeRecord) -> list[MergeRecord]:
    """The steps of a merge in the order they were made: the head, then its parts."""
    head = merge.head or merge
    return [head, *head.parts.order_by("id")]


@transaction.atomic
def merge_undo(*, merge: MergeRecord, acting_user) -> None:
    """Put the records back as they were: each merged one under its old id, every moved row, the survivor's
    values. A merge of several records is undone whole, last step first."""
    head = merge.head or merge
    if head.undone_at is not None:
        raise ValidationError({"__all__": _("This merge was undone already.")})
    for step in reversed(merge_steps(head)):
        _undo_step(step, acting_user)


def _undo_step(merge: MergeRecord, acting_user) -> None:
    if merge.undone_at is not None:
        raise ValidationError({"__all__": _("This merge was undone already.")})
    model = merging.model_for(merge.party)
    survivor = model.objects.select_for_update().filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise ValidationError({"__all__": _("The surviving record was deleted since; the merge cannot be undone.")})
    if model.objects.filter(pk=merge.merged_id).exists():
        raise ValidationError({"__all__": _("A record with the merged record's id exists.")})
    update, _delete = _party_services(merge.party)
    merged = merging.recreate(model, merge.merged_values)
    merged.tags.set(merging.tag_objects(merge.merged_tags))
    from guanxi.framework import audit

    audit.record(audit.CREATE, merged, acting_user=acting_user, changes={"merge_undone": [None, merge.pk]})
    merging.restore_rows(merged.pk, merge.repointed, merge.removed)
    old = {name: values[0] for name, values in merge.survivor_changes.items()}
    remaining_tags = set(merging.tags_of(survivor)) - set(merge.added_tags)
    update(survivor, acting_user=acting_user, tags=merging.tag_objects(remaining_tags), **old)
    survivor.refresh_from_db()
    _refresh(merge.party, survivor)
    _refresh(merge.party, merged)
    base.update(merge, acting_user=acting_user, data={"undone_at": timezone.now(), "undone_by": acting_user})


# --- batch dedupe and its review queue ----------------------------------------------------------

@transaction.atomic
def dedupe_start(*, acting_user, party: str, threshold: Decimal | float = Decimal("0.9")) -> DedupeRun:
    """Queue a dedupe of the accounts (or contacts) ``acting_user`` can see."""
    if party not in merging.MERGE_FIELDS:
        raise ValidationError({"party": _("Choose accounts or contacts.")})
    threshold = Decimal(str(threshold))
    if not Decimal("0.5") <= threshold < Decimal("1"):
        raise ValidationError({"threshold": _("The threshold is a probability from 0.5 to 0.999.")})
    run = base.create(DedupeRun(party=party, threshold=threshold, started_by=acting_user), acting_user=acting_user)
    job = jobs.start(user=acting_user, kind="quality_dedupe", title=_("Find duplicate %(records)s") % {
        "records": merging.model_for(party)._meta.verbose_name_plural}, params={"run": run.pk})
    DedupeRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run


def dedupe_run(run: DedupeRun, on_progress=None) -> int:
    """The job's work: compare the records, store the pairs at or above the threshold. Returns pairs stored."""
    from .dedupe import link

    user = run.started_by
    records = selectors.dedupe_records(user=user, party=run.party)
    if on_progress:
        on_progress(0, len(records))
    result = link(records, threshold=float(run.threshold))
    rejected = set(DuplicatePair.objects.filter(party=run.party, status=PairStatus.REJECTED).values_list("left_id", "right_id"))
    with transaction.atomic():
        # this run's answer replaces the open pairs of earlier runs among the same records
        stale = DuplicatePair.objects.filter(party=run.party, status=PairStatus.OPEN, run_id__lt=run.pk)
        # the records compared are those the starter can see; a subquery, not a list of up to a million ids
        compared = selectors.visible_records(user=user, party=run.party).values("pk")
        stale.filter(left_id__in=compared, right_id__in=compared).delete()
        pairs = []
        for left, right, probability in result.pairs:
            low, high = sorted((int(left), int(right)))
            if (low, high) in rejected:
                continue
            pairs.append(DuplicatePair(run=run, party=run.party, left_id=low, right_id=high,
                                       probability=Decimal(str(round(probability, 4))), cluster=result.clusters.get(left, "")[:40]))
        DuplicatePair.objects.bulk_create(pairs, batch_size=2000)
        DedupeRun.objects.filter(pk=run.pk).update(records=len(records), pairs=len(pairs), finished_at=timezone.now())
    if on_progress:
        on_progress(len(records), len(records))
    from .dashboard import take_snapshot

    take_snapshot()
    return len(pairs)


def _pair_records(pair: DuplicatePair, acting_user):
    visible = merging.model_for(pair.party).objects.visible_to(acting_user)
    found = {r.pk: r for r in visible.filter(pk__in=[pair.left_id, pair.right_id])}
    if len(found) != 2:
        raise ValidationError({"__all__": _("One of the two records is gone or out of your sight.")})
    return found[pair.left_id], found[pair.right_id]


@transaction.atomic
def pair_accept(*, pair: DuplicatePair, acting_user, rule: str = "most_complete") -> MergeRecord:
    """Merge the pair (the older record survives) and point the other open pairs of the merged record at the survivor."""
    if pair.status != PairStatus.OPEN:
        raise ValidationError({"__all__": _("This pair was decided already.")})
    survivor, merged = _pair_records(pair, acting_user)
    record = merge_records(acting_user=acting_user, party=pair.party, survivor=survivor, merged=merged, rule=rule)
    _pairs_follow(party=pair.party, survivor_id=survivor.pk, merged_id=merged.pk, merge=record, acting_user=acting_user)
    return record


@transaction.atomic
def pair_reject(*, pair: DuplicatePair, acting_user) -> None:
    if pair.status != PairStatus.OPEN:
        raise ValidationError({"__all__": _("This pair was decided already.")})
    _pair_records(pair, acting_user)
    base.update(pair, acting_user=acting_user, data={"status": PairStatus.REJECTED, "decided_by": acting_user, "decided_at": timezone.now()})


def pairs_bulk_accept(*, acting_user, party: str, min_probability: Decimal | float) -> int:
    """Merge every open pair the user can see at or above ``min_probability``, most likely first."""
    min_probability = Decimal(str(min_probability))
    if not Decimal("0.5") <= min_probability <= Decimal("1"):
        raise ValidationError({"min_probability": _("The threshold is a probability from 0.5 to 1.")})
    merged = 0
    for pk in list(selectors.open_pairs(user=acting_user, party=party).filter(probability__gte=min_probability).values_list("pk", flat=True)):
        pair = DuplicatePair.objects.filter(pk=pk, status=PairStatus.OPEN).first()
        if pair is None:  # re-pointed into a pair already merged, or dropped
            continue
        try:
            pair_accept(pair=pair, acting_user=acting_user)
        except ValidationError:
            continue
        merged += 1
    return merged
