"""``guanxi import FILE --target contacts --mapping NAME | --map column=field …``: import a CSV or XLSX file.

Runs in the foreground with a progress bar (``--background`` queues it as a job instead), prints
the counts, and writes the error report next to the file (``FILE.errors.csv``) when rows failed.
``--resume BATCH`` continues an interrupted batch from its checkpoint; ``--undo BATCH`` undoes one.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from guanxi.framework.services import field_errors
from guanxi.quality import selectors, services
from guanxi.quality.choices import ImportKey, ImportMode, ImportTarget
from guanxi.quality.importer.runner import run_batch, undo_batch
from guanxi.quality.jobs import summary
from guanxi.quality.models import ImportBatch


def progress_bar(stream):
    def show(done: int, total: int | None) -> None:
        if total:
            filled = int(30 * done / total)
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {int(100 * done / total)}%")
        else:
            stream.write(f"\r{done}")
        stream.flush()

    return show


class Command(BaseCommand):
    help = "Import a CSV or XLSX file into accounts or contacts (or resume / undo an import batch)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the CSV or XLSX file")
        parser.add_argument("--target", choices=ImportTarget.values, default=ImportTarget.CONTACTS)
        parser.add_argument("--user", required=True, help="user name the import runs as (owner of new records)")
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD", help="map one column (repeat)")
        parser.add_argument("--mode", choices=ImportMode.values, help="create (default), update or skip")
        parser.add_argument("--key", choices=ImportKey.values, help="what update and skip match existing records by")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--background", action="store_true", help="queue the import as a background job")
        parser.add_argument("--resume", type=int, metavar="BATCH", help="continue an interrupted batch")
        parser.add_argument("--undo", type=int, metavar="BATCH", help="undo a batch")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['user']!r}")
        show = progress_bar(sys.stderr)
        try:
            if options["undo"] or options["resume"]:
                return self._existing(user, options, show)
            batch = self._new_batch(user, options)
            if options["background"]:
                job = services.batch_start(batch=batch, acting_user=user)
                self.stdout.write(f"batch {batch.pk} queued as job {job.pk}")
                return
            batch = run_batch(batch, on_progress=show)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{f}: {' '.join(r)}" for f, r in field_errors(exc).items())) from None
        sys.stderr.write("\n")
        self._report(batch, options["file"])

    def _new_batch(self, user, options):
        if not options["file"]:
            raise CommandError("name the file to import")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        with path.open("rb") as handle:
            batch = services.batch_upload(acting_user=user, file=File(handle, name=path.name), target=options["target"])
        mapping, mode, key = dict(batch.mapping), ImportMode.CREATE, ""
        if options["mapping"]:
            saved = selectors.mappings_for(user=user, target=batch.target).filter(name=options["mapping"]).first()
            if saved is None:
                raise CommandError(f"no saved {batch.target} mapping named {options['mapping']!r}")
            mapping, mode, key = dict(saved.columns), saved.mode, saved.key
        if options["map"]:
            if not options["mapping"]:
                mapping = {}
            for pair in options["map"]:
                column, sep, field = pair.partition("=")
                if not sep:
                    raise CommandError(f"--map wants COLUMN=FIELD, not {pair!r}")
                mapping[column.strip()] = field.strip()
        services.batch_configure(batch=batch, acting_user=user, mapping=mapping, mode=options["mode"] or mode,
                                 key=options["key"] or key, dry_run=options["dry_run"])
        self.stdout.write(f"batch {batch.pk}: {batch.filename} ({batch.encoding or 'xlsx'}) -> {batch.target}; "
                          + ", ".join(f"{c} -> {f}" for c, f in mapping.items()))
        batch.refresh_from_db()
        return batch

    def _existing(self, user, options, show):
        pk = options["undo"] or options["resume"]
        batch = ImportBatch.objects.visible_to(user).filter(pk=pk).first()
        if batch is None:
            raise CommandError(f"no import batch {pk} that {user.username} can see")
        if options["undo"]:
            if not services.can_undo(batch):
                raise CommandError("only a finished or interrupted import can be undone")
            done = undo_batch(batch, user, on_progress=show)
            sys.stderr.write("\n")
            self.stdout.write(f"batch {batch.pk}: {done} records undone")
            return
        if not services.can_resume(batch):
            raise CommandError("only an interrupted import can be resumed")
        batch = run_batch(batch, on_progress=show)
        sys.stderr.write("\n")
        self._report(batch, batch.filename)

    def _report(self, batch, file):
        self.stdout.write(f"batch {batch.pk}: {summary(batch)}")
        if batch.error_count:
            target = Path(f"{file}.errors.csv")
            with target.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(["row", "field", "reason"])
                for error in batch.row_errors.order_by("row_number", "id"):
                    writer.writerow([error.row_number, error.field, error.reason])
            self.stdout.write(f"errors written to {target}")
