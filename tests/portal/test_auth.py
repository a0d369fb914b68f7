"""Portal identity: log-in, lockout, sessions, the wall between portal and staff, invitations and resets."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from guanxi.portal import services
from guanxi.portal.choices import PortalUserStatus
from guanxi.portal.models import PortalUser
from tests.conftest import PASSWORD

from .conftest import PORTAL_PASSWORD, portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages below are checked in English (the browser sends no language)."""
    settings.LANGUAGE_CODE = "en"


def test_log_in_rotates_the_session_key_and_lands_on_home(customers):
    client = Client()
    client.get("/portal/login/")
    before = client.session.session_key
    response = client.post("/portal/login/", {"email": "ZhangSan@Example.com ", "password": PORTAL_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.session.session_key != before
    assert "_auth_user_id" not in client.session
    page = client.get("/portal/")
    assert page.status_code == 200 and "张三" in page.content.decode()


def test_wrong_password_says_so_without_telling_who_exists(customers):
    client = Client()
    wrong = client.post("/portal/login/", {"email": "zhangsan@example.com", "password": "nope"}).content.decode()
    unknown = client.post("/portal/login/", {"email": "nobody@example.com", "password": "nope"}).content.decode()
    message = "The e-mail address or the password is wrong."
    assert message in wrong and message in unknown
    assert client.get("/portal/").status_code == 302


def test_repeated_failures_lock_the_login(customers, settings):
    settings.GUANXI_PORTAL_LOGIN_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        response = client.post("/portal/login/", {"email": "zhangsan@example.com", "password": "wrong"})
    assert "Too many failed log-ins" in response.content.decode()
    # even the right password is refused while locked
    response = client.post("/portal/login/", {"email": "zhangsan@example.com", "password": PORTAL_PASSWORD})
    assert response.status_code == 200 and "Too many failed log-ins" in response.content.decode()
    customers.a.refresh_from_db()
    assert customers.a.locked_until is not None
    # a password reset unlocks it
    services.portal_set_password(portal_user=customers.a, password="Another-pass-2026!")
    response = client.post("/portal/login/", {"email": "zhangsan@example.com", "password": "Another-pass-2026!"})
    assert response.status_code == 302


def test_staff_credentials_do_not_open_the_portal(org, customers):
    client = Client()
    for email in ("rep", org.rep.email or "rep@example.com"):
        response = client.post("/portal/login/", {"email": email, "password": PASSWORD})
        assert response.status_code == 200
    assert client.get("/portal/").status_code == 302


def test_a_staff_session_is_no_portal_session(org, customers, client_for):
    staff = client_for(org.admin)
    response = staff.get("/portal/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert staff.get("/portal/api/cases/").status_code in (401, 403)
    token = Token.objects.create(user=org.admin)
    assert Client().get("/portal/api/cases/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code in (401, 403)


def test_a_portal_session_never_reaches_staff_pages_or_the_staff_api(customers, clients):
    for path in ("/", "/customers/accounts/", "/service/cases/", f"/service/cases/{customers.a_case.pk}/", "/ops/admin/"):
        response = clients.a.get(path)
        assert response.status_code == 302, path
        assert "/portal/" not in response["Location"]
    for path in ("/api/accounts/", "/api/cases/", f"/api/cases/{customers.a_case.pk}/"):
        assert clients.a.get(path).status_code in (401, 403), path


def test_portal_log_in_drops_a_staff_log_in_of_the_same_browser(org, customers, client_for):
    client = client_for(org.admin)
    assert client.get("/service/cases/").status_code == 200
    client.post("/portal/login/", {"email": "zhangsan@example.com", "password": PORTAL_PASSWORD})
    assert client.get("/portal/").status_code == 200
    assert client.get("/service/cases/").status_code == 302


def test_csrf_is_checked_on_portal_forms_and_api(customers):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/portal/login/", {"email": "zhangsan@example.com", "password": PORTAL_PASSWORD}).status_code == 403
    client.get("/portal/login/")
    token = client.cookies["csrftoken"].value
    response = client.post("/portal/login/", {"email": "zhangsan@example.com", "password": PORTAL_PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    # the token rotated on log-in; the API refuses a write without it
    assert client.post("/portal/api/cases/", {"subject": "x", "description": "y"}, content_type="application/json").status_code == 403


def test_logout_and_disable_end_the_session(customers, clients, org):
    assert clients.a.post("/portal/logout/").status_code == 302
    assert clients.a.get("/portal/").status_code == 302
    client = portal_client(customers.b)
    services.portal_user_disable(portal_user=customers.b, acting_user=org.admin)
    assert client.get("/portal/").status_code == 302
    assert client.get("/portal/api/cases/").status_code in (401, 403)
    assert client.post("/portal/login/", {"email": "lisi@example.com", "password": PORTAL_PASSWORD}).status_code == 200


def test_a_password_change_ends_other_sessions(customers):
    client = portal_client(customers.a)
    services.portal_set_password(portal_user=customers.a, password="Brand-new-pass-7!")
    assert client.get("/portal/").status_code == 302


def _link(message) -> str:
    return re.search(r"http://testserver(/portal/\S+)", message.body).group(1)


def test_invitation_from_the_contact_page_to_the_first_log_in(org, desk, client_for, django_capture_on_commit_callbacks):
    from guanxi.customers import services as customer_services

    customer_services.email_add(party=org.rep_contact, acting_user=org.rep, email="Zhang.San@Example.com")
    org.rep_contact.refresh_from_db()
    staff = client_for(org.rep)
    page = staff.get(org.rep_contact.get_absolute_url()).content.decode()
    assert 'data-portal-status="none"' in page and "Invite to the portal" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/invite/", {"email": ""})
    assert response.status_code == 302
    portal_user = PortalUser.objects.get(contact=org.rep_contact)
    assert portal_user.status == PortalUserStatus.INVITED and portal_user.email == "zhang.san@example.com"
    assert portal_user.invited_by == org.rep
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang.san@example.com"]
    assert 'data-portal-status="invited"' in staff.get(org.rep_contact.get_absolute_url()).content.decode()
    # an invited login cannot log in before choosing a password
    assert Client().post("/portal/login/", {"email": "zhang.san@example.com", "password": ""}).status_code == 200
    link = _link(mail.outbox[0])
    customer = Client()
    assert customer.get(link).status_code == 200
    weak = customer.post(link, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and 'data-field-error="password1"' in weak.content.decode()
    response = customer.post(link, {"password1": "Strong-pass-2026!", "password2": "Strong-pass-2026!"})
    assert response.status_code == 302 and customer.get("/portal/").status_code == 200
    portal_user.refresh_from_db()
    assert portal_user.status == PortalUserStatus.ACTIVE and portal_user.activated_at
    # the link works once
    assert Client().get(link).status_code == 400
    from guanxi.core.models import AuditEntry

    assert AuditEntry.objects.filter(object_id=str(portal_user.pk), action="create", actor=org.rep).exists()


def test_invitation_needs_an_address_and_permission(org, desk, client_for):
    staff = client_for(org.rep)
    response = staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/invite/", {"email": ""}, follow=True)
    assert "The contact has no e-mail address" in response.content.decode()
    assert not PortalUser.objects.exists()
    analyst = client_for(org.analyst)  # analysts see the status, but may not invite
    assert analyst.post(f"/portal-access/contacts/{org.rep_contact.pk}/invite/", {"email": "x@example.com"}).status_code == 403
    # a contact the user cannot see: 404
    assert staff.post(f"/portal-access/contacts/{org.other_contact.pk}/invite/", {"email": "x@example.com"}).status_code == 404


def test_resend_disable_enable_from_the_contact_page(org, desk, client_for, django_capture_on_commit_callbacks):
    staff = client_for(org.rep)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/invite/", {"email": "zs@example.com"})
    first = _link(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/resend/")
    assert len(mail.outbox) == 2
    staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/disable/")
    portal_user = PortalUser.objects.get(contact=org.rep_contact)
    assert portal_user.status == PortalUserStatus.DISABLED
    assert Client().get(first).status_code == 400  # links of a disabled login stop working
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/enable/")
    portal_user.refresh_from_db()
    assert portal_user.status == PortalUserStatus.INVITED and len(mail.outbox) == 3
    Client().post(_link(mail.outbox[2]), {"password1": "Strong-pass-2026!", "password2": "Strong-pass-2026!"})
    staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/disable/")
    staff.post(f"/portal-access/contacts/{org.rep_contact.pk}/enable/")
    portal_user.refresh_from_db()
    assert portal_user.status == PortalUserStatus.ACTIVE
    from guanxi.core.models import AuditEntry

    statuses = [e.changes.get("status") for e in AuditEntry.objects.filter(object_id=str(portal_user.pk), action="update").order_by("id")]
    assert ["invited", "disabled"] in statuses and ["disabled", "active"] in statuses


def test_password_reset_by_e_mail_link(customers):
    client = Client()
    response = client.post("/portal/password-reset/", {"email": "zhangsan@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    client.post("/portal/password-reset/", {"email": "nobody@example.com"})  # same answer, no mail
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    assert "/portal/reset/" in link
    response = client.post(link, {"password1": "Reset-pass-2026!", "password2": "Reset-pass-2026!"})
    assert response.status_code == 302
    assert Client().post("/portal/login/", {"email": "zhangsan@example.com", "password": "Reset-pass-2026!"}).status_code == 302
    assert Client().post(link, {"password1": "Again-pass-2026!", "password2": "Again-pass-2026!"}).status_code == 400


def test_a_staff_user_cannot_use_a_reset_link_for_staff(customers, org):
    """Portal links are portal tokens: a staff user's id in the link finds no portal user."""
    from guanxi.portal.tokens import encode_uid

    assert Client().get(f"/portal/reset/{encode_uid(org.admin.pk + 1000)}/abc-def/").status_code == 400


def test_language_switch(customers, clients):
    response = clients.a.post("/portal/language/", {"language": "en", "next": "/portal/cases/"})
    assert response.status_code == 302 and response["Location"] == "/portal/cases/"
    assert 'lang="en"' in clients.a.get("/portal/cases/").content.decode()
    clients.a.post("/portal/language/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert "我的工单" in clients.a.get("/portal/cases/").content.decode() or 'lang="zh-hans"' in clients.a.get("/portal/cases/").content.decode()
    customers.a.refresh_from_db()
    assert customers.a.language == "zh-hans"
