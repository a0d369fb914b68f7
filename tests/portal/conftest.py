"""Two customers with a portal login each, on top of the shared ``org`` and the service ``desk``.

``a``: 张三 of 张三科技有限公司 (``org.rep_account``); ``b``: 李四 of 北方重工股份有限公司 (``org.other_account``).
Each has a case; the tests prove that neither sees the other's.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from guanxi.customers import services as customer_services
from guanxi.portal import services as portal_services
from guanxi.service import services as service_services
from tests.service.conftest import desk  # noqa: F401  (the service fixtures)

PORTAL_PASSWORD = "Portal-pass-2026!"


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_portal_user(contact, email, *, acting_user):
    portal_user = portal_services.portal_user_invite(contact=contact, acting_user=acting_user, base_url="http://testserver/", email=email, send=False)
    portal_services.portal_set_password(portal_user=portal_user, password=PORTAL_PASSWORD)
    portal_user.refresh_from_db()
    return portal_user


def portal_client(portal_user) -> Client:
    client = Client()
    response = client.post("/portal/login/", {"email": portal_user.email, "password": PORTAL_PASSWORD})
    assert response.status_code == 302, response.content[:2000]
    return client


@pytest.fixture
def customers(org, desk):
    admin = org.admin
    a_user = make_portal_user(org.rep_contact, "zhangsan@example.com", acting_user=admin)
    b_user = make_portal_user(org.other_contact, "lisi@example.com", acting_user=admin)
    a_case = service_services.case_create(acting_user=desk.agent, account=org.rep_account, contact=org.rep_contact, subject="打印机无法联网 A",
                                          description="A 的问题", queue=desk.queue)
    b_case = service_services.case_create(acting_user=org.other, account=org.other_account, contact=org.other_contact, subject="发票抬头 B",
                                          description="B 的问题")
    service_services.case_note_add(case=a_case, acting_user=desk.agent, body="公开回复 A", is_public=True, send_email=False)
    service_services.case_note_add(case=a_case, acting_user=desk.agent, body="内部备注 A", is_public=False)
    public = service_services.article_create(acting_user=desk.agent, title="打印机无法连接网络", problem="打印机离线", solution="重启打印机", is_public=True)
    internal = service_services.article_create(acting_user=desk.agent, title="打印机内部排障手册", problem="打印机 内部", solution="内部步骤", is_public=False)
    return SimpleNamespace(
        a=a_user, b=b_user, a_case=a_case, b_case=b_case, a_account=org.rep_account, b_account=org.other_account,
        public_article=public, internal_article=internal,
    )


@pytest.fixture
def clients(customers):
    return SimpleNamespace(a=portal_client(customers.a), b=portal_client(customers.b))


def link_second_account(org, contact):
    """Link ``contact`` to a second account (of another rep), for the several-accounts tests."""
    account = customer_services.account_create(acting_user=org.rep, name="第二家公司")
    customer_services.contact_link(contact=contact, account=account, acting_user=org.rep)
    return account
