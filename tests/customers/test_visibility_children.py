"""Addresses, phones, e-mails, documents, notes and account–contact links are seen through their party.

A child record borrows the visibility of the account or contact it belongs to: whoever cannot see
the party gets a 404 on every URL of the child (add, edit, delete, download, history), and a POST
from outside changes nothing.
"""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import AccountContact, Address, Document, EmailAddress, Note, PhoneNumber

from .conftest import BLIND_TO_THEIRS, SEES_MINE, SEES_THEIRS
from .pages import csv_rows, text

EVERYONE = sorted(set(SEES_MINE) | set(SEES_THEIRS))
EDITABLE = {"address": "address", "phone": "phone", "email": "email"}
HISTORY_MODEL = {
    "address": "address", "phone": "phonenumber", "email": "emailaddress", "document": "document", "note": "note",
    "contact_phone": "phonenumber", "contact_note": "note", "link": "accountcontact",
}


def _sides(world, name):
    return {"mine": (world.mine, name in SEES_MINE), "theirs": (world.theirs, name in SEES_THEIRS)}


@pytest.mark.parametrize("name", EVERYONE)
def test_child_records_on_every_read_path(client_for, users, world, name):
    user = users[name]
    client = client_for(user)
    may_change = user.has_perm("customers.change_account")
    for side, (records, sees) in _sides(world, name).items():
        account, contact = records.account, records.contact
        details = client.get(f"/customers/accounts/{account.pk}/?tab=details")
        if sees:
            page = text(details)
            for needle in (records.email.email, records.document.title, records.note.body, records.address.street):
                assert needle in page, (name, side, needle)
            assert records.contact_note.body in text(client.get(f"/customers/contacts/{contact.pk}/?tab=details"))
        else:
            assert details.status_code == 404
        for kind, record_name in (("address", "address"), ("phone", "phone"), ("email", "email")):
            record = getattr(records, record_name)
            url = f"/customers/account/{account.pk}/{kind}/{record.pk}/edit/"
            assert client.get(url).status_code == (200 if sees and may_change else 404), (name, side, url)
        for kind in ("address", "phone", "email", "document", "note"):
            url = f"/customers/account/{account.pk}/{kind}/add/"
            assert client.get(url).status_code == (200 if sees and may_change else 404), (name, side, url)
        url = f"/customers/contact/{contact.pk}/phone/{records.contact_phone.pk}/edit/"
        assert client.get(url).status_code == (200 if sees and may_change else 404), (name, side, url)
        for attribute, model in HISTORY_MODEL.items():
            record = getattr(records, attribute)
            url = f"/history/customers/{model}/{record.pk}/"
            assert client.get(url).status_code == (200 if sees else 404), (name, side, url)
        download = client.get(f"/customers/documents/{records.document.pk}/download/")
        if sees:
            assert download.status_code == 200
            assert b"".join(download.streaming_content) == f"signed {side}".encode()
            assert f"contract-{side}" in download["Content-Disposition"]
        else:
            assert download.status_code == 404


@pytest.mark.parametrize("name", BLIND_TO_THEIRS)
def test_outsider_cannot_add_change_or_delete_child_records(client_for, users, world, name):
    client = client_for(users[name])
    theirs = world.theirs
    account, contact = theirs.account, theirs.contact
    counts = {model: model.objects.count() for model in (Address, PhoneNumber, EmailAddress, Document, Note)}
    audit_rows = AuditEntry.objects.count()

    adds = {
        "address": {"kind": "office", "country": "CN", "province": "上海市", "city": "上海市", "street": "偷偷加的"},
        "phone": {"kind": "mobile", "number": "13700000000"},
        "email": {"kind": "work", "email": "sneaky@example.com"},
        "note": {"body": "偷偷加的备注"},
        "document": {"title": "偷偷"},
    }
    for kind, data in adds.items():
        for party_kind, party in (("account", account), ("contact", contact)):
            response = client.post(f"/customers/{party_kind}/{party.pk}/{kind}/add/", data)
            assert response.status_code == 404, (kind, party_kind)

    edits = {
        "address": (theirs.address, {"kind": "office", "country": "CN", "province": "上海市", "city": "上海市", "street": "改了"}),
        "phone": (theirs.phone, {"kind": "mobile", "number": "13700000000"}),
        "email": (theirs.email, {"kind": "work", "email": "changed@example.com"}),
    }
    before = {kind: type(record).objects.filter(pk=record.pk).values().get() for kind, (record, _data) in edits.items()}
    for kind, (record, data) in edits.items():
        assert client.post(f"/customers/account/{account.pk}/{kind}/{record.pk}/edit/", data).status_code == 404
        # naming one's own party in the URL does not reach another party's record either
        mine = world.mine.account.pk
        assert client.post(f"/customers/account/{mine}/{kind}/{record.pk}/edit/", data).status_code in (404,)
    response = client.post(f"/customers/contact/{contact.pk}/phone/{theirs.contact_phone.pk}/edit/", {"kind": "mobile", "number": "13700000000"})
    assert response.status_code == 404

    deletes = {
        "address": theirs.address, "phone": theirs.phone, "email": theirs.email, "document": theirs.document, "note": theirs.note,
    }
    for kind, record in deletes.items():
        assert client.post(f"/customers/account/{account.pk}/{kind}/{record.pk}/delete/").status_code == 404
        assert client.post(f"/customers/account/{world.mine.account.pk}/{kind}/{record.pk}/delete/").status_code == 404
    assert client.post(f"/customers/contact/{contact.pk}/note/{theirs.contact_note.pk}/delete/").status_code == 404

    for kind, (record, _data) in edits.items():
        assert type(record).objects.filter(pk=record.pk).values().get() == before[kind]
    assert {model: model.objects.count() for model in counts} == counts
    assert AuditEntry.objects.count() == audit_rows


def test_insider_edits_and_deletes_a_child_record(client_for, org, world):
    client = client_for(org.manager)
    phone = world.mine.phone
    url = f"/customers/account/{org.rep_account.pk}/phone/{phone.pk}/edit/"
    response = client.post(url, {"kind": "work", "number": "021-6234 5678", "extension": "8", "is_primary": "on"})
    assert response.status_code == 302 and response["Location"] == org.rep_account.get_absolute_url()
    phone.refresh_from_db()
    assert phone.number == "+862162345678" and phone.extension == "8"
    org.rep_account.refresh_from_db()
    assert org.rep_account.primary_phone == "+862162345678"
    response = client.post(f"/customers/account/{org.rep_account.pk}/note/{world.mine.note.pk}/delete/")
    assert response.status_code == 302
    assert not Note.objects.filter(pk=world.mine.note.pk).exists()


def test_notes_and_documents_cannot_be_edited_in_place(client_for, org, world):
    client = client_for(org.rep)
    for kind, record in (("note", world.mine.note), ("document", world.mine.document)):
        assert client.get(f"/customers/account/{org.rep_account.pk}/{kind}/{record.pk}/edit/").status_code == 404
    assert client.get(f"/customers/account/{org.rep_account.pk}/unknown/add/").status_code == 404
    assert client.get(f"/customers/team/{org.rep_account.pk}/phone/add/").status_code == 404


# --- account–contact links -------------------------------------------------------------------

@pytest.fixture
def shared_contact(org, world):
    """张三 also works for 北方重工 (linked by other), where other logged a call with him."""
    link = services.contact_link(contact=org.rep_contact, account=org.other_account, role="influencer", acting_user=org.other)
    services.interaction_create(acting_user=org.other, account=org.other_account, contact=org.rep_contact,
                                channel="visit", started_at=world.theirs.interaction.started_at, reason="北方机密拜访")
    return link


def test_contact_page_shows_only_links_to_visible_accounts(client_for, org, world, shared_contact):
    page = text(client_for(org.rep).get(f"/customers/contacts/{org.rep_contact.pk}/"))
    assert "张三科技有限公司" in page
    assert "北方重工" not in page
    assert "北方机密拜访" not in page, "an interaction on an account the user cannot see stays hidden"
    page = text(client_for(org.director).get(f"/customers/contacts/{org.rep_contact.pk}/"))
    assert "张三科技有限公司" in page and "北方重工" in page and "北方机密拜访" in page


def test_other_side_sees_the_shared_contact_through_its_own_link(client_for, org, world, shared_contact):
    client = client_for(org.other)
    assert client.get(f"/customers/contacts/{org.rep_contact.pk}/").status_code == 200
    page = text(client.get(f"/customers/contacts/{org.rep_contact.pk}/"))
    assert "北方重工" in page and "张三科技有限公司" not in page


def test_outsider_cannot_unlink_a_link_to_an_invisible_account(client_for, org, world, shared_contact):
    response = client_for(org.rep).post(f"/customers/contacts/{org.rep_contact.pk}/unlink/{shared_contact.pk}/")
    assert response.status_code == 404
    assert AccountContact.objects.filter(pk=shared_contact.pk).exists()
    # and cannot reach a link of a contact it cannot see at all
    response = client_for(org.rep).post(f"/customers/contacts/{org.other_contact.pk}/unlink/{world.theirs.link.pk}/")
    assert response.status_code == 404
    assert AccountContact.objects.filter(pk=world.theirs.link.pk).exists()


def test_link_history_follows_the_account(client_for, org, world, shared_contact):
    assert client_for(org.rep).get(f"/history/customers/accountcontact/{world.mine.link.pk}/").status_code == 200
    assert client_for(org.rep).get(f"/history/customers/accountcontact/{shared_contact.pk}/").status_code == 404
    assert client_for(org.other).get(f"/history/customers/accountcontact/{shared_contact.pk}/").status_code == 200


def test_a_shared_contact_does_not_reveal_its_main_account_to_outsiders(client_for, org, world):
    """李四 works mainly for 北方重工 (other's); rep links him to 张三科技 too, and so sees him — not 北方重工."""
    services.contact_link(contact=org.other_contact, account=org.rep_account, role="user", acting_user=org.rep)
    client = client_for(org.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    listing = client.get("/customers/contacts/")
    assert org.other_contact.pk in {c.pk for c in listing.context["table"].objects}
    assert "北方重工" not in text(listing)
    rows = {row["ID"]: row for row in csv_rows(client.get("/customers/contacts/?export=csv"))}
    assert rows[str(org.other_contact.pk)]["account"] == ""
    assert "北方重工" not in text(client.get("/customers/search/", {"q": "李四"}))
    assert "北方重工" not in text(client.get("/customers/search/", {"q": "李四"}, HTTP_HX_REQUEST="true"))
    assert "北方重工" not in text(client.get(f"/customers/contacts/{org.other_contact.pk}/"))
    # those who see 北方重工 still see it named
    director = client_for(org.director)
    assert "北方重工" in text(director.get("/customers/contacts/"))
    assert "北方重工" in text(director.get("/customers/search/", {"q": "李四"}))
