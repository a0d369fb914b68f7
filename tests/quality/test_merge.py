"""Merging two accounts or contacts: values by rule, every related row of every app moved, audit, undo; UI and API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, Contact, Interaction, Note, PhoneNumber
from guanxi.framework.registry import registry
from guanxi.quality import services
from guanxi.quality.models import MatchKey
from guanxi.quality.selectors import likely_duplicates

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(org):
    """rep's account and a duplicate of it with its own phone, contact, note, interaction and a service case."""
    dup = customers.account_create(acting_user=org.rep, name="张三科技", industry="", website="https://zs.example.cn",
                                   description="较长的描述：重复录入的客户", do_not_call=True)
    customers.phone_add(party=dup, acting_user=org.rep, number="021-62340000")
    contact = customers.contact_create(acting_user=org.rep, account=dup, name="王五")
    customers.contact_link(contact=org.rep_contact, account=dup, acting_user=org.rep)  # 张三 works for both: the link collides
    note = customers.note_add(party=dup, acting_user=org.rep, body="老客户")
    interaction = customers.interaction_create(acting_user=org.rep, account=dup, channel="phone", direction="inbound",
                                               started_at=timezone.now() - datetime.timedelta(days=1), reason="询价")
    case = None
    try:  # another app's record pointing at the account (the service app's case)
        from guanxi.service import services as service_services

        case = service_services.case_create(acting_user=org.rep, account=dup, subject="发票问题", auto_assign=False)
    except Exception:  # pragma: no cover - the service app may not take these arguments any more
        case = None
    return dup, contact, note, interaction, case


def test_merge_moves_everything_then_undo_puts_it_back(org, twins):
    dup, contact, note, interaction, case = twins
    survivor = org.rep_account
    record = services.merge_records(acting_user=org.admin, party="account", survivor=survivor, merged=dup)
    assert not Account.objects.filter(pk=dup.pk).exists()
    survivor.refresh_from_db()
    # most complete: the survivor keeps its industry, takes the empty website and the longer description
    assert survivor.industry == "technology" and survivor.website == "https://zs.example.cn"
    assert survivor.description == "较长的描述：重复录入的客户" and survivor.do_not_call is True
    assert set(PhoneNumber.objects.filter(account=survivor).values_list("number", flat=True)) == {"+8613812345678", "+862162340000"}
    assert AccountContact.objects.filter(account=survivor, contact=contact).exists()
    assert AccountContact.objects.filter(account=survivor, contact=org.rep_contact).count() == 1
    assert Note.objects.get(pk=note.pk).account_id == survivor.pk
    assert Interaction.objects.get(pk=interaction.pk).account_id == survivor.pk
    if case is not None:
        case.refresh_from_db()
        assert case.account_id == survivor.pk
        assert ["service.case", case.pk, "account"] in record.repointed
    assert "62340000" in survivor.search_text
    assert MatchKey.objects.filter(party="account", object_id=survivor.pk, kind="phone", value="+862162340000").exists()
    assert AuditEntry.objects.filter(content_type__model="mergerecord", object_id=str(record.pk), action="create").exists()
    assert AuditEntry.objects.filter(content_type__model="account", object_id=str(dup.pk), action="delete").exists()

    services.merge_undo(merge=record, acting_user=org.admin)
    back = Account.objects.get(pk=dup.pk)
    assert (back.name, back.website, back.do_not_call) == ("张三科技", "https://zs.example.cn", True)
    survivor.refresh_from_db()
    assert (survivor.website, survivor.description, survivor.do_not_call) == ("", "", False)
    assert list(PhoneNumber.objects.filter(account=survivor).values_list("number", flat=True)) == ["+8613812345678"]
    assert list(PhoneNumber.objects.filter(account=back).values_list("number", flat=True)) == ["+862162340000"]
    assert AccountContact.objects.filter(account=back, contact=contact).exists()
    assert AccountContact.objects.filter(account=back, contact=org.rep_contact).exists()  # the removed twin link is back
    assert Note.objects.get(pk=note.pk).account_id == back.pk
    assert Interaction.objects.get(pk=interaction.pk).account_id == back.pk
    if case is not None:
        case.refresh_from_db()
        assert case.account_id == back.pk
    assert "62340000" not in survivor.search_text and "62340000" in back.search_text
    assert [d.record.pk for d in likely_duplicates(user=org.rep, name="", phones=["021-62340000"])] == [back.pk]
    record.refresh_from_db()
    assert record.undone_at is not None
    with pytest.raises(ValidationError):
        services.merge_undo(merge=record, acting_user=org.admin)


def test_rules_and_overrides(org):
    a = customers.contact_create(acting_user=org.rep, account=org.rep_account, name="李雷", title="经理", consent_email=True)
    b = customers.contact_create(acting_user=org.rep, account=org.rep_account, name="李雷", title="总监", department="采购部")
    Contact.objects.filter(pk=b.pk).update(updated_at=timezone.now() + datetime.timedelta(minutes=5))
    b.refresh_from_db()
    record = services.merge_records(acting_user=org.admin, party="contact", survivor=a, merged=b, rule="most_recent",
                                    overrides={"name": "survivor"})
    a.refresh_from_db()
    assert (a.title, a.department, a.consent_email) == ("总监", "采购部", False)  # consent only when both gave it
    assert record.survivor_changes["title"] == ["经理", "总监"]


def test_merge_hook_is_called_and_its_moves_undone(org, twins):
    dup = twins[0]
    calls = []

    def hook(*, survivor, merged):
        calls.append((survivor.pk, merged.pk))
        return []

    registry.merge_hooks["test"] = hook
    try:
        services.merge_records(acting_user=org.admin, party="account", survivor=org.rep_account, merged=dup)
    finally:
        del registry.merge_hooks["test"]
    assert calls == [(org.rep_account.pk, dup.pk)]


def test_cannot_merge_what_one_cannot_see(org):
    with pytest.raises(ValidationError) as info:
        services.merge_records(acting_user=org.rep, party="account", survivor=org.rep_account, merged=org.other_account)
    assert "merged" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.merge_records(acting_user=org.admin, party="account", survivor=org.rep_account, merged=org.rep_account)


def test_merge_screen_and_undo_through_the_pages(org, twins, client_for):
    dup = twins[0]
    client = client_for(org.admin)
    page = client.get("/quality/merge/account/", {"a": org.rep_account.pk, "b": dup.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "张三科技有限公司" in html and "https://zs.example.cn" in html and 'name="field_website"' in html
    response = client.post("/quality/merge/account/", {"a": org.rep_account.pk, "b": dup.pk, "survivor": "b", "rule": "most_complete",
                                                        "field_name": "a"})
    assert response.status_code == 302
    assert not Account.objects.filter(pk=org.rep_account.pk).exists()
    survivor = Account.objects.get(pk=dup.pk)
    assert survivor.name == "张三科技有限公司"  # the name picked from the other side
    merge = survivor and services.MergeRecord.objects.get()
    assert client.get(f"/quality/merges/{merge.pk}/").status_code == 200
    assert client.post(f"/quality/merges/{merge.pk}/undo/").status_code == 302
    assert Account.objects.filter(pk=org.rep_account.pk).exists()
    # a rep has no delete permission, so no merge; and nobody sees a record outside the scope
    assert client_for(org.rep).get("/quality/merge/account/", {"a": org.rep_account.pk, "b": dup.pk}).status_code == 403
    assert client_for(org.manager).get("/quality/merge/account/", {"a": org.rep_account.pk, "b": org.other_account.pk}).status_code == 404
    assert client_for(org.other).get(f"/quality/merges/{merge.pk}/").status_code in (403, 404)


def _api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_merge_api(org, twins):
    dup = twins[0]
    api = _api(org.admin)
    response = api.post("/api/merges/", {"party": "account", "survivor": org.rep_account.pk, "merged": dup.pk,
                                         "fields": {"website": "survivor"}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["merged_id"] == dup.pk and body["repointed"]
    assert Account.objects.get(pk=org.rep_account.pk).website == ""
    assert _api(org.manager).post("/api/merges/", {"party": "account", "survivor": org.rep_account.pk, "merged": org.other_account.pk},
                                  format="json").status_code == 400
    assert _api(org.other).get(f"/api/merges/{body['id']}/").status_code in (403, 404)
    assert api.post(f"/api/merges/{body['id']}/undo/").status_code == 200
    assert Account.objects.filter(pk=dup.pk).exists()
