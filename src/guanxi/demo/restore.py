"""Take indexes, foreign keys and full-text triggers away for a bulk load, and put them back after.

:func:`take_away` runs inside the load's transaction: it records each object in
:class:`~guanxi.demo.models.PendingRestore` and drops it. :func:`put_back` runs after the commit and
restores the recorded objects, each in its own transaction with the deletion of its record, so an
interrupted run leaves a list the next run finishes. On PostgreSQL the indexes are built by several
connections at once (the slow full-text GIN indexes first); inside an enclosing transaction (tests)
everything is restored in order on the one connection.
"""

from __future__ import annotations

import queue
import threading
import time

from django.db import connection, transaction
from django.utils.translation import gettext as _

from .choices import RestoreKind
from .models import PendingRestore
from .writers import BulkWriter, Say

ORDER = (RestoreKind.INDEX, RestoreKind.FOREIGN_KEY, RestoreKind.FULL_TEXT, RestoreKind.TRIGGER)


def take_away(writer: BulkWriter, say: Say) -> None:
    found = writer.structures()
    PendingRestore.objects.bulk_create(
        PendingRestore(kind=s.kind, table=s.table, name=s.name, statement=s.restore) for s in found
    )
    with writer.connection.cursor() as cursor:
        for structure in found:
            if structure.drop:
                cursor.execute(structure.drop)
    kinds = {kind: sum(s.kind == kind for s in found) for kind in ORDER}
    say(_("Set aside for the load: %(indexes)d indexes, %(keys)d foreign keys, %(triggers)d triggers.") % {
        "indexes": kinds[RestoreKind.INDEX], "keys": kinds[RestoreKind.FOREIGN_KEY], "triggers": kinds[RestoreKind.TRIGGER],
    })


def put_back(writer: BulkWriter, say: Say, sizes: dict[str, int] | None = None) -> None:
    """Restore every pending object; ``sizes`` (rows per table) orders the index builds, largest first."""
    pending = list(PendingRestore.objects.all())
    sizes = sizes or {}
    progress = _Progress(len(pending), say)
    for kind in ORDER:
        items = [p for p in pending if p.kind == kind]
        if kind == RestoreKind.INDEX:
            # GIN (full-text) builds are the slowest and cannot use parallel workers: start them first.
            items.sort(key=lambda p: ("USING gin" not in p.statement, -sizes.get(p.table, 0), p.name))
        threads = writer.restore_threads if kind == RestoreKind.INDEX and not connection.in_atomic_block else 1
        if threads > 1 and len(items) > 1:
            _in_parallel(writer, items, threads, progress)
        else:
            for item in items:
                _restore(writer, item, progress)


def _restore(writer: BulkWriter, item: PendingRestore, progress: "_Progress") -> None:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:  # the connection of the calling thread
        writer.prepare_restore(cursor)
        cursor.execute(item.statement)
        PendingRestore.objects.filter(pk=item.pk).delete()
    progress.done(item, time.monotonic() - started)


def _in_parallel(writer: BulkWriter, items: list[PendingRestore], threads: int, progress: "_Progress") -> None:
    work: queue.Queue = queue.Queue()
    for item in items:
        work.put(item)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while not errors:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                _restore(writer, item, progress)
        except BaseException as exc:  # raised again in the calling thread
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, name=f"demo-restore-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]


class _Progress:
    def __init__(self, total: int, say: Say):
        self.total, self.say, self.count, self.lock = total, say, 0, threading.Lock()

    def done(self, item: PendingRestore, seconds: float) -> None:
        with self.lock:
            self.count += 1
            self.say(_("%(number)d/%(total)d %(kind)s %(name)s restored in %(seconds).1f s.") % {
                "number": self.count, "total": self.total, "kind": item.get_kind_display(), "name": item.name,
                "seconds": seconds,
            })
