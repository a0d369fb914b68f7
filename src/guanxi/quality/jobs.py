"""Background jobs of the data-quality app: running and undoing import batches."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.framework import jobs

from .importer.runner import run_batch, undo_batch
from .models import ImportBatch


def _reporter(progress):
    def report(done: int, total: int | None) -> None:
        if total is not None and progress.job.total != total:
            progress.set_total(total)
        progress.advance(done)

    return report


@jobs.handler("quality_import")
def import_job(job, progress) -> str:
    batch = ImportBatch.objects.select_related("owner").get(pk=job.params["batch"])
    batch = run_batch(batch, on_progress=_reporter(progress))
    progress.advance(batch.processed_rows, force=True)
    return summary(batch)


@jobs.handler("quality_import_undo")
def undo_job(job, progress) -> str:
    batch = ImportBatch.objects.select_related("owner").get(pk=job.params["batch"])
    done = undo_batch(batch, job.user or batch.owner, on_progress=_reporter(progress))
    return _("%(count)d imported records undone.") % {"count": done}


def summary(batch: ImportBatch) -> str:
    wording = _("Dry run: %(created)d would be created, %(updated)d updated, %(skipped)d skipped, %(errors)d rows with errors.") \
        if batch.dry_run else _("%(created)d created, %(updated)d updated, %(skipped)d skipped, %(errors)d rows with errors.")
    return wording % {"created": batch.created_count, "updated": batch.updated_count, "skipped": batch.skipped_count, "errors": batch.error_count}


@jobs.handler("quality_dedupe")
def dedupe_job(job, progress) -> str:
    from . import services
    from .models import DedupeRun

    run = DedupeRun.objects.select_related("started_by").get(pk=job.params["run"])
    pairs = services.dedupe_run(run, on_progress=_reporter(progress))
    return _("%(pairs)d likely duplicate pairs are waiting for review.") % {"pairs": pairs}
