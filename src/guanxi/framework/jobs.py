"""Background jobs: a ``core.Job`` row per piece of long work, run by a task, with live progress.

    job = jobs.start(user=request.user, kind="export", title="Export accounts", params={...})

enqueues the task registered for ``kind`` (``@jobs.handler("export")``) through the Tasks API
after the transaction commits. The handler receives the job and a :class:`Progress` to report
to; the UI polls the job's page, and ``guanxi jobs`` shows the same numbers on the command line.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Callable

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .context import Source, change_source

log = logging.getLogger(__name__)
_handlers: dict[str, Callable] = {}
#: called with the job once it is done or failed (core registers the user's notification)
on_finished: list[Callable] = []


def handler(kind: str):
    def register(function: Callable) -> Callable:
        _handlers[kind] = function
        return function

    return register


class Progress:
    """Throttled progress writes: at most one UPDATE every half second."""

    def __init__(self, job, every: float = 0.5):
        self.job = job
        self.every = every
        self._last = 0.0

    def set_total(self, total: int | None) -> None:
        self.job.total = total
        type(self.job).objects.filter(pk=self.job.pk).update(total=total)

    def advance(self, done: int, message: str = "", force: bool = False) -> None:
        self.job.progress = done
        now = time.monotonic()
        if force or now - self._last >= self.every:
            self._last = now
            fields = {"progress": done}
            if message:
                fields["message"] = message[:300]
            type(self.job).objects.filter(pk=self.job.pk).update(**fields)


    def attach(self, name: str, handle) -> None:
        """Store ``handle`` as the job's result file (downloaded from the job's page)."""
        from django.core.files import File

        stored = self.job.result_file.storage.save(f"jobs/{self.job.pk}/{name}", File(handle))
        self.job.result_file.name = stored
        type(self.job).objects.filter(pk=self.job.pk).update(result_file=stored)


def start(*, user, kind: str, title: str, params: dict | None = None):
    if kind not in _handlers:
        raise KeyError(f"no job handler for {kind!r}")
    Job = apps.get_model("core", "Job")
    job = Job.objects.create(user=user, kind=kind, title=title[:200], params=params or {})
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


@task()
def run_job(job_id: int) -> None:
    Job = apps.get_model("core", "Job")
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.finished:
        return
    Job.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    progress = Progress(job)
    try:
        with change_source(Source.JOB, detail=f"job {job.pk} {job.kind}"):
            message = _handlers[job.kind](job, progress) or ""
    except Exception as exc:  # the job records any failure; the worker goes on
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status="failed", finished_at=timezone.now(), error="".join(traceback.format_exception_only(exc))[:5000],
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status="done", finished_at=timezone.now(), progress=job.progress, message=str(message)[:300],
        )
    job.refresh_from_db()
    for callback in on_finished:
        callback(job)
