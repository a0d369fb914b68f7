"""A case's life in a real browser: quick entry by phone, a reply, resolve, close with a rating."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.customers.models import Interaction
from guanxi.service.models import Case

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_case_life_cycle(page, make_user):
    agent = make_user("agent", role="service_agent", display_name="刘洋")
    account = customers.account_create(acting_user=agent, name="杭州云帆科技有限公司")
    customers.phone_add(party=account, acting_user=agent, number="0571 8765 4321")
    log_in(page, "agent")

    page.goto("/service/cases/quick/")
    page.fill("#quick-search", "8765 4321")
    page.locator("#quick-result-list a", has_text="杭州云帆科技").click()
    page.wait_for_url(re.compile(rf"/service/cases/quick/\?account={account.pk}$"))
    page.fill("#id_subject", "发票金额错误")
    page.select_option("#id_case_type", "problem")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/service/cases/\d+/$"))
    case = Case.objects.get(subject="发票金额错误")
    expect(page.locator("#case-number")).to_have_text(case.number)

    page.fill("#note-form textarea[name=body]", "您好，已为您重新开具发票。")
    page.check("#note-form input[name=is_public]")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#case-notes")).to_contain_text("已为您重新开具发票")

    page.select_option("#status-form select[name=status]", "resolved")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("已解决")
    page.select_option("#status-form select[name=status]", "closed")
    page.locator("#status-form summary").click()
    page.select_option("#status-form select[name=satisfaction]", "5")
    page.fill("#status-form textarea[name=comment]", "非常及时")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("已关闭")
    expect(page.locator("#case-satisfaction")).to_contain_text("5")
    assert Interaction.objects.get(account=account).satisfaction == 5
