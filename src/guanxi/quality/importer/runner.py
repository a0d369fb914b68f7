"""Running an import batch in committed chunks with a checkpoint.

Each chunk of rows is written in one transaction together with the batch's checkpoint (rows
processed), its counters, its row errors and the records it wrote. A crash loses at most the
chunk in progress, which rolled back as a whole; a resumed run starts after the checkpoint, so
no row is written twice. A bad row is reported and skipped, the good rows around it land. A dry
run does the same work and rolls every chunk's writes back, keeping only the report.

New records are written by the bulk path (:mod:`.bulk`: set-wise duplicate lookups, bulk inserts,
the services' normalization and derived keys computed in Python). Rows that update an existing
record go through the customers services (``account_update``, ``phone_add`` …) one by one, each in
its own savepoint, as every row did before the bulk path; so does a whole chunk should the
database refuse one of the bulk path's inserts. The audit rows say ``import`` and name the batch.

On PostgreSQL, outside a transaction of the caller, chunk *n + 1* is worked out while a writer thread
writes chunk *n* (:func:`_run_pipelined`), with the same guarantees."""

from __future__ import annotations

import contextvars
import copy
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, Address, Contact, EmailAddress, PhoneNumber
from guanxi.framework.context import Source, change_source
from guanxi.framework.services import field_errors
from guanxi.framework.text import InvalidPhone, pinyin_keys, tidy

from ..choices import BatchStatus, ImportKey, ImportMode, ImportTarget, RecordAction
from .. import matching
from ..models import ImportBatch, ImportedRecord, ImportRowError
from ..normalizers import parse_address
from ..normalizers.email import validate_email
from ..normalizers.phone import to_e164
from . import bulk
from .fields import PARTY, convert, field_map
from .reading import Table

#: rows per committed chunk (the checkpoint moves by this much)
CHUNK_ROWS = 2000
#: chunks between refreshes of the match-key table's planner statistics (see ``bulk.refresh_key_statistics``)
ANALYZE_EVERY = 25
#: write chunks through the bulk path (``bulk.py``); False runs every row through the services
BULK = True
#: on PostgreSQL, work out the next chunk while this one is written (:func:`_run_pipelined`)
PIPELINE = True
#: seconds a thread holds Python's lock while another waits for it, during a pipelined import
#: (Python's default, 5 ms, keeps the writer thread from the rows it sends for that long each time the
#: server has read what it had: measured, 100,000 rows: 4,250 rows/s at 5 ms, 5,100–5,200 at 0.1 ms)
SWITCH_INTERVAL = 0.0001
#: a service's field name -> the import field it came from
SERVICE_FIELDS = {"number": "phone"}
MODELS = {"account": Account, "contact": Contact, "phonenumber": PhoneNumber, "emailaddress": EmailAddress,
          "address": Address, "accountcontact": AccountContact}


class _DryRun(Exception):
    pass


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    records: list[ImportedRecord] = field(default_factory=list)
    error_rows: int = 0


class RowWriter:
    """Turns one row into service calls for the batch's target, mode and key."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.user = batch.owner
        self.fields = field_map(batch.target)
        self.columns = {f: col for col, f in batch.mapping.items()}
        self.model = Account if batch.target == ImportTarget.ACCOUNTS else Contact
        self._users: dict[str, object] = {}
        self._accounts: dict[str, Account | None] = {}
        self._account_ids: dict[int, Account | None] = {}
        self._choices: dict[tuple[str, str], object] = {}
        #: the region of numbers written without a country code (read once: ``settings`` is a lazy object,
        #: each attribute read through it costs a few microseconds, a row at a time)
        self.region = settings.GUANXI_DEFAULT_REGION
        #: accounts that this import has linked contacts to (the bulk path's first link is the primary one)
        self.linked_accounts: set[int] = set()
        #: whether the bulk path checks its references itself, the foreign-key triggers off (``bulk.checks_by_locks``)
        self.checks_by_locks: bool | None = None

    def forget(self) -> None:
        """Drop the accounts looked up and the accounts this import linked (the chunk that used them
        was rolled back or redone): the database says again."""
        self._accounts.clear()
        self._account_ids = {}
        self.linked_accounts.clear()

    def fresh(self) -> RowWriter:
        """The same writer with nothing looked up yet (accounts and users read again from the database)."""
        other = copy.copy(self)
        other._users, other._accounts, other._account_ids = {}, {}, {}
        return other

    # --- reading a row ------------------------------------------------------------------------

    def values(self, header: list[str], cells: list[str]) -> dict[str, str]:
        out = {}
        for index, column in enumerate(header):
            name = self.batch.mapping.get(column)
            if name and index < len(cells) and cells[index].strip():
                out[name] = cells[index].strip()
        return out

    def _user(self, name: str):
        key = name.casefold()
        if key not in self._users:
            self._users[key] = get_user_model().objects.filter(username__iexact=name, is_active=True).first()
        return self._users[key]

    def converted(self, raw: dict[str, str]) -> dict[str, object]:
        out, errors = {}, {}
        for name, text in raw.items():
            spec = self.fields[name]
            if spec.kind == "user":
                user = self._user(text)
                if user is None:
                    errors[name] = [_("There is no active user “%(name)s”.") % {"name": text}]
                out[name] = user
                continue
            if spec.kind == "choice" and (name, text) in self._choices:  # a few distinct values, many rows
                out[name] = self._choices[name, text]
                continue
            try:
                out[name] = convert(spec, text, {})
            except ValidationError as exc:
                errors.update(field_errors(exc))
                continue
            if spec.kind == "choice":
                self._choices[name, text] = out[name]
        if errors:
            raise ValidationError(errors)
        return out

    # --- finding what a row matches -----------------------------------------------------------

    def existing(self, values: dict[str, object]):
        key = self.batch.key
        visible = self.model.objects.visible_to(self.user)
        party = "account_id" if self.model is Account else "contact_id"
        if key == ImportKey.ID:
            if "id" not in values:
                return None
            return visible.filter(pk=values["id"]).first()
        if key == ImportKey.PHONE and values.get("phone"):
            number = self._phone(values["phone"])
            ids = PhoneNumber.objects.filter(number=number).exclude(**{party: None}).values(party)
            return visible.filter(pk__in=ids).order_by("pk").first()
        if key == ImportKey.EMAIL and values.get("email"):
            ids = EmailAddress.objects.filter(email=tidy(values["email"]).lower()).exclude(**{party: None}).values(party)
            return visible.filter(pk__in=ids).order_by("pk").first()
        if key == ImportKey.NAME and values.get("name"):
            name = tidy(values["name"])
            return visible.filter(name_pinyin=pinyin_keys(name)[0][:400], name=name).order_by("pk").first()
        return None

    def _phone(self, raw: str) -> str:
        try:
            return to_e164(raw, self.region)
        except InvalidPhone:
            raise ValidationError({"phone": _("“%(number)s” is not a valid phone number.") % {"number": raw}}) from None

    def account_for(self, values: dict[str, object]) -> Account | None:
        visible = Account.objects.visible_to(self.user)
        if values.get("account_id") is not None:
            account = visible.filter(pk=values["account_id"]).first()
            if account is None:
                raise ValidationError({"account_id": _("No account with ID %(id)s that you can see.") % {"id": values["account_id"]}})
            return account
        name = tidy(values.get("account") or "")
        if not name:
            return None
        if name not in self._accounts:
            self._accounts[name] = visible.filter(name_pinyin=pinyin_keys(name)[0][:400], name=name).order_by("pk").first()
        if self._accounts[name] is None:
            raise ValidationError({"account": _("No account named “%(name)s” that you can see.") % {"name": name}})
        return self._accounts[name]

    # --- writing ------------------------------------------------------------------------------

    def write(self, number: int, raw: dict[str, str], outcome: ChunkOutcome) -> None:
        values = self.converted(raw)
        if "phone" in values:
            values["phone"] = self._phone(values["phone"])
        found = None if self.batch.mode == ImportMode.CREATE else self.existing(values)
        if found is not None and self.batch.mode == ImportMode.SKIP:
            outcome.skipped += 1
            return
        self.apply(number, values, outcome, found)

    def apply(self, number: int, values: dict[str, object], outcome: ChunkOutcome, found) -> None:
        """Write a converted row: update ``found``, or create a record when it is None."""
        party_data = {k: v for k, v in values.items() if self.fields[k].role == PARTY}
        records: list[ImportedRecord] = []
        if found is None:
            party = self._create(values, party_data, records)
        else:
            party = found
            self._update(party, values, party_data, records)
        self._children(party, values, records, new=found is None)
        # counted only once the whole row is written: a failure above rolls the row back
        if found is None:
            outcome.created += 1
        else:
            outcome.updated += 1
        for record in records:
            record.row_number = number
        outcome.records.extend(records)

    def _track(self, records, obj, action, changes=None) -> None:
        records.append(ImportedRecord(
            batch=self.batch, row_number=0, model=obj._meta.model_name, object_id=obj.pk, action=action, changes=changes or {},
        ))

    def _create(self, values, party_data, records):
        if not party_data.get("name") and not (party_data.get("family_name") or party_data.get("given_name")):
            raise ValidationError({"name": _("A name is needed to create a record.")})
        if self.model is Account:
            party = customers.account_create(acting_user=self.user, **party_data)
        else:
            account = self.account_for(values)
            party = customers.contact_create(acting_user=self.user, account=account, role=values.get("role", ""), **party_data)
        self._track(records, party, RecordAction.CREATED)
        return party

    def _update(self, party, values, party_data, records):
        if self.model is Account:
            changes = customers.account_update(account=party, acting_user=self.user, **party_data)
        else:
            changes = customers.contact_update(contact=party, acting_user=self.user, **party_data)
            account = self.account_for(values)
            if account is not None and not party.account_links.filter(account=account).exists():
                link = customers.contact_link(contact=party, account=account, role=values.get("role", ""), acting_user=self.user)
                self._track(records, link, RecordAction.CREATED)
        if changes:
            self._track(records, party, RecordAction.UPDATED, {k: v for k, v in changes.items() if k != "tags"})

    def _children(self, party, values, records, new: bool) -> None:
        if values.get("phone") and (new or not party.phonenumber_set.filter(number=values["phone"]).exists()):
            self._track(records, customers.phone_add(party=party, acting_user=self.user, number=values["phone"]), RecordAction.CREATED)
        email = validate_email(values["email"]).lower() if values.get("email") else ""
        if email and (new or not party.emailaddress_set.filter(email=email).exists()):
            self._track(records, customers.email_add(party=party, acting_user=self.user, email=email), RecordAction.CREATED)
        address = {k: values[k] for k in ("province", "city", "district", "street", "postal_code") if values.get(k)}
        if values.get("address"):
            parsed = parse_address(values["address"])
            parts = {"province": parsed.province, "city": parsed.city, "district": parsed.district, "street": parsed.street}
            address = {**{k: v for k, v in parts.items() if v}, **address}  # a column of its own wins
        if address and (new or not party.address_set.filter(**address).exists()):
            self._track(records, customers.address_add(party=party, acting_user=self.user, **address), RecordAction.CREATED)


def _errors_for(batch: ImportBatch, number: int, exc: ValidationError, writer: RowWriter) -> list[ImportRowError]:
    out = []
    for name, reasons in field_errors(exc).items():
        name = SERVICE_FIELDS.get(name, name)
        column = writer.columns.get(name)
        spec = writer.fields.get(name)
        field_label = str(spec.label) if spec else ("" if name == "__all__" else name)
        label = f"{column} ({field_label})" if column else field_label
        for reason in reasons:
            out.append(ImportRowError(batch=batch, row_number=number, field=label[:100], reason=reason[:500]))
    return out


def _chunk(batch: ImportBatch, writer: RowWriter, header: list[str], rows) -> ChunkOutcome:
    outcome = ChunkOutcome()
    with matching.deferred():  # the chunk's records are re-keyed once each, inside the chunk's transaction
        for number, cells in rows:
            raw = writer.values(header, cells)
            try:
                with transaction.atomic():
                    writer.write(number, raw, outcome)
            except ValidationError as exc:
                outcome.errors.extend(_errors_for(batch, number, exc, writer))
                outcome.error_rows += 1
    return outcome


def run_batch(batch: ImportBatch, on_progress: Callable[[int, int | None], None] | None = None) -> ImportBatch:
    """Import ``batch`` from its checkpoint to the end of the file."""
    with batch.file.open("rb") as handle:
        table = Table(handle, batch.filename, batch.encoding or None)
        if batch.total_rows is None:
            batch.total_rows = table.count()
        ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, total_rows=batch.total_rows)
        writer = RowWriter(batch)
        header = batch.columns
        rows = iter(table.rows(batch.processed_rows))
        if on_progress:
            on_progress(batch.processed_rows, batch.total_rows)
        done = 0

        def after_chunk() -> None:
            nonlocal done
            done += 1
            if batch.mode != ImportMode.CREATE and (done == 1 or done % ANALYZE_EVERY == 0):
                bulk.refresh_key_statistics()
            if on_progress:
                on_progress(batch.processed_rows, batch.total_rows)

        try:
            with change_source(Source.IMPORT, detail=f"batch {batch.pk} {batch.filename}"[:200]):
                if pipelined(batch):
                    _run_pipelined(batch, writer, header, rows, after_chunk)
                else:
                    while chunk := list(islice(rows, CHUNK_ROWS)):
                        _commit_chunk(batch, writer, header, chunk)
                        after_chunk()
        except BaseException:
            ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
            raise
    batch.processed_rows = batch.total_rows
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status, finished_at=batch.finished_at, processed_rows=batch.processed_rows)
    batch.refresh_from_db()
    return batch


def _bulk_chunk(batch: ImportBatch, writer: RowWriter, header: list[str], rows) -> ChunkOutcome:
    """The chunk through the bulk path; should the database refuse one of its inserts (a constraint
    the Python checks did not foresee), the chunk is redone row by row, each row in its savepoint."""
    outcome = ChunkOutcome()
    try:
        with transaction.atomic():
            bulk.write_chunk(batch, writer, header, rows, outcome, _errors_for)
    except DatabaseError:
        writer.forget()
        return _chunk(batch, writer, header, rows)
    return outcome


def _commit_chunk(batch: ImportBatch, writer: RowWriter, header: list[str], chunk) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                outcome = _bulk_chunk(batch, writer, header, chunk) if BULK else _chunk(batch, writer, header, chunk)
                if batch.dry_run:
                    raise _DryRun(outcome)
        except _DryRun as dry:
            outcome = dry.args[0]
            outcome.records = []
            writer.forget()  # what this chunk created was rolled back
        _checkpoint(batch, chunk, outcome)


def _checkpoint(batch: ImportBatch, chunk, outcome: ChunkOutcome) -> None:
    """The chunk's row errors, its records and the batch's counters and checkpoint, in the chunk's transaction."""
    ImportRowError.objects.bulk_create(outcome.errors)
    ImportedRecord.objects.bulk_create(outcome.records)
    checkpoint = chunk[-1][0] - 1  # data rows of the file up to and including the chunk's last
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed_rows=checkpoint, created_count=F("created_count") + outcome.created,
        updated_count=F("updated_count") + outcome.updated, skipped_count=F("skipped_count") + outcome.skipped,
        error_count=F("error_count") + outcome.error_rows,
    )
    batch.processed_rows = checkpoint


# --- the pipeline: the next chunk worked out while this one is written ------------------------

def pipelined(batch: ImportBatch) -> bool:
    """Whether ``batch`` runs through the pipeline (:func:`_run_pipelined`): on PostgreSQL, for a real
    run (a dry run rolls each chunk back, so the next one cannot build on it), and only when the caller
    is not inside a transaction: the writer thread has a connection of its own, which would not see
    what the caller has not committed, and the caller's transaction would not hold the chunks."""
    return (PIPELINE and BULK and not batch.dry_run and connection.vendor == "postgresql"
            and not connection.in_atomic_block)


def _run_pipelined(batch: ImportBatch, writer: RowWriter, header: list[str], rows, after_chunk: Callable[[], None]) -> None:
    """Write the chunks in a thread of their own while this one works out the next chunk.

    A chunk's plan (:func:`.bulk.plan_chunk`: reading, normalizing, checking, matching and building
    its rows, which is Python's work) needs nothing but reads; writing it (``COPY``, the updates, the
    commit with its foreign-key checks) is mostly PostgreSQL's work, during which the writer thread
    waits with Python's lock released. So the importer and its database backend work at the same
    time, each on a core, instead of taking turns. Order and the guarantees stay those of the
    sequential run: one chunk is written at a time, in file order, each in one transaction with its
    checkpoint; the plan of chunk *n + 1* is handed over only once chunk *n* has committed. What it
    cannot see yet is the chunk being written: its new records' keys come with its plan
    (``recent``), so a row matching one of them is a duplicate as it would be after the commit.
    Should that chunk be refused and redone row by row (its records are then not those planned), the
    next chunk is worked out again once it has committed."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="guanxi-import-writer")
    in_flight: Future | None = None
    recent: dict[tuple[str, str], int] = {}
    _short_switches(+1)
    try:
        while chunk := list(islice(rows, CHUNK_ROWS)):
            outcome = ChunkOutcome()
            plan = bulk.plan_chunk(batch, writer, header, chunk, outcome, _errors_for, recent=recent)
            bulk.encode(plan)  # formatting the rows is Python's work too: here, not in the writer thread
            if in_flight is not None:
                as_planned = in_flight.result()
                in_flight = None
                after_chunk()
                if not as_planned:  # what was looked up may be stale; the committed links say which accounts have one
                    writer.forget()
                    outcome = ChunkOutcome()
                    plan = bulk.plan_chunk(batch, writer, header, chunk, outcome, _errors_for)
                    bulk.encode(plan)
            recent = plan.keys
            # the writes are the import's: the thread runs them with this thread's context (change source)
            in_flight = pool.submit(contextvars.copy_context().run, _write_planned, batch, writer, header, chunk, plan, outcome)
        if in_flight is not None:
            in_flight.result()
            in_flight = None
            after_chunk()
    finally:
        if in_flight is not None:  # this thread failed: let the chunk being written finish (or fail) first
            wait([in_flight])
        pool.submit(_close_connection)  # the writer thread's own connection
        pool.shutdown(wait=True)
        _short_switches(-1)


_switches = {"imports": 0, "saved": None}
_switches_lock = threading.Lock()


def _short_switches(change: int) -> None:
    """``SWITCH_INTERVAL`` while at least one pipelined import runs in this process; the interval it
    had before once none does (two imports in the threads of one worker must not undo each other's)."""
    with _switches_lock:
        if change > 0 and _switches["imports"] == 0:
            _switches["saved"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_switches["saved"], SWITCH_INTERVAL))
        _switches["imports"] += change
        if change < 0 and _switches["imports"] == 0:
            sys.setswitchinterval(_switches["saved"])


def _close_connection() -> None:
    connection.close()  # looked up in the calling thread: that thread's own connection


def _write_planned(batch: ImportBatch, writer: RowWriter, header: list[str], chunk, plan, outcome: ChunkOutcome) -> bool:
    """Write a planned chunk with its checkpoint in one transaction (in the writer thread). False when
    the database refused the plan and the chunk was redone row by row, as :func:`_bulk_chunk` does."""
    as_planned = True
    with transaction.atomic():
        try:
            with transaction.atomic():
                bulk.write_plan(plan, writer, batch, outcome, _errors_for)
        except DatabaseError:
            as_planned = False
            # what the plan looked up may be what the database refused (an account deleted since): the
            # rows look everything up again; the caches are the planning thread's, so not cleared here
            outcome = _chunk(batch, writer.fresh(), header, chunk)
        _checkpoint(batch, chunk, outcome)
    return as_planned


# --- undo -------------------------------------------------------------------------------------

def undo_batch(batch: ImportBatch, acting_user, on_progress: Callable[[int, int | None], None] | None = None) -> int:
    """Remove what ``batch`` created and restore what it updated, newest first, a chunk of records in
    each transaction (:func:`_undo_chunk`). Returns records handled."""
    records = list(batch.records.order_by("-row_number", "-id"))
    done = 0
    with change_source(Source.IMPORT, detail=f"undo batch {batch.pk} {batch.filename}"[:200]):
        for start in range(0, len(records), CHUNK_ROWS):
            chunk = records[start:start + CHUNK_ROWS]
            with transaction.atomic(), matching.deferred():  # each touched record re-keyed once, set-wise
                _undo_chunk(chunk, acting_user)
            done += len(chunk)
            if on_progress:
                on_progress(done, len(records))
        with transaction.atomic():
            batch.records.all().delete()
            ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.UNDONE, undone_at=timezone.now())
    return done


#: the models whose created records an undo deletes set-wise (``customers.parties_delete``)
PARTIES = ("account", "contact")


def _undo_chunk(records: list[ImportedRecord], acting_user) -> None:
    """Undo ``records`` in their order (newest first). Consecutive created accounts (or contacts), as a
    bulk import records them, are deleted together: their audit rows in one statement and one
    ``QuerySet.delete()`` for their related rows, a few dozen statements for the whole run instead of
    a few dozen each. Every other record (an update, a link or a child added to an existing record) is
    undone through its service, one at a time, as before."""
    run: list[ImportedRecord] = []

    def delete_run() -> None:
        # the records that are still there (one may have been deleted by hand, or with a party of this batch)
        parties = MODELS[run[0].model].objects.filter(pk__in=[record.object_id for record in run]).order_by("-pk")
        customers.parties_delete(parties=list(parties), acting_user=acting_user)
        run.clear()

    for record in records:
        deletes_party = record.action == RecordAction.CREATED and record.model in PARTIES
        if run and not (deletes_party and record.model == run[0].model):
            delete_run()
        if deletes_party:
            run.append(record)
        else:
            _undo_record(record, acting_user)
    if run:
        delete_run()


def _undo_record(record: ImportedRecord, acting_user) -> None:
    model = MODELS[record.model]
    obj = model.objects.filter(pk=record.object_id).first()
    if obj is None:  # already gone (deleted by hand, or with a party this batch created)
        return
    if record.action == RecordAction.UPDATED:
        data = {name: values[0] for name, values in record.changes.items()}
        if model is Account:
            customers.account_update(account=obj, acting_user=acting_user, **data)
        else:
            customers.contact_update(contact=obj, acting_user=acting_user, **data)
    elif model is Account:
        customers.account_delete(account=obj, acting_user=acting_user)
    elif model is Contact:
        customers.contact_delete(contact=obj, acting_user=acting_user)
    elif model is AccountContact:
        customers.contact_unlink(link=obj, acting_user=acting_user)
    else:
        customers.child_delete(record=obj, acting_user=acting_user)
