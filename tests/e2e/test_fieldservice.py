"""Field service in a real browser: the dispatcher drags an unassigned work order onto a technician on the
dispatch board, then the technician, on a phone-sized screen, starts it and completes it with a report."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.core import services as core_services
from guanxi.customers import services as customers
from guanxi.service import fieldservice_services as fs
from guanxi.service import services as service_services
from guanxi.service.models import WorkOrder

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser


def test_dispatch_then_technician_completes_on_a_phone(open_page, make_user):
    dispatcher = make_user("dispatcher", role="supervisor", display_name="调度员")
    team = core_services.team_create(acting_user=dispatcher, name="外勤组", manager=dispatcher)
    tech = make_user("tech", role="service_agent", team=team, display_name="周杰")
    fs.technician_create(acting_user=dispatcher, user=tech, skills=["printer"])
    account = customers.account_create(acting_user=dispatcher, name="杭州云帆科技有限公司")
    customers.address_add(party=account, acting_user=dispatcher, province="浙江省", city="杭州市", street="文三路90号")
    customers.phone_add(party=account, acting_user=dispatcher, number="0571 8765 4321")
    case = service_services.case_create(acting_user=dispatcher, account=account, subject="打印机卡纸")
    work_order = fs.work_order_create(acting_user=dispatcher, case=case, required_skills=["printer"])

    page = open_page()
    log_in(page, "dispatcher")
    page.goto("/service/dispatch/")
    card = page.locator(f'#unassigned .wo-card[data-work-order="{work_order.pk}"]')
    expect(card).to_contain_text(work_order.number)
    target = page.locator(f'td.dispatch-drop[data-technician="{tech.pk}"][data-time="10:00"]')
    with page.expect_response(re.compile(rf"/service/work-orders/{work_order.pk}/schedule/")):
        card.drag_to(target)
    row = page.locator(f'tr[data-technician-row="{tech.pk}"]')
    expect(row.locator(f'.wo-card[data-work-order="{work_order.pk}"]')).to_contain_text("10:00")
    expect(page.locator(f'#unassigned .wo-card[data-work-order="{work_order.pk}"]')).to_have_count(0)
    work_order.refresh_from_db()
    assert work_order.technician == tech and work_order.status == "scheduled"
    assert timezone.localtime(work_order.scheduled_start).hour == 10

    phone = open_page(PHONE)
    log_in(phone, "tech")
    phone.goto("/service/my-jobs/")
    phone.locator(f'#my-jobs [data-job="{work_order.pk}"]').click()
    phone.wait_for_url(re.compile(rf"/service/my-jobs/{work_order.pk}/$"))
    expect(phone.locator("#job-address")).to_contain_text("文三路90号")
    expect(phone.locator("#job-call")).to_have_attribute("href", re.compile(r"^tel:"))
    phone.click("#job-start")
    expect(phone.locator("#job-status")).to_have_text("处理中")
    phone.fill("#report-form textarea[name=work_done]", "清理进纸器并更换搓纸轮，打印正常。")
    phone.fill("#report-form input[name=signed_off_by]", "张经理")
    phone.check("#report-form input[name=resolve_case]")
    phone.click("#complete-button")
    expect(phone.locator("#job-status")).to_have_text("已完成")
    expect(phone.locator("#wo-report-result")).to_have_text("现场解决")
    # nothing on the phone page is wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    work_order.refresh_from_db()
    case.refresh_from_db()
    assert work_order.status == "completed" and work_order.report.signed_off_by == "张经理"
    assert case.status == "resolved"
    assert WorkOrder.objects.get().completed_at is not None
