"""The bulk import path: same records as the services, duplicates in the file, set-wise queries, undo."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import AccountContact, Address, Contact, EmailAddress, PhoneNumber, TimelineEvent
from guanxi.quality import services
from guanxi.quality.importer import runner
from guanxi.quality.models import MatchKey

from .conftest import run_queued

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "邮箱", "公司", "职位", "地址"]
FIELDS = ("name", "family_name", "given_name", "name_pinyin", "name_initials", "search_text", "title", "primary_phone",
          "primary_email", "primary_account_id", "owner_id")


def _snapshot(contact: Contact) -> dict:
    link = contact.account_links.get()
    return {
        "contact": {k: getattr(contact, k) for k in FIELDS},
        "phones": list(contact.phonenumber_set.values_list("number", "kind", "is_primary")),
        "emails": list(contact.emailaddress_set.values_list("email", "kind", "is_primary")),
        "addresses": list(contact.address_set.values_list("province", "city", "district", "street", "is_primary")),
        "link": (link.account_id, link.role, link.is_primary, link.account_owner_id, link.account_territory_id,
                 link.contact_pinyin, link.contact_initials),
        "keys": sorted(MatchKey.objects.filter(party="contact", object_id=contact.pk).values_list("kind", "value")),
    }


def test_bulk_path_writes_what_the_row_by_row_path_writes(org, import_file, monkeypatch):
    account = customers.account_create(acting_user=org.rep, name="空壳公司")  # no contact yet: the first becomes main
    rows = [HEADER, ["王 五", "139 0000 1111", "WANG@Example.com", "空壳公司", "采购经理", "上海市徐汇区漕溪北路88号"]]
    bulk_batch = import_file(org.rep, rows, name="bulk.csv")
    bulk_contact = Contact.objects.get(pk=bulk_batch.records.get(model="contact").object_id)
    bulk, bulk_pk = _snapshot(bulk_contact), bulk_contact.pk
    # the same row again, row by row through the services, after the first is gone
    customers.contact_delete(contact=bulk_contact, acting_user=org.rep)
    monkeypatch.setattr(runner, "BULK", False)
    service_batch = import_file(org.rep, rows, name="services.csv")
    by_services = _snapshot(Contact.objects.get(pk=service_batch.records.get(model="contact").object_id))
    assert bulk == by_services
    assert bulk["link"][:3] == (account.pk, "", True)
    assert bulk["link"][5:] == ("wangwu", "ww")  # the contact's name keys, for the search by name start
    assert bulk["addresses"] == [("上海市", "上海市", "徐汇区", "漕溪北路88号", True)]
    assert ("phone", "+8613900001111") in bulk["keys"] and ("email", "wang@example.com") in bulk["keys"]
    # one audit row for the created contact (source import, naming the batch), its children listed in it
    entry = AuditEntry.objects.get(content_type__model="contact", object_id=str(bulk_pk), action="create")
    assert entry.source == "import" and f"batch {bulk_batch.pk}" in entry.source_detail
    assert entry.changes["name"] == [None, "王 五"] and "phonenumber" in entry.changes and "emailaddress" in entry.changes
    assert TimelineEvent.objects.filter(account=account, kind="contact.linked", data__name="王 五").count() == 2


def test_bad_rows_are_reported_while_good_rows_land_in_one_chunk(org, import_file):
    rows = [HEADER, ["好人", "13900003333", "", "张三科技有限公司", "", ""], ["坏号码", "12345", "", "", "", ""],
            ["太长" * 60, "", "", "", "", ""], ["坏邮箱", "", "not-an-email", "", "", ""],
            ["没客户", "", "", "不存在公司", "", ""], ["看不见的客户", "", "", "北方重工股份有限公司", "", ""],
            ["好人二", "13900004444", "", "", "", ""]]
    batch = import_file(org.rep, rows)
    assert (batch.created_count, batch.error_count) == (2, 5)
    errors = {(e.row_number, e.field.split(" (")[0]) for e in batch.row_errors.all()}
    assert errors == {(3, "手机"), (4, "姓名"), (5, "邮箱"), (6, "公司"), (7, "公司")}
    assert set(Contact.objects.filter(pk__in=batch.records.values("object_id")).values_list("name", flat=True)) == {"好人", "好人二"}
    assert not PhoneNumber.objects.filter(number="+8612345").exists()


@pytest.mark.parametrize("chunk", [2000, 2], ids=["one chunk", "across chunks"])
def test_duplicates_within_the_file_are_skipped(org, import_file, monkeypatch, chunk):
    monkeypatch.setattr(runner, "CHUNK_ROWS", chunk)
    customers.phone_add(party=org.rep_contact, acting_user=org.rep, number="13911110000")
    rows = [HEADER, ["新人", "13900005555", "", "", "", ""], ["张三", "139-1111-0000", "", "", "", ""],
            ["新人重复", "+86 139 0000 5555", "", "", "", ""], ["另一个", "13900006666", "", "", "", ""],
            ["新人第三次", "13900005555", "", "", "", ""]]
    batch = import_file(org.rep, rows, mode="skip", key="phone")
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (2, 3, 0)
    assert PhoneNumber.objects.filter(number="+8613900005555").count() == 1
    assert not Contact.objects.filter(name__in=["新人重复", "新人第三次"]).exists()


def test_duplicates_within_the_file_update_the_record_the_first_row_created(org, import_file):
    rows = [["name", "email", "title"], ["赵六", "zl@example.com", "工程师"], ["赵六", "ZL@example.com", "总工程师"]]
    batch = import_file(org.rep, rows, mode="update", key="email", mapping={"name": "name", "email": "email", "title": "title"})
    assert (batch.created_count, batch.updated_count) == (1, 1)
    contact = Contact.objects.get(name="赵六")
    assert contact.title == "总工程师" and contact.emailaddress_set.count() == 1
    assert batch.records.get(action="updated").changes["title"] == ["工程师", "总工程师"]


def test_skip_by_key_only_sees_visible_records(org, import_file):
    customers.phone_add(party=org.other_contact, acting_user=org.other, number="13977778888")  # outside the rep's scope
    batch = import_file(org.rep, [HEADER, ["李四", "13977778888", "", "", "", ""]], mode="skip", key="phone")
    assert (batch.created_count, batch.skipped_count) == (1, 0)


def _contacts(n: int, start: int = 0) -> list[list[str]]:
    return [HEADER] + [[f"批量{i:05d}", f"137{i:08d}", f"p{i}@example.com", "张三科技有限公司", "工程师", "浙江省杭州市西湖区文三路1号"]
                       for i in range(start, start + n)]


def test_queries_per_chunk_do_not_grow_with_its_rows(org, django_capture_on_commit_callbacks):
    from guanxi.quality.importer.runner import RowWriter, _commit_chunk
    from guanxi.quality.importer.reading import Table

    from .conftest import upload

    counts = []
    for n, start in ((5, 0), (10, 100), (40, 200)):  # the first warms the per-process caches (content types)
        batch = upload(org.rep, _contacts(n, start))
        services.batch_configure(batch=batch, acting_user=org.rep, mapping=batch.mapping, mode="skip", key="phone")
        batch.refresh_from_db()
        with batch.file.open("rb") as handle:
            chunk = list(Table(handle, batch.filename, batch.encoding).rows())
        with CaptureQueriesContext(connection) as queries:
            _commit_chunk(batch, RowWriter(batch), batch.columns, chunk)
        # SQLite splits a long INSERT at its parameter limit; no other statement may grow with the rows
        # (an executemany of a chunk's rows is logged once, as "N times: INSERT …")
        counts.append(sum(1 for q in queries.captured_queries if not re.match(r"(\d+ times: )?INSERT", q["sql"])))
        assert Contact.objects.filter(name__startswith=f"批量{start // 100:03d}").count() == n
    # PostgreSQL: one more to ask whether the references may be checked set-wise (once a run), two a chunk
    # for it (the references locked with the triggers turned off, then on again; see bulk.checks_by_locks)
    assert counts[1] == counts[2] and counts[1] <= 14 + (3 if connection.vendor == "postgresql" else 0)


def test_undo_of_a_bulk_batch_removes_everything_it_created(org, import_file, django_capture_on_commit_callbacks):
    links_before = AccountContact.objects.count()
    batch = import_file(org.rep, _contacts(12))
    assert batch.created_count == 12 and batch.records.count() == 12
    ids = list(batch.records.values_list("object_id", flat=True))
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_undo(batch=batch, acting_user=org.rep))
    assert job.status == "done", job.error
    assert not Contact.objects.filter(pk__in=ids).exists()
    assert not PhoneNumber.objects.filter(contact_id__in=ids).exists()
    assert not EmailAddress.objects.filter(contact_id__in=ids).exists()
    assert not Address.objects.filter(contact_id__in=ids).exists()
    assert AccountContact.objects.count() == links_before
    assert not MatchKey.objects.filter(party="contact", object_id__in=ids).exists()
    assert AuditEntry.objects.filter(content_type__model="contact", object_id__in=[str(i) for i in ids], action="delete").count() == 12
