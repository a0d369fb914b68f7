"""The service reports draw their charts in a real browser (no JavaScript error), next to their tables,
and the period presets reload them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.service import services

from .conftest import log_in

pytestmark = pytest.mark.browser

CHARTS = ("chart-status", "chart-queue", "chart-sla", "chart-fcr", "chart-category", "chart-agent", "chart-csat")


def test_service_reports_draw_every_chart(open_page, make_user):
    agent = make_user("agent", role="service_agent", display_name="刘洋")
    account = customers.account_create(acting_user=agent, name="杭州云帆科技有限公司")
    for n in range(3):
        case = services.case_create(acting_user=agent, account=account, subject=f"问题{n}", assignee=agent)
        if n:
            services.case_note_add(case=case, acting_user=agent, body="已处理", is_public=True, send_email=False)
            services.case_set_status(case=case, acting_user=agent, status="resolved")
            services.case_record_satisfaction(case=case, acting_user=agent, satisfaction=3 + n)

    page = open_page()
    log_in(page, "agent")
    page.goto("/service/reports/")
    for chart in CHARTS:
        expect(page.locator(f"#{chart} svg, #{chart} canvas")).to_have_count(1)
    expect(page.locator("#fig-resolved")).to_have_text("2")
    expect(page.locator("#report-csat")).to_contain_text("5")
    page.locator("a", has_text="最近 7 天").click()
    page.wait_for_url(re.compile(r"days=7"))
    expect(page.locator("#chart-fcr svg, #chart-fcr canvas")).to_have_count(1)
