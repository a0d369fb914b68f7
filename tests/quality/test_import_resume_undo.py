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
