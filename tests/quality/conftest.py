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


def run_queued(django_capture_on_commit_callbacks, start):
    """Call ``start()`` (which queues a job) and run the job the way a worker would."""
    with django_capture_on_commit_callbacks(execute=False):
        job = start()
    jobs.run_job.call(job.pk)
    job.refresh_from_db()
    return job


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
