"""The pipelined import (PostgreSQL): the next chunk worked out while the writer thread writes this one.

These tests commit for real (``transaction=True``): the writer thread has a connection of its own, which
would not see what a test's transaction holds, so inside one the import runs sequentially. On SQLite
the import always runs sequentially; the same tests then check that the results are the same."""

from __future__ import annotations

import sys
import threading

import pytest
from django.db import IntegrityError, connection

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, Contact, PhoneNumber, TimelineEvent
from guanxi.quality import services
from guanxi.quality.importer import runner
from guanxi.quality.models import ImportedRecord, MatchKey

from .conftest import fail_insert, resume, run_queued, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def writers(monkeypatch):
    """The names of the threads that wrote each chunk through the bulk path."""
    names: list[str] = []
    real = runner._write_planned

    def spy(*args, **kwargs):
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_write_planned", spy)
    monkeypatch.setattr(runner, "CHUNK_ROWS", 10)
    return names


def _start(django_capture_on_commit_callbacks, user, rows, *, mode="skip", key="phone"):
    batch = upload(user, rows)
    services.batch_configure(batch=batch, acting_user=user, mapping=batch.mapping, mode=mode, key=key)
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=user))
    batch.refresh_from_db()
    return job, batch


def _expect_pipeline(writers: list[str], chunks: int) -> None:
    if connection.vendor == "postgresql":
        assert len(writers) == chunks and all(name.startswith("guanxi-import-writer") for name in writers)
    else:
        assert writers == []  # SQLite: one connection, written in turn


def test_pipelined_chunks_see_the_chunk_still_being_written(org, writers, django_capture_on_commit_callbacks):
    account = customers.account_create(acting_user=org.rep, name="流水线贸易有限公司")
    rows = [["姓名", "手机", "公司"]]
    for i in range(35):
        rows.append([f"流水{i:02d}", f"135{i:08d}", account.name if i in (0, 11, 22) else ""])
    rows[13][1] = rows[3][1]   # row 13 (chunk 2) repeats row 3's phone (chunk 1, maybe not committed yet)
    rows[15][1] = rows[14][1]  # row 15 repeats row 14 in the same chunk
    rows[30][1] = "12345"      # a bad phone
    job, batch = _start(django_capture_on_commit_callbacks, org.rep, rows)
    assert job.status == "done", job.error
    _expect_pipeline(writers, 4)
    assert (batch.created_count, batch.skipped_count, batch.error_count, batch.processed_rows) == (32, 2, 1, 35)
    contacts = Contact.objects.filter(name__startswith="流水")
    assert contacts.count() == 32
    assert not contacts.filter(name__in=["流水12", "流水14"]).exists()  # the skipped duplicates (file rows 13, 15)
    assert PhoneNumber.objects.filter(number__startswith="+86135").count() == 32
    assert MatchKey.objects.filter(party="contact", kind="phone", value__startswith="+86135").count() == 32
    # the account's first link is its primary one, though the next chunk was planned before it committed
    links = AccountContact.objects.filter(account=account).order_by("contact__name")
    assert [(link.contact.name, link.is_primary) for link in links] == [("流水00", True), ("流水11", False), ("流水22", False)]
    # the writer thread wrote as the import: its audit rows name the batch
    first = contacts.get(name="流水00")
    entry = AuditEntry.objects.get(content_type__model="contact", object_id=str(first.pk))
    assert (entry.source, entry.actor_id) == ("import", org.rep.pk) and f"batch {batch.pk}" in entry.source_detail
    assert ImportedRecord.objects.filter(batch=batch).count() == 32


def test_pipelined_accounts_with_their_territories_and_timeline(org, writers, django_capture_on_commit_callbacks):
    rows = [["名称", "地址", "电话"]]
    for i in range(15):
        rows.append([f"流水账户{i:02d}有限公司", "上海市徐汇区虹漕路1号" if i % 2 else "浙江省杭州市西湖区文三路1号", f"021-6{i:07d}"])
    rows[12][0] = rows[2][0]  # chunk 2 repeats chunk 1's third name
    batch = upload(org.rep, rows, target="accounts", name="a.csv")
    services.batch_configure(batch=batch, acting_user=org.rep, mapping=batch.mapping, mode="skip", key="name")
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=org.rep))
    assert job.status == "done", job.error
    batch.refresh_from_db()
    _expect_pipeline(writers, 2)
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (14, 1, 0)
    accounts = Account.objects.filter(name__startswith="流水账户")
    assert accounts.count() == 14
    assert {a.territory_id for a in accounts.filter(province="上海市")} == {org.shanghai.pk}
    assert set(accounts.filter(province="浙江省").values_list("territory_id", flat=True)) == {org.region.pk}
    assert TimelineEvent.objects.filter(account__in=accounts, kind="account.created").count() == 14
    assert AuditEntry.objects.filter(content_type__model="account", object_id__in=[str(a.pk) for a in accounts]).count() == 14


def test_a_crash_in_the_writer_thread_then_resume_without_duplicates(org, writers, monkeypatch, django_capture_on_commit_callbacks):
    rows = [["姓名", "手机"]] + [[f"断点{i:02d}", f"137{i:08d}"] for i in range(35)]
    restore_insert = fail_insert(monkeypatch, PhoneNumber, 3)  # the third chunk dies after its contacts were sent
    job, batch = _start(django_capture_on_commit_callbacks, org.rep, rows, mode="create", key="")
    assert job.status == "failed" and "worker killed" in job.error
    assert (batch.status, batch.processed_rows) == ("failed", 20)
    assert Contact.objects.filter(name__startswith="断点").count() == 20
    _expect_pipeline(writers, 3)

    restore_insert()
    batch = resume(django_capture_on_commit_callbacks, batch, org.rep)
    assert (batch.created_count, batch.processed_rows) == (35, 35)
    assert Contact.objects.filter(name__startswith="断点").count() == 35
    assert PhoneNumber.objects.filter(number__startswith="+86137").count() == 35


def test_the_chunk_after_one_redone_row_by_row_is_worked_out_again(org, writers, monkeypatch, django_capture_on_commit_callbacks):
    """Chunk 1 is refused and redone through the services, so its contacts get other ids than planned;
    chunk 2, planned meanwhile, updates one of them: it must find the record that was really written."""
    rows = [["姓名", "手机", "职位"]] + [[f"重做{i:02d}", f"139{i:08d}", ""] for i in range(15)]
    rows[12] = ["重做03", rows[4][1], "经理"]  # chunk 2 updates row 4's contact (chunk 1) by phone
    fail_insert(monkeypatch, PhoneNumber, 1, IntegrityError("refused"))
    job, batch = _start(django_capture_on_commit_callbacks, org.rep, rows, mode="update", key="phone")
    assert job.status == "done", job.error
    _expect_pipeline(writers, 2)
    assert (batch.created_count, batch.updated_count, batch.error_count) == (14, 1, 0)
    matching = Contact.objects.filter(phonenumber_set__number=f"+86{rows[4][1]}")
    assert [(c.name, c.title) for c in matching] == [("重做03", "经理")]
    assert Contact.objects.filter(name__startswith="重做").count() == 14


def test_the_switch_interval_is_short_while_any_pipelined_import_runs():
    before = sys.getswitchinterval()
    runner._short_switches(+1)
    runner._short_switches(+1)  # a second import in another thread of the worker
    short = pytest.approx(min(before, runner.SWITCH_INTERVAL))  # kept in microseconds
    assert sys.getswitchinterval() == short
    runner._short_switches(-1)  # the first one ends: the other still runs
    assert sys.getswitchinterval() == short
    runner._short_switches(-1)
    assert sys.getswitchinterval() == pytest.approx(before)
