"""Every change leaves one audit row: who, what, which fields old -> new, and from where."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from guanxi import cli
from guanxi.core.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import Account, Contact, PhoneNumber
from guanxi.framework.context import Source, change_source

from .pages import form_data, text

DERIVED = {"created_at", "updated_at", "name_pinyin", "name_initials", "search_text", "primary_phone", "primary_email"}


def entries_for(obj):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk))


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_account_created_in_the_ui_is_audited_as_web(client_for, org):
    client = client_for(org.rep)
    data = form_data(client.get("/customers/accounts/add/"), name="杭州新客户有限公司", industry="retail", value_tier="key")
    response = client.post("/customers/accounts/add/", data)
    assert response.status_code == 302
    account = Account.objects.get(name="杭州新客户有限公司")
    entry = entries_for(account).get()
    assert entry.action == "create"
    assert entry.actor == org.rep
    assert entry.source == Source.WEB
    assert entry.source_detail == "POST /customers/accounts/add/"
    assert entry.ip == "127.0.0.1"
    assert entry.object_repr == "杭州新客户有限公司"
    assert entry.changes["name"] == [None, "杭州新客户有限公司"]
    assert entry.changes["industry"] == [None, "retail"]
    assert entry.changes["value_tier"] == [None, "key"]
    assert entry.changes["owner"] == [None, org.rep.pk]
    assert not DERIVED & set(entry.changes), "derived keys are not history"


def test_account_edited_in_the_ui_records_only_the_changed_fields(client_for, org):
    client = client_for(org.rep)
    url = f"/customers/accounts/{org.rep_account.pk}/edit/"
    data = form_data(client.get(url), name="张三科技集团", value_tier="vip", do_not_call="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    account = Account.objects.get(pk=org.rep_account.pk)
    assert (account.name, account.value_tier, account.do_not_call) == ("张三科技集团", "vip", True)
    assert account.territory == org.shanghai, "fields the user did not touch keep their values"
    entry = entries_for(account).filter(action="update").get()
    assert entry.changes == {
        "name": ["张三科技有限公司", "张三科技集团"],
        "value_tier": ["ordinary", "vip"],
        "do_not_call": [False, True],
    }
    assert (entry.actor, entry.source) == (org.rep, Source.WEB)


def test_saving_an_unchanged_form_writes_no_audit_row(client_for, org):
    client = client_for(org.rep)
    url = f"/customers/accounts/{org.rep_account.pk}/edit/"
    before = AuditEntry.objects.count()
    assert client.post(url, form_data(client.get(url))).status_code == 302
    assert AuditEntry.objects.count() == before
    assert services.account_update(account=org.rep_account, acting_user=org.rep, name=org.rep_account.name) == {}
    assert AuditEntry.objects.count() == before


def test_account_deleted_in_the_ui_keeps_its_last_values_in_the_log(client_for, org):
    pk = org.rep_account.pk
    assert client_for(org.manager).post(f"/customers/accounts/{pk}/delete/").status_code == 302
    entry = AuditEntry.objects.get(content_type__model="account", object_id=str(pk), action="delete")
    assert entry.actor == org.manager and entry.source == Source.WEB
    assert entry.changes["name"] == ["张三科技有限公司", None]
    assert entry.object_repr == "张三科技有限公司"


def test_contact_create_update_delete_are_audited(client_for, org):
    client = client_for(org.manager)
    data = form_data(client.get(f"/customers/contacts/add/?account={org.rep_account.pk}"), name="赵六", title="采购", phone="13911112222")
    assert client.post("/customers/contacts/add/", data).status_code == 302
    contact = Contact.objects.get(name="赵六")
    created = entries_for(contact).get()
    assert created.action == "create" and created.actor == org.manager and created.source == Source.WEB
    assert created.changes["title"] == [None, "采购"]
    link = contact.account_links.get()
    assert entries_for(link).get().parent_key == f"customers.account:{org.rep_account.pk}"
    phone = contact.phonenumber_set.get()
    assert entries_for(phone).get().parent_key == f"customers.contact:{contact.pk}"

    url = f"/customers/contacts/{contact.pk}/edit/"
    assert client.post(url, form_data(client.get(url), title="采购总监")).status_code == 302
    assert entries_for(contact).filter(action="update").get().changes == {"title": ["采购", "采购总监"]}

    assert client.post(f"/customers/contacts/{contact.pk}/delete/").status_code == 302
    assert entries_for(contact).filter(action="delete").get().changes["name"] == ["赵六", None]


def test_phone_changes_are_audited_and_shown_in_the_account_history(client_for, org):
    client = client_for(org.rep)
    account = org.rep_account
    response = client.post(f"/customers/account/{account.pk}/phone/add/", {"kind": "work", "number": "021 6234 5678"})
    assert response.status_code == 302
    phone = PhoneNumber.objects.get(number="+862162345678")
    added = entries_for(phone).get()
    assert added.action == "create" and added.actor == org.rep and added.source == Source.WEB
    assert added.changes["number"] == [None, "+862162345678"]
    assert added.parent_key == f"customers.account:{account.pk}"

    url = f"/customers/account/{account.pk}/phone/{phone.pk}/edit/"
    assert client.post(url, form_data(client.get(url), extension="801")).status_code == 302
    assert entries_for(phone).filter(action="update").get().changes == {"extension": ["", "801"]}

    assert client.post(f"/customers/account/{account.pk}/phone/{phone.pk}/delete/").status_code == 302
    assert entries_for(phone).filter(action="delete").exists()

    history = english(client).get(f"/history/customers/account/{account.pk}/")
    page = text(history)
    assert history.status_code == 200
    assert "+862162345678" in page or "021 6234 5678" in page or "021-6234 5678" in page
    assert "801" in page
    models_shown = [row["entry"].content_type.model for row in history.context["rows"]]
    assert models_shown.count("phonenumber") >= 4, "the fixture's phone and the three changes of the new one"
    assert "account" in models_shown and "address" in models_shown and "accountcontact" in models_shown
    assert "王小明" in page, "the actor is named"
    assert "Web" in page, "and where the change came from"


def test_history_lists_interactions_notes_and_documents_of_the_account(client_for, org):
    import datetime

    from django.utils import timezone

    services.interaction_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact, channel="visit",
                                started_at=timezone.now() - datetime.timedelta(days=1), reason="上门拜访")
    services.note_add(party=org.rep_account, acting_user=org.rep, body="客户想要折扣")
    page = text(client_for(org.rep).get(f"/history/customers/account/{org.rep_account.pk}/"))
    assert "上门拜访" in page and "客户想要折扣" in page


def test_service_calls_outside_a_request_are_audited_as_system(org):
    account = services.account_create(acting_user=org.rep, name="后台创建公司")
    entry = entries_for(account).get()
    assert entry.source == Source.SYSTEM and entry.actor == org.rep and entry.ip is None


def test_change_source_marks_imports_and_jobs(org):
    with change_source(Source.IMPORT, detail="batch 7"):
        account = services.account_create(acting_user=org.admin, name="导入的公司")
    entry = entries_for(account).get()
    assert (entry.source, entry.source_detail) == (Source.IMPORT, "batch 7")
    services.account_update(account=account, acting_user=org.admin, name="导入的公司（改）")
    assert entries_for(account).filter(action="update").get().source == Source.SYSTEM, "the context ends with the block"


@pytest.mark.parametrize("argv, source", [
    (["createsuperuser", "--username", "root"], Source.CLI),  # any Django command passed through
    (["worker"], Source.JOB),  # what the task worker runs is a background job
])
def test_the_guanxi_command_marks_what_its_commands_change(org, monkeypatch, argv, source):
    def run_command(full_argv):
        # Stands in for Django's command runner, which closes the database connections when it ends.
        services.account_create(acting_user=org.admin, name="命令行创建公司")

    monkeypatch.setattr("django.core.management.execute_from_command_line", run_command)
    cli.main(argv)
    entry = AuditEntry.objects.get(object_repr="命令行创建公司")
    assert entry.source == source and entry.actor == org.admin
    assert entry.source_detail.startswith("guanxi ")
    account = Account.objects.get(name="命令行创建公司")
    services.account_update(account=account, acting_user=org.admin, value_tier="key")
    assert entries_for(account).filter(action="update").get().source == Source.SYSTEM, "the source ends with the command"


def test_activity_log_lists_what_the_user_changed(client_for, org):
    client = english(client_for(org.rep))
    services.account_update(account=org.rep_account, acting_user=org.rep, value_tier="key")
    response = client.get("/activity/")
    assert response.status_code == 200
    entries = [row["entry"] for row in response.context["rows"]]
    assert entries and all(entry.actor == org.rep for entry in entries)
    assert {e.object_repr for e in entries} >= {"张三科技有限公司", "张三"}
    page = text(response)
    assert "张三科技有限公司" in page
    assert "北方重工股份有限公司" not in page, "another user's changes are not in my log"


@pytest.mark.parametrize("viewer", ["admin", "analyst"])
def test_user_activity_page_is_for_auditors(client_for, org, viewer):
    assert client_for(getattr(org, viewer)).get(f"/settings/users/{org.rep.pk}/activity/").status_code == 200
    assert client_for(org.manager).get(f"/settings/users/{org.rep.pk}/activity/").status_code == 403
