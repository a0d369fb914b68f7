"""Fixtures of the data-quality tests: files to import, batches run the way the job runs them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.framework import jobs
from guanxi.quality import services


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(user, rows, *, target="contacts", name="contacts.csv", encoding="utf-8"):
    file = SimpleUploadedFile(name, csv_bytes(rows, encoding) if isinstance(rows, list) else rows)
    return services.batch_upload(acting_user=user, file=file, target=target)


def fail_insert(monkeypatch, model, nth: int, error: Exception | None = None):
    """Make the bulk path's ``nth`` write of ``model``'s rows raise ``error`` (by default a crash:
    ``RuntimeError("worker killed")``); returns a function that puts the real write back."""
    from guanxi.quality.importer import bulk

    real, calls = bulk._insert, {"n": 0}

    def insert(written, rows):
        if written is model:
            calls["n"] += 1
            if calls["n"] == nth:
                raise error or RuntimeError("worker killed")
        return real(written, rows)

    monkeypatch.setattr(bulk, "_insert", insert)
    return lambda: monkeypatch.setattr(bulk, "_insert", real)


def run_queued(django_capture_on_commit_callbacks, start):
    """Call ``start()`` (which queues a job) and run the job the way a worker would."""
    with django_capture_on_commit_callbacks(execute=False):
        job = start()
    jobs.run_job.call(job.pk)
    job.refresh_from_db()
    return job


def resume(django_capture_on_commit_callbacks, batch, user):
    """Resume ``batch`` through its job, which must finish; returns the batch as it is then."""
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_resume(batch=batch, acting_user=user))
    assert job.status == "done", job.error
    batch.refresh_from_db()
    return batch


@pytest.fixture
def import_file(django_capture_on_commit_callbacks):
    """Upload ``rows``, map them, run the import through its job; returns the finished batch."""

    def make(user, rows, *, mapping=None, target="contacts", mode="create", key="", dry_run=False, **kw):
        batch = upload(user, rows, target=target, **kw)
        services.batch_configure(batch=batch, acting_user=user, mapping=mapping or batch.mapping, mode=mode, key=key, dry_run=dry_run)
        job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=user))
        assert job.status == "done", job.error
        batch.refresh_from_db()
        return batch

    return make
