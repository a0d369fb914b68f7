"""Writes through the API go through the services: normalized, audited, placed, permission-checked,
and bad input answers the one error shape naming the field."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, Contact, Document, Note, PhoneNumber, Tag


def history(model, pk):
    content_type = ContentType.objects.get_for_model(model)
    return list(AuditEntry.objects.filter(content_type=content_type, object_id=str(pk)).order_by("id"))


def test_create_account_places_it_and_writes_an_audit_entry(api, org):
    response = api(org.rep_a).post("/api/accounts/", {
        "name": "  上海　钱八有限公司 ", "province": "上海", "annual_revenue": "1000000.50", "currency": "CNY",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    account = Account.objects.get(pk=body["id"])
    assert body["name"] == account.name == "上海 钱八有限公司"  # full-width space folded by the service
    assert body["owner"] == org.rep_a.pk and body["owner_name"] == "rep_a"
    assert body["territory"] == org.shanghai.pk and body["territory_name"] == "上海"
    assert body["annual_revenue"] == "1000000.50" and account.annual_revenue == Decimal("1000000.50")
    assert body["created_at"].endswith("+08:00")  # aware ISO 8601, in the user's zone
    [entry] = history(Account, account.pk)
    assert entry.action == "create" and entry.actor == org.rep_a and entry.source == "api"
    assert entry.changes["name"] == [None, "上海 钱八有限公司"]


def test_update_recomputes_search_keys_and_audits_only_the_change(api, org, world, ids):
    client = api(org.rep_a)
    response = client.patch(f"/api/accounts/{world.acct_a.pk}/", {"name": "孙九科技"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "孙九科技"
    assert ids(client.get("/api/accounts/", {"q": "sunjiu"})) == [world.acct_a.pk]
    last = history(Account, world.acct_a.pk)[-1]
    assert last.action == "update" and set(last.changes) == {"name"}


def test_tags_are_set_through_the_account(api, org, world):
    vip = customers.tag_create(acting_user=org.admin, name="VIP")
    response = api(org.rep_a).patch(f"/api/accounts/{world.acct_a.pk}/", {"tags": [vip.pk]}, format="json")
    assert response.json()["tags"] == [vip.pk]
    assert history(Account, world.acct_a.pk)[-1].changes["tags"] == [[], [vip.pk]]


def test_invalid_phone_number_names_the_field(api, org, world):
    response = api(org.rep_a).post("/api/phone-numbers/", {"account": world.acct_a.pk, "number": "12345"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid" and error["message"]
    assert list(error["fields"]) == ["number"] and error["fields"]["number"]
    assert not PhoneNumber.objects.filter(number__contains="12345").exists()


def test_phone_is_normalized_and_feeds_the_search(api, org, world, ids):
    client = api(org.rep_a)
    response = client.post("/api/phone-numbers/", {"contact": world.contact_a.pk, "number": "139-0013-9000"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "+8613900139000"
    assert response.json()["is_primary"] is True  # the contact's first phone
    assert ids(client.get("/api/contacts/", {"q": "0013900"})) == [world.contact_a.pk]


def test_child_needs_exactly_one_party_and_keeps_it(api, org, world):
    client = api(org.rep_a)
    response = client.post("/api/notes/", {"body": "x"}, format="json")
    assert response.status_code == 400 and "account" in response.json()["error"]["fields"]
    response = client.post("/api/notes/", {"body": "x", "account": world.acct_a.pk, "contact": world.contact_a.pk}, format="json")
    assert response.status_code == 400
    response = client.patch(f"/api/notes/{world.note_a.pk}/", {"account": world.acct_a.pk}, format="json")
    assert response.status_code == 400 and "account" in response.json()["error"]["fields"]
    response = client.patch(f"/api/notes/{world.note_a.pk}/", {"body": "  改了 "}, format="json")
    assert response.status_code == 200 and Note.objects.get(pk=world.note_a.pk).body == "改了"
    response = client.patch(f"/api/notes/{world.note_a.pk}/", {"body": "   "}, format="json")
    assert response.status_code == 400 and "body" in response.json()["error"]["fields"]


def test_contact_created_at_an_account_is_linked(api, org, world):
    response = api(org.rep_a).post("/api/contacts/", {
        "family_name": "吴", "given_name": "十", "account": world.acct_a.pk, "role": "purchaser",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "吴十" and body["primary_account"] == {"id": world.acct_a.pk, "name": world.acct_a.name}
    link = AccountContact.objects.get(contact_id=body["id"])
    assert link.account == world.acct_a and link.role == "purchaser"
    response = api(org.rep_a).post("/api/contacts/", {"title": "nobody"}, format="json")
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_links_are_made_changed_and_removed(api, org, world):
    client = api(org.rep_a)
    other = Contact.objects.get(pk=client.post("/api/contacts/", {"name": "郑一"}, format="json").json()["id"])
    response = client.post("/api/account-contacts/", {"account": world.acct_a.pk, "contact": other.pk, "role": "technical"}, format="json")
    assert response.status_code == 201, response.content
    link_id = response.json()["id"]
    response = client.patch(f"/api/account-contacts/{link_id}/", {"is_primary": True}, format="json")
    assert response.json()["is_primary"] is True and response.json()["role"] == "technical"
    assert not AccountContact.objects.get(pk=world.link_a.pk).is_primary
    duplicate = client.post("/api/account-contacts/", {"account": world.acct_a.pk, "contact": other.pk}, format="json")
    assert duplicate.status_code == 400
    assert client.delete(f"/api/account-contacts/{link_id}/").status_code == 204
    assert [e.action for e in history(AccountContact, link_id)] == ["create", "update", "delete"]


def test_document_upload_and_rename(api, org, world):
    client = api(org.rep_a)
    upload = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", "application/pdf")
    response = client.post("/api/documents/", {"contact": world.contact_a.pk, "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "报价单.pdf" and body["size"] == 14 and body["content_type_label"] == "application/pdf"
    assert body["download_url"].endswith(f"/api/documents/{body['id']}/download/")
    assert "file" not in body
    assert b"".join(client.get(body["download_url"]).streaming_content) == b"%PDF-1.4 quote"
    response = client.patch(f"/api/documents/{body['id']}/", {"title": "报价单 v2"}, format="json")
    assert response.json()["title"] == "报价单 v2"
    response = client.post("/api/documents/", {"contact": world.contact_a.pk}, format="multipart")
    assert list(response.json()["error"]["fields"]) == ["file"]


def test_document_too_large_is_refused(api, org, world, settings):
    settings.GUANXI_MAX_ATTACHMENT_BYTES = 10
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    response = api(org.rep_a).post("/api/documents/", {"account": world.acct_a.pk, "file": upload}, format="multipart")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["file"]
    assert not Document.objects.filter(title="big.bin").exists()


def test_interaction_contact_must_belong_to_the_account(api, org, world):
    loner = api(org.rep_a).post("/api/contacts/", {"name": "陈二"}, format="json").json()["id"]
    response = api(org.rep_a).post("/api/interactions/", {
        "account": world.acct_a.pk, "contact": loner, "channel": "visit", "started_at": "2026-01-05T10:00:00+08:00",
    }, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["contact"]
    response = api(org.rep_a).post("/api/interactions/", {
        "account": world.acct_a.pk, "contact": world.contact_a.pk, "channel": "visit",
        "started_at": "2026-01-05T02:00:00Z", "documents": [world.document_a.pk],
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["started_at"] == "2026-01-05T10:00:00+08:00" and body["user"] == org.rep_a.pk
    assert body["documents"] == [world.document_a.pk]


def test_role_without_add_permission_gets_403(api, org, world):
    client = api(org.marketer)  # may view and change customer data, not add or delete it
    assert client.post("/api/accounts/", {"name": "不许"}, format="json").status_code == 403
    assert client.post("/api/phone-numbers/", {"account": world.acct_b.pk, "number": "13800138001"}, format="json").status_code == 403
    assert client.delete(f"/api/accounts/{world.acct_b.pk}/").status_code == 403
    assert api(org.rep_a).delete(f"/api/accounts/{world.acct_a.pk}/").status_code == 403  # reps do not delete
    error = client.post("/api/accounts/", {"name": "不许"}, format="json").json()["error"]
    assert error["status"] == 403 and error["code"] == "permission_denied"


def test_manager_deletes_a_subordinates_record_through_the_service(api, org, world):
    response = api(org.manager).delete(f"/api/phone-numbers/{world.phone_a.pk}/")
    assert response.status_code == 204
    world.acct_a.refresh_from_db()
    assert world.acct_a.primary_phone == ""  # the service refreshed the account's derived keys
    assert history(PhoneNumber, world.phone_a.pk)[-1].action == "delete"
    assert api(org.manager).delete(f"/api/accounts/{world.acct_a.pk}/").status_code == 204
    assert not Account.objects.filter(pk=world.acct_a.pk).exists()


def test_tags_crud_for_those_allowed(api, org):
    response = api(org.manager).post("/api/tags/", {"name": "重点"}, format="json")
    assert response.status_code == 201
    tag_id = response.json()["id"]
    assert api(org.manager).patch(f"/api/tags/{tag_id}/", {"color": "danger"}, format="json").status_code == 403
    assert api(org.admin).patch(f"/api/tags/{tag_id}/", {"color": "danger"}, format="json").json()["color"] == "danger"
    assert api(org.admin).delete(f"/api/tags/{tag_id}/").status_code == 204
    assert [e.action for e in history(Tag, tag_id)] == ["create", "update", "delete"]


def test_teams_and_territories_are_written_by_administrators(api, org):
    response = api(org.rep_a).post("/api/teams/", {"name": "North"}, format="json")
    assert response.status_code == 403
    response = api(org.admin).post("/api/teams/", {"name": "North", "parent": org.east.pk, "manager": org.manager.pk}, format="json")
    assert response.status_code == 201, response.content
    response = api(org.admin).patch(f"/api/teams/{org.east.pk}/", {"parent": response.json()["id"]}, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["parent"]
    assert api(org.admin).delete(f"/api/teams/{org.east.pk}/").status_code == 405

    response = api(org.admin).post("/api/territories/", {
        "name": "华东", "code": "east-china", "level": "region", "provinces": ["上海", "浙江"], "members": [org.rep_b.pk],
    }, format="json")
    assert response.status_code == 201, response.content
    region = response.json()
    assert region["members"] == [org.rep_b.pk]
    response = api(org.admin).patch(f"/api/territories/{org.shanghai.pk}/", {"parent": region["id"], "members": []}, format="json")
    assert response.json()["parent"] == region["id"] and response.json()["members"] == []
    response = api(org.admin).patch(f"/api/territories/{region['id']}/", {"parent": org.shanghai.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["error"]["fields"]
    assert api(org.rep_a).get("/api/territories/").status_code == 200  # reps may read territories
