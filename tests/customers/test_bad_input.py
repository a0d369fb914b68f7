"""Bad input gets a clear error under the field it concerns, and loses nothing already saved."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Account, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber

from .pages import form_data, text


def field_errors(response) -> dict[str, list[str]]:
    """Errors as the page shows them: field name -> messages under that field."""
    found: dict[str, list[str]] = {}
    for name, message in re.findall(r'data-field-error="([^"]+)">([^<]*)<', text(response)):
        found.setdefault(name, []).append(message)
    return found


def test_account_without_a_name_is_shown_again_with_the_error_and_nothing_saved(client_for, org):
    client = client_for(org.rep)
    accounts, audit_rows = Account.objects.count(), AuditEntry.objects.count()
    data = form_data(client.get("/customers/accounts/add/"), name="", industry="retail", description="要保留的描述")
    response = client.post("/customers/accounts/add/", data)
    assert response.status_code == 200
    assert list(field_errors(response)) == ["name"]
    assert "要保留的描述" in text(response), "what the user typed is still in the form"
    assert Account.objects.count() == accounts and AuditEntry.objects.count() == audit_rows


def test_htmx_form_errors_answer_422(client_for, org):
    client = client_for(org.rep)
    data = form_data(client.get("/customers/accounts/add/"), name="")
    assert client.post("/customers/accounts/add/", data, HTTP_HX_REQUEST="true").status_code == 422


def test_failed_edit_keeps_the_saved_values(client_for, org):
    client = client_for(org.rep)
    url = f"/customers/accounts/{org.rep_account.pk}/edit/"
    before = Account.objects.filter(pk=org.rep_account.pk).values().get()
    response = client.post(url, form_data(client.get(url), name="", value_tier="vip", website="not a url"))
    assert response.status_code == 200
    assert set(field_errors(response)) == {"name", "website"}
    assert Account.objects.filter(pk=org.rep_account.pk).values().get() == before
    # the page still names the record by its saved name
    assert "张三科技有限公司" in text(response)


def test_contact_without_any_name_is_refused(client_for, org):
    client = client_for(org.rep)
    contacts = Contact.objects.count()
    data = form_data(client.get("/customers/contacts/add/"), name="", title="经理")
    response = client.post("/customers/contacts/add/", data)
    assert response.status_code == 200 and "name" in field_errors(response)
    assert Contact.objects.count() == contacts


def test_contact_form_with_a_bad_phone_saves_nothing(client_for, org):
    client = client_for(org.rep)
    contacts, phones = Contact.objects.count(), PhoneNumber.objects.count()
    data = form_data(client.get("/customers/contacts/add/"), name="钱七", phone="12")
    response = client.post("/customers/contacts/add/", data)
    assert response.status_code == 200
    assert list(field_errors(response)) == ["phone"] and "12" in field_errors(response)["phone"][0]
    assert Contact.objects.count() == contacts, "the contact is not left half-written without its phone"
    assert PhoneNumber.objects.count() == phones


def test_invalid_phone_in_the_child_form_shows_under_number(client_for, org):
    client = client_for(org.rep)
    phones = PhoneNumber.objects.count()
    response = client.post(f"/customers/account/{org.rep_account.pk}/phone/add/", {"kind": "mobile", "number": "12345"})
    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == ["number"] and "12345" in errors["number"][0]
    assert PhoneNumber.objects.count() == phones


def test_failed_phone_edit_keeps_the_saved_number(client_for, org):
    client = client_for(org.rep)
    phone = org.rep_account.phonenumber_set.get()
    url = f"/customers/account/{org.rep_account.pk}/phone/{phone.pk}/edit/"
    response = client.post(url, form_data(client.get(url), number="0000", extension="99"))
    assert response.status_code == 200 and "number" in field_errors(response)
    phone.refresh_from_db()
    assert (phone.number, phone.extension) == ("+8613812345678", "")
    org.rep_account.refresh_from_db()
    assert org.rep_account.primary_phone == "+8613812345678"


def test_invalid_email_and_empty_note_are_refused(client_for, org):
    client = client_for(org.rep)
    base = f"/customers/account/{org.rep_account.pk}"
    response = client.post(f"{base}/email/add/", {"kind": "work", "email": "not-an-email"})
    assert response.status_code == 200 and list(field_errors(response)) == ["email"]
    response = client.post(f"{base}/note/add/", {"body": "   "})
    assert response.status_code == 200 and "body" in field_errors(response)
    assert not EmailAddress.objects.exists() and not Note.objects.exists()


def test_oversized_document_is_refused_naming_the_file(client_for, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GUANXI_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream")
    response = client_for(org.rep).post(f"/customers/account/{org.rep_account.pk}/document/add/", {"title": "大文件", "file": big})
    assert response.status_code == 200 and "file" in field_errors(response)
    assert not Document.objects.exists()
    assert not list(tmp_path.rglob("big*")), "no orphan file is left on disk"


def test_interaction_with_out_of_range_satisfaction(client_for, org):
    client = client_for(org.rep)
    response = client.post("/customers/interactions/add/", {
        "account": org.rep_account.pk, "direction": "inbound", "channel": "phone", "started_at": "2025-03-01T10:00",
        "duration_seconds": "-5", "satisfaction": "9",
    })
    assert response.status_code == 200
    assert set(field_errors(response)) == {"satisfaction", "duration_seconds"}
    assert not Interaction.objects.exists()


def test_unsafe_next_is_ignored(client_for, org):
    client = client_for(org.rep)
    url = f"/customers/accounts/{org.rep_account.pk}/edit/"
    response = client.post(url, form_data(client.get(url), next="https://evil.example.com/"))
    assert response.status_code == 302 and response["Location"] == org.rep_account.get_absolute_url()
