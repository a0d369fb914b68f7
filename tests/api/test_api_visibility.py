"""Every endpoint shows a user exactly the records in the user's scope, and lets nothing be attached
to, or read from, a record outside it."""

from __future__ import annotations

import pytest

from guanxi.core import services as core
from guanxi.customers import services as customers

ENDPOINTS = [
    "accounts", "contacts", "account-contacts", "addresses", "phone-numbers", "email-addresses", "documents", "notes",
    "interactions",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_rep_of_another_team_neither_sees_nor_changes_the_record(api, org, records, ids, endpoint):
    client = api(org.rep_b)
    pk = records[endpoint]
    assert client.get(f"/api/{endpoint}/{pk}/").status_code == 404
    assert pk not in ids(client.get(f"/api/{endpoint}/"))
    assert client.patch(f"/api/{endpoint}/{pk}/", {}, format="json").status_code == 404
    response = client.delete(f"/api/{endpoint}/{pk}/")
    assert response.status_code in (403, 404)  # reps may not delete at all; out of scope is a 404 anyway


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ["rep_a", "manager", "admin"])
def test_owner_their_manager_and_administrators_see_the_record(api, org, records, ids, endpoint, who):
    client = api(getattr(org, who))
    pk = records[endpoint]
    response = client.get(f"/api/{endpoint}/{pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == pk
    assert pk in ids(client.get(f"/api/{endpoint}/?page_size=200"))


def test_territory_member_sees_the_records_of_the_territory_only(api, org, world, ids):
    client = api(org.tm)
    assert world.acct_t.territory_id == org.shanghai.pk
    assert ids(client.get("/api/accounts/")) == [world.acct_t.pk]
    assert client.get(f"/api/phone-numbers/{world.phone_t.pk}/").status_code == 200
    assert client.get(f"/api/accounts/{world.acct_a.pk}/").status_code == 404
    assert client.get(f"/api/accounts/{world.acct_b.pk}/").status_code == 404


def test_manager_does_not_see_another_teams_records(api, org, world, ids):
    listed = ids(api(org.manager).get("/api/accounts/"))
    assert world.acct_a.pk in listed
    assert world.acct_b.pk not in listed and world.acct_t.pk not in listed


def test_search_finds_nothing_outside_the_scope(api, org, world, ids):
    assert ids(api(org.rep_a).get("/api/accounts/", {"q": "zhangsan"})) == [world.acct_a.pk]
    assert ids(api(org.rep_b).get("/api/accounts/", {"q": "zhangsan"})) == []
    assert ids(api(org.rep_b).get("/api/contacts/", {"q": "李四"})) == []


def test_a_contact_shared_beyond_its_account_does_not_reveal_the_account(api, org, world):
    contact = customers.contact_create(acting_user=org.rep_a, account=world.acct_a, name="周七", owner=org.rep_b)
    seen_by_owner = api(org.rep_b).get(f"/api/contacts/{contact.pk}/").json()
    assert seen_by_owner["primary_account"] is None
    seen_by_account_owner = api(org.rep_a).get(f"/api/contacts/{contact.pk}/").json()
    assert seen_by_account_owner["primary_account"] == {"id": world.acct_a.pk, "name": world.acct_a.name}
    assert api(org.rep_b).get("/api/account-contacts/", {"contact": contact.pk}).json()["results"] == []


PARENT_WRITES = [
    ("phone-numbers", {"number": "13900139000"}),
    ("email-addresses", {"email": "x@example.com"}),
    ("addresses", {"city": "杭州"}),
    ("notes", {"body": "hello"}),
]


@pytest.mark.parametrize(("endpoint", "payload"), PARENT_WRITES)
def test_nothing_can_be_attached_to_an_account_out_of_scope(api, org, world, endpoint, payload):
    response = api(org.rep_b).post(f"/api/{endpoint}/", {**payload, "account": world.acct_a.pk}, format="json")
    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]
    response = api(org.rep_b).post(f"/api/{endpoint}/", {**payload, "contact": world.contact_a.pk}, format="json")
    assert response.status_code == 400
    assert "contact" in response.json()["error"]["fields"]


def test_no_link_or_interaction_to_records_out_of_scope(api, org, world):
    client = api(org.rep_b)
    response = client.post("/api/account-contacts/", {"account": world.acct_a.pk, "contact": world.contact_a.pk}, format="json")
    assert response.status_code == 400
    assert {"account", "contact"} <= set(response.json()["error"]["fields"])
    response = client.post("/api/interactions/", {
        "account": world.acct_a.pk, "channel": "phone", "started_at": "2026-01-05T10:00:00+08:00",
    }, format="json")
    assert response.json()["error"]["fields"].keys() == {"account"}
    response = client.post("/api/contacts/", {"name": "新人", "account": world.acct_a.pk}, format="json")
    assert response.json()["error"]["fields"].keys() == {"account"}
    response = client.post("/api/interactions/", {
        "account": world.acct_b.pk, "channel": "phone", "started_at": "2026-01-05T10:00:00+08:00",
        "documents": [world.document_a.pk],
    }, format="json")
    assert response.json()["error"]["fields"].keys() == {"documents"}


def test_document_download_needs_the_document_in_scope(api, org, world):
    url = f"/api/documents/{world.document_a.pk}/download/"
    response = api(org.rep_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"signed"
    assert api(org.rep_b).get(url).status_code == 404


@pytest.fixture
def reps_read_the_audit_log(org):
    """Grant sales reps ``view_auditentry`` (by default only organisation-wide roles hold it)."""
    from django.contrib.auth.models import Permission

    role = org.roles["sales_rep"]
    perms = [*role.group.permissions.all(), Permission.objects.get(codename="view_auditentry")]
    core.role_update(role=role, acting_user=org.admin, name=role.name, description="", organisation_wide=False, permissions=perms)


def test_audit_history_shows_only_records_in_scope(api, org, world, ids, reps_read_the_audit_log):
    client = api(org.rep_b)
    assert ids(client.get("/api/audit/", {"content_type": "customers.account", "object_id": world.acct_a.pk})) == []
    mine = client.get("/api/audit/", {"content_type": "customers.account", "object_id": world.acct_b.pk}).json()["results"]
    assert [row["action"] for row in mine] == ["create"]
    rows = client.get("/api/audit/", {"page_size": 200}).json()["results"]
    seen = {(row["content_type"], row["object_id"]) for row in rows}
    assert ("customers.account", str(world.acct_b.pk)) in seen and ("customers.phonenumber", str(world.phone_t.pk)) in seen
    assert ("customers.account", str(world.acct_a.pk)) not in seen
    assert not any(ct == "core.team" or ct == "core.user" for ct, _pk in seen)  # settings' history is not theirs


def test_record_history_includes_children_even_deleted_ones(api, org, world, reps_read_the_audit_log):
    customers.child_delete(record=world.phone_a, acting_user=org.rep_a)
    record = f"customers.account:{world.acct_a.pk}"
    rows = api(org.rep_a).get("/api/audit/", {"record": record, "page_size": 200}).json()["results"]
    kinds = {(row["content_type"], row["action"]) for row in rows}
    assert {("customers.account", "create"), ("customers.phonenumber", "delete"), ("customers.accountcontact", "create")} <= kinds
    assert api(org.rep_b).get("/api/audit/", {"record": record}).json()["results"] == []
    response = api(org.rep_a).get("/api/audit/", {"record": "customers.account"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["record"]
