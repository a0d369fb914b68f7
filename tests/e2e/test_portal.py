"""The customer portal on a phone: log in, open a case, read the agent's reply, answer it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.portal import services as portal_services
from guanxi.service import services as service
from guanxi.service.models import Case

from .conftest import PHONE

pytestmark = pytest.mark.browser

PORTAL_PASSWORD = "Portal-pass-2026!"


def test_customer_opens_a_case_and_answers_the_reply_on_a_phone(open_page, make_user):
    agent = make_user("agent", role="service_agent", display_name="刘洋")
    account = customers.account_create(acting_user=agent, name="杭州云帆科技有限公司")
    contact = customers.contact_create(acting_user=agent, account=account, name="陈静")
    portal_user = portal_services.portal_user_invite(contact=contact, acting_user=agent, base_url="http://testserver/",
                                                     email="chenjing@example.com", send=False)
    portal_services.portal_set_password(portal_user=portal_user, password=PORTAL_PASSWORD)

    page = open_page(PHONE)
    page.goto("/portal/")
    page.wait_for_url(re.compile(r"/portal/login/"))
    page.fill("#id_email", "chenjing@example.com")
    page.fill("#id_password", PORTAL_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))
    expect(page.locator("h1")).to_contain_text("陈静")

    # the menu is collapsed on a phone
    page.click(".navbar-toggler")
    page.locator("#portalNav a", has_text="新建工单").click()
    page.wait_for_url(re.compile(r"/portal/cases/new/$"))
    page.fill("#id_subject", "发票金额错误")
    page.select_option("#id_case_type", "problem")
    page.fill("#id_description", "十一月的发票金额多了 100 元。")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/cases/\d+/$"))
    case = Case.objects.get(subject="发票金额错误")
    assert (case.account, case.contact, case.channel) == (account, contact, "portal")
    expect(page.locator("main")).to_contain_text(case.number)

    # an agent answers in the service app and waits for the customer
    service.case_note_add(case=case, acting_user=agent, body="您好，请提供发票号码。", is_public=True, send_email=False)
    service.case_note_add(case=case, acting_user=agent, body="内部：核对开票记录", is_public=False)
    service.case_set_status(case=case, acting_user=agent, status="pending")

    page.reload()
    expect(page.locator("#conversation")).to_contain_text("请提供发票号码")
    expect(page.locator("#conversation")).not_to_contain_text("核对开票记录")
    page.fill("#id_body", "发票号码是 12345678。")
    page.click("form[action$='/reply/'] button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/cases/{case.pk}/$"))
    expect(page.locator("#conversation")).to_contain_text("发票号码是 12345678")
    case.refresh_from_db()
    assert case.status == "open"
    assert case.notes.filter(from_customer=True, body="发票号码是 12345678。").exists()
    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
