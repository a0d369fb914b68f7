"""An import that crashes mid-way resumes from its checkpoint without duplicates; any batch can be undone."""

from __future__ import annotations

import pytest

from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, Contact, EmailAddress, PhoneNumber
from guanxi.quality import services
from guanxi.quality.importer import runner

from .conftest import fail_insert, run_queued, upload

pytestmark = pytest.mark.django_db


def _rows(n: int) -> list[list[str]]:
    return [["姓名", "手机", "公司"]] + [[f"导入{i:03d}", f"139{i:08d}", "张三科技有限公司"] for i in range(n)]


@pytest.mark.parametrize("bulk_path", [True, False], ids=["bulk", "per-row"])
def test_crash_mid_import_then_resume_without_duplicates(org, monkeypatch, django_capture_on_commit_callbacks, bulk_path):
    monkeypatch.setattr(runner, "CHUNK_ROWS", 10)
    monkeypatch.setattr(runner, "BULK", bulk_path)
    batch = upload(org.rep, _rows(35))
    services.batch_configure(batch=batch, acting_user=org.rep, mapping=batch.mapping, mode="create")

    real_create = customers.contact_create
    calls = {"n": 0}

    def crashing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 25:  # the 25th row: the third chunk (rows 21-30) dies half-way
            raise RuntimeError("worker killed")
        return real_create(**kwargs)

    if bulk_path:  # the third chunk dies after its contacts were inserted, before their phones
        restore_insert = fail_insert(monkeypatch, PhoneNumber, 3)
    else:
        monkeypatch.setattr(customers, "contact_create", crashing_create)
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=org.rep))
    assert job.status == "failed" and "worker killed" in job.error
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.processed_rows == 20  # two chunks committed with their checkpoint
    assert Contact.objects.filter(name__startswith="导入").count() == 20
    assert batch.records.filter(model="contact").count() == 20

    monkeypatch.setattr(customers, "contact_create", real_create)
    if bulk_path:
        restore_insert()
    assert services.can_resume(batch)
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_resume(batch=batch, acting_user=org.rep))
    assert job.status == "done", job.error
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count) == ("done", 35, 35)
    names = list(Contact.objects.filter(name__startswith="导入").values_list("name", flat=True))
    assert len(names) == len(set(names)) == 35
    assert PhoneNumber.objects.filter(number__startswith="+86139").count() == 35


def test_undo_removes_created_and_restores_updated(org, import_file, django_capture_on_commit_callbacks):
    customers.email_add(party=org.rep_contact, acting_user=org.rep, email="zs@example.com")
    rows = [["name", "email", "title", "phone"], ["张三", "zs@example.com", "董事长", "13911112222"], ["新联系人", "new@example.com", "助理", ""]]
    batch = import_file(org.rep, rows, mode="update", key="email", mapping={"name": "name", "email": "email", "title": "title", "phone": "phone"})
    assert (batch.updated_count, batch.created_count) == (1, 1)
    org.rep_contact.refresh_from_db()
    assert org.rep_contact.title == "董事长" and org.rep_contact.primary_phone == "+8613911112222"

    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_undo(batch=batch, acting_user=org.rep))
    assert job.status == "done", job.error
    batch.refresh_from_db()
    assert batch.status == "undone" and not batch.records.exists()
    org.rep_contact.refresh_from_db()
    assert org.rep_contact.title == "总经理"
    assert org.rep_contact.primary_phone == ""  # the phone the import added is gone, the keys refreshed
    assert list(org.rep_contact.emailaddress_set.values_list("email", flat=True)) == ["zs@example.com"]
    assert not Contact.objects.filter(name="新联系人").exists()
    assert not EmailAddress.objects.filter(email="new@example.com").exists()
    with pytest.raises(Exception):
        services.batch_undo(batch=batch, acting_user=org.rep)


def test_undo_of_accounts_and_links(org, import_file, django_capture_on_commit_callbacks):
    accounts = import_file(org.rep, [["名称", "电话"], ["撤销公司", "021-62345679"]], target="accounts", name="a.csv")
    contacts = import_file(org.rep, [["姓名", "公司"], ["张三", "撤销公司"]], mode="update", key="name", mapping={"姓名": "name", "公司": "account"})
    assert contacts.updated_count == 1
    assert AccountContact.objects.filter(contact=org.rep_contact, account__name="撤销公司").exists()
    run_queued(django_capture_on_commit_callbacks, lambda: services.batch_undo(batch=contacts, acting_user=org.rep))
    assert not AccountContact.objects.filter(contact=org.rep_contact, account__name="撤销公司").exists()
    assert org.rep_contact.account_links.filter(account=org.rep_account).exists()
    run_queued(django_capture_on_commit_callbacks, lambda: services.batch_undo(batch=accounts, acting_user=org.rep))
    assert not Account.objects.filter(name="撤销公司").exists()


def test_cli_import_with_progress_and_error_report(org, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "people.csv"
    path.write_bytes("姓名,手机\n命令行,13922223333\n坏,1\n".encode("gbk"))
    call_command("import", str(path), "--target", "contacts", "--user", "rep", "--map", "姓名=name", "--map", "手机=phone")
    out = capsys.readouterr()
    assert "1 created" in out.out or "新建 1 条" in out.out
    assert "2/2 100%" in out.err
    assert Contact.objects.get(name="命令行").primary_phone == "+8613922223333"
    report = (tmp_path / "people.csv.errors.csv").read_text("utf-8-sig")
    assert "3,手机 (" in report


def test_cli_saved_mapping_and_undo(org, tmp_path, capsys):
    from django.core.management import call_command

    services.mapping_save(acting_user=org.rep, name="旧系统", target="contacts", columns={"客户姓名": "name", "移动电话": "phone"})
    path = tmp_path / "old.csv"
    path.write_text("客户姓名,移动电话\n旧系统人,13933334444\n", encoding="utf-8")
    call_command("import", str(path), "--user", "rep", "--mapping", "旧系统")
    batch = org.rep.import_batches.get()
    assert batch.created_count == 1
    call_command("import", "--user", "rep", "--undo", str(batch.pk))
    assert not Contact.objects.filter(name="旧系统人").exists()


def _undo_counted(batch, user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    records = batch.records.count()
    with CaptureQueriesContext(connection) as queries:
        assert runner.undo_batch(batch, user) == records
    assert not batch.records.exists()
    return len(queries)


def test_undo_of_a_bulk_import_deletes_set_wise(org, import_file):
    """The created contacts of a bulk import go with a few statements for all of them: each still gets its
    audit row, its phones, e-mails, addresses, links and match keys go with it, and the statements do
    not grow with the records."""
    from guanxi.core.models import AuditEntry
    from guanxi.customers.models import Address
    from guanxi.quality.models import MatchKey

    def rows(n, start):
        return [["姓名", "手机", "邮箱", "地址", "公司"]] + [
            [f"撤销{i:03d}", f"137{i:08d}", f"undo{i}@example.cn", "浙江省杭州市西湖区文三路1号", "张三科技有限公司"]
            for i in range(start, start + n)]

    small = import_file(org.rep, rows(3, 0), name="small.csv")
    large = import_file(org.rep, rows(12, 100), name="large.csv")
    assert (small.created_count, large.created_count) == (3, 12)
    ids = list(large.records.values_list("object_id", flat=True))
    assert MatchKey.objects.filter(party="contact", object_id__in=ids).count() == 12 * 4
    assert AccountContact.objects.filter(contact_id__in=ids).count() == 12

    assert _undo_counted(small, org.rep) == _undo_counted(large, org.rep)  # set-wise: as many for 12 as for 3

    assert not Contact.objects.filter(pk__in=ids).exists()
    for model in (PhoneNumber, EmailAddress, Address, AccountContact):
        assert not model.objects.filter(contact_id__in=ids).exists(), model
    assert not MatchKey.objects.filter(party="contact", object_id__in=ids).exists()
    deleted = AuditEntry.objects.filter(action="delete", object_id__in=[str(i) for i in ids])
    assert deleted.count() == 12
    entry = deleted.get(object_id=str(ids[0]))
    assert entry.actor == org.rep and entry.source == "import" and entry.source_detail.startswith(f"undo batch {large.pk}")
    assert entry.changes["name"][0].startswith("撤销1") and entry.changes["name"][1] is None
    assert Contact.objects.filter(name="张三").exists()  # what the imports did not create stays


def test_undo_skips_a_created_record_deleted_since(org, import_file):
    batch = import_file(org.rep, _rows(4))
    first, *rest = Contact.objects.filter(name__startswith="导入").order_by("pk")
    customers.contact_delete(contact=first, acting_user=org.rep)
    assert runner.undo_batch(batch, org.rep) == 4
    assert not Contact.objects.filter(pk__in=[c.pk for c in rest]).exists()
