"""Fixtures of the API tests: an organisation and its customer data, built through the services.

The organisation: an administrator; team East (manager ``manager``, rep ``rep_a``); team West (rep
``rep_b``); ``tm``, a rep of no team who is a member of the Shanghai territory; ``marketer``, who
may view and change but not add. Customer data: ``acct_a`` (rep_a's, with a contact, a link, an
address, a phone, an e-mail, a document, a note and an interaction), ``acct_b`` (rep_b's) and
``acct_t`` (rep_b's, placed in the Shanghai territory by its province).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.core import services as core
from guanxi.core.choices import RoleCode, TerritoryLevel
from guanxi.customers import services as customers


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, not security


@pytest.fixture
def org(db):
    roles = {role.code: role for role in core.role_bootstrap()}

    def user(username, role, team=None):
        return core.user_create(acting_user=None, username=username, password="Str0ng-pass-4-tests", team=team, roles=[roles[role]])

    admin = user("admin", RoleCode.ADMINISTRATOR)
    manager = user("manager", RoleCode.SALES_MANAGER)
    east = core.team_create(acting_user=admin, name="East", manager=manager)
    west = core.team_create(acting_user=admin, name="West")
    core.user_update(user=manager, acting_user=admin, data={"team": east})
    rep_a = user("rep_a", RoleCode.SALES_REP, team=east)
    rep_b = user("rep_b", RoleCode.SALES_REP, team=west)
    tm = user("tm", RoleCode.SALES_REP)
    marketer = user("marketer", RoleCode.MARKETER, team=west)
    shanghai = core.territory_create(
        acting_user=admin, name="上海", code="sh", level=TerritoryLevel.PROVINCE, provinces=["上海"], members=[tm],
    )
    return SimpleNamespace(
        roles=roles, admin=admin, manager=manager, rep_a=rep_a, rep_b=rep_b, tm=tm, marketer=marketer,
        east=east, west=west, shanghai=shanghai,
    )


@pytest.fixture
def world(org):
    rep_a, rep_b = org.rep_a, org.rep_b
    acct_a = customers.account_create(acting_user=rep_a, name="张三科技有限公司", province="浙江", city="杭州", annual_revenue="1234567.89")
    contact_a = customers.contact_create(acting_user=rep_a, account=acct_a, name="李四", title="采购经理")
    link_a = acct_a.contact_links.get()
    address_a = customers.address_add(party=acct_a, acting_user=rep_a, province="浙江", city="杭州", street="文三路 1 号")
    phone_a = customers.phone_add(party=acct_a, acting_user=rep_a, number="138 0013 8000")
    email_a = customers.email_add(party=contact_a, acting_user=rep_a, email="LiSi@Example.com")
    document_a = customers.document_add(
        party=acct_a, acting_user=rep_a, title="合同", file=SimpleUploadedFile("contract.txt", b"signed", "text/plain"),
    )
    note_a = customers.note_add(party=contact_a, acting_user=rep_a, body="喜欢喝茶")
    interaction_a = customers.interaction_create(
        acting_user=rep_a, account=acct_a, contact=contact_a, channel="phone",
        started_at=timezone.now() - datetime.timedelta(hours=2), reason="报价",
    )
    acct_b = customers.account_create(acting_user=rep_b, name="王五贸易")
    acct_t = customers.account_create(acting_user=rep_b, name="上海赵六物流", province="上海", city="上海")
    phone_t = customers.phone_add(party=acct_t, acting_user=rep_b, number="021 6234 5678")
    return SimpleNamespace(
        acct_a=acct_a, contact_a=contact_a, link_a=link_a, address_a=address_a, phone_a=phone_a, email_a=email_a,
        document_a=document_a, note_a=note_a, interaction_a=interaction_a, acct_b=acct_b, acct_t=acct_t, phone_t=phone_t,
    )


@pytest.fixture
def records(world):
    """rep_a's record of every customer-data endpoint: endpoint -> id."""
    return {
        "accounts": world.acct_a.pk, "contacts": world.contact_a.pk, "account-contacts": world.link_a.pk,
        "addresses": world.address_a.pk, "phone-numbers": world.phone_a.pk, "email-addresses": world.email_a.pk,
        "documents": world.document_a.pk, "notes": world.note_a.pk, "interactions": world.interaction_a.pk,
    }


def token_client(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    """``api(user)``: a client that authenticates as ``user`` with an API token."""
    return token_client


@pytest.fixture
def ids():
    """``ids(response)``: the ids of a list response's page (asserting it is a 200)."""

    def ids(response) -> list[int]:
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    return ids
