"""Returns customers start in the portal (staff authorise them), and personal API tokens for the portal API;
both kept within one customer's account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from guanxi.portal.models import PortalApiToken
from guanxi.sales.services.quotes import product_create
from guanxi.service import services as service_services
from guanxi.service.models import Rma

from .conftest import portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(org, customers):
    printer = product_create(acting_user=org.admin, code="P-100", name="激光打印机", list_price=Decimal("3999"))
    a1 = service_services.installed_product_create(acting_user=org.rep, product=printer, serial_number="A-0001", account=org.rep_account)
    a2 = service_services.installed_product_create(acting_user=org.rep, product=printer, serial_number="A-0002", account=org.rep_account)
    b1 = service_services.installed_product_create(acting_user=org.other, product=printer, serial_number="B-0001", account=org.other_account)
    return type("Units", (), dict(a1=a1, a2=a2, b1=b1))


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_customer_requests_a_return_and_staff_authorise_it(org, desk, customers, units, client_for):
    client = portal_client(customers.a)
    page = client.get(f"/portal/returns/new/?installed_product={units.a1.pk}").content.decode()
    assert "A-0001" in page and "A-0002" in page and "B-0001" not in page  # only the account's own units
    # nothing chosen: the form says which field and why, and keeps the reason typed
    response = client.post("/portal/returns/new/", {"reason": "无法开机"})
    assert response.status_code == 200 and 'data-field-error="installed_products"' in response.content.decode()
    assert "无法开机" in response.content.decode()
    # another customer's unit is refused as not a valid choice
    response = client.post("/portal/returns/new/", {"installed_products": [units.b1.pk], "reason": "x"})
    assert response.status_code == 200 and not Rma.objects.exists()

    response = client.post("/portal/returns/new/", {"installed_products": [units.a1.pk], "reason": "无法开机"})
    rma = Rma.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/returns/{rma.pk}/"
    assert (rma.status, rma.account, rma.contact, rma.owner) == ("requested", org.rep_account, org.rep_contact, None)
    assert list(rma.lines.values_list("installed_product", flat=True)) == [units.a1.pk]
    from guanxi.core.models import Notification

    assert Notification.objects.filter(recipient=org.rep, url=rma.get_absolute_url()).exists()  # the account's owner hears of it
    detail = client.get(f"/portal/returns/{rma.pk}/").content.decode()
    assert rma.number in detail
    # the same unit cannot be asked for twice while the return is open
    response = client.post("/portal/returns/new/", {"installed_products": [units.a1.pk], "reason": "again"})
    assert Rma.objects.count() == 1 and rma.number in response.content.decode()

    # isolation: B neither lists nor opens A's return
    other = portal_client(customers.b)
    assert rma.number not in other.get("/portal/returns/").content.decode()
    assert other.get(f"/portal/returns/{rma.pk}/").status_code == 404

    # staff authorise it from the return's page; the customer sees the new status
    staff = client_for(org.admin)
    assert 'value="authorised"' in staff.get(rma.get_absolute_url()).content.decode()
    staff.post(f"/service/returns/{rma.pk}/status/", {"status": "authorised"})
    rma.refresh_from_db()
    assert rma.status == "authorised" and rma.authorised_at is not None
    assert rma.customer_status in [row["status_label"] for row in client.get("/portal/api/returns/").json()["results"]]


def test_tokens_are_made_and_revoked_on_the_profile_page_and_hashed_at_rest(customers):
    client = portal_client(customers.a)
    assert client.get("/portal/profile/").status_code == 200
    page = client.post("/portal/profile/", {"name": "ERP"}).content.decode()
    token = PortalApiToken.objects.get()
    import re

    raw = re.search(r'id="new-token-value">([^<]+)<', page).group(1)
    assert raw.startswith("gxp_") and raw not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert raw not in client.get("/portal/profile/").content.decode()  # shown once
    assert bearer(raw).get("/portal/api/me/").json()["email"] == customers.a.email
    # an empty name is refused, naming the field
    assert 'data-field-error="name"' in client.post("/portal/profile/", {"name": " "}).content.decode()
    # B cannot revoke A's token
    portal_client(customers.b).post("/portal/profile/", {"revoke": token.pk})
    assert PortalApiToken.objects.filter(pk=token.pk).exists()
    client.post("/portal/profile/", {"revoke": token.pk})
    assert not PortalApiToken.objects.exists()
    assert bearer(raw).get("/portal/api/me/").status_code == 401


def test_token_sees_only_its_customer_and_only_the_portal_api(org, customers, units):
    from guanxi.portal import services as portal_services

    _a, raw_a = portal_services.portal_token_create(portal_user=customers.a, name="A")
    _b, raw_b = portal_services.portal_token_create(portal_user=customers.b, name="B")
    a, b = bearer(raw_a), bearer(raw_b)
    assert [c["number"] for c in a.get("/portal/api/cases/").json()["results"]] == [customers.a_case.number]
    assert a.get(f"/portal/api/cases/{customers.b_case.pk}/").status_code == 404
    # a return through the API, with a token: no CSRF token needed (header authentication)
    response = a.post("/portal/api/returns/", {"installed_products": [units.a1.pk, units.a2.pk], "reason": "批量返修"}, content_type="application/json")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert response.json()["status"] == "requested" and len(response.json()["lines"]) == 2
    assert a.post("/portal/api/returns/", {"installed_products": [units.b1.pk], "reason": "x"}, content_type="application/json").status_code == 400
    assert a.post("/portal/api/returns/", {"installed_products": [], "reason": "x"}, content_type="application/json").status_code == 400
    assert number not in str(b.get("/portal/api/returns/").json())
    rma = Rma.objects.get(number=number)
    assert b.get(f"/portal/api/returns/{rma.pk}/").status_code == 404

    # scoped to the portal API: a portal token opens no staff endpoint, a staff token no portal endpoint
    assert a.get("/api/cases/").status_code in (401, 403)
    assert a.get("/service/cases/").status_code == 302  # to the staff log-in
    staff_key = Token.objects.get_or_create(user=org.admin)[0].key
    assert Client(HTTP_AUTHORIZATION=f"Bearer {staff_key}").get("/portal/api/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {staff_key}").get("/portal/api/me/").status_code in (401, 403)
    assert bearer("gxp_not-a-token").get("/portal/api/me/").status_code == 401
    # a disabled portal user's token stops working
    portal_services.portal_user_disable(portal_user=customers.a, acting_user=org.admin)
    assert a.get("/portal/api/me/").status_code == 401
