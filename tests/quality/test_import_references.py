"""The bulk path's references checked set-wise on PostgreSQL (``bulk.checks_by_locks``): when it may, a
chunk locks the rows its new rows point at in one statement and writes with the per-row foreign-key
triggers off; when it may not, the triggers check every row as before."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection

from guanxi.customers import services as customers
from guanxi.customers.models import AccountContact, Contact
from guanxi.quality import services
from guanxi.quality.importer import bulk, runner

from .conftest import run_queued, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's session_replication_role"),
]


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_after_planning_sends_the_chunk_row_by_row(org, monkeypatch, django_capture_on_commit_callbacks):
    """Another user deletes an account after the chunk that links contacts to it was planned (by the
    importing thread) and before it is written (by the writer thread, on its own connection)."""
    account = customers.account_create(acting_user=org.rep, name="即将删除有限公司")
    account_id = account.pk
    real_write_planned, real_write_plan, seen = runner._write_planned, bulk.write_plan, {}

    def write_planned(batch, writer, header, chunk, plan, outcome):
        seen["refers_to"] = {target.model._meta.label: values for target, values in plan.refers_to.items()}
        customers.account_delete(account=account, acting_user=org.admin)  # committed: no transaction here
        return real_write_planned(batch, writer, header, chunk, plan, outcome)

    def write_plan(*args, **kwargs):
        try:
            real_write_plan(*args, **kwargs)
        except IntegrityError as exc:
            seen["refused"] = str(exc)
            raise

    monkeypatch.setattr(runner, "_write_planned", write_planned)
    monkeypatch.setattr(bulk, "write_plan", write_plan)
    rows = [["姓名", "手机", "公司"], ["删前一", "13300000001", account.name], ["删前二", "13300000002", ""]]
    batch = upload(org.rep, rows)
    services.batch_configure(batch=batch, acting_user=org.rep, mapping=batch.mapping, mode="create", key="")
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=org.rep))
    assert job.status == "done", job.error
    batch.refresh_from_db()
    assert seen["refers_to"]["customers.Account"] == {account_id}
    assert org.rep.pk in seen["refers_to"]["core.User"]
    # the lock found the account gone; the chunk was redone through the services, which report the row
    assert seen["refused"] == "a customers.Account that the chunk refers to is gone"
    assert (batch.created_count, batch.error_count) == (1, 1)
    error = batch.row_errors.get()
    assert error.field.startswith("公司") and "即将删除有限公司" in error.reason  # the rep's language: zh-Hans
    assert list(Contact.objects.filter(name__startswith="删前").values_list("name", flat=True)) == ["删前二"]
    assert not AccountContact.objects.filter(account_id=account_id).exists()


def test_the_triggers_are_on_again_after_the_inserts(org, import_file, monkeypatch):
    real_insert, during = bulk._insert, set()

    def insert(model, rows):
        during.add(_setting())
        return real_insert(model, rows)

    monkeypatch.setattr(bulk, "_insert", insert)
    rows = [["姓名", "手机", "职位"], ["触发一", "13300000011", ""], ["触发一", "13300000011", "经理"]]
    batch = import_file(org.rep, rows, mode="update", key="phone")
    assert (batch.created_count, batch.updated_count) == (1, 1)
    assert during == {"replica"}  # the superuser of the test database may: the inserts ran without the triggers
    assert _setting() == "origin"  # and the update, through the services, with them
    assert Contact.objects.get(name="触发一").title == "经理"


def test_only_with_the_right_to_set_it_and_no_other_trigger():
    assert bulk.checks_by_locks()  # the tests' database user is a superuser
    role = f"guanxi_plain_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        assert not bulk.checks_by_locks()
        cursor.execute("RESET ROLE")
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        assert bulk.checks_by_locks()
        cursor.execute("RESET ROLE")
        # a trigger that is not a foreign key's would not fire under ``replica``: then the triggers stay on
        cursor.execute("CREATE FUNCTION guanxi_test_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        cursor.execute("CREATE TRIGGER guanxi_test_noop BEFORE INSERT ON customers_phonenumber "
                       "FOR EACH ROW EXECUTE FUNCTION guanxi_test_noop()")
    assert not bulk.checks_by_locks()
