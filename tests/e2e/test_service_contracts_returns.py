"""Service contracts and returns in a browser: staff set up a contract with an entitlement, register a unit,
open a return and walk it from authorisation to the return shipment (with a replacement unit); the
customer follows its status in the portal."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.portal import services as portal_services
from guanxi.sales.services.quotes import product_create
from guanxi.service import services as service
from guanxi.service.models import InstalledProduct, Rma, ServiceContract

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser

PORTAL_PASSWORD = "Portal-pass-2026!"


def change_status(page, form: str, status: str, **fields) -> None:
    page.select_option(f"{form} select[name=status]", status)
    for name, value in fields.items():
        page.fill(f"{form} [name={name}]", value)
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_contract_unit_and_return_through_to_the_customer(open_page, make_user):
    admin = make_user("boss", role=None, superuser=True)
    agent = make_user("agent", role="service_agent", display_name="刘洋")
    account = customers.account_create(acting_user=agent, name="杭州云帆科技有限公司")
    contact = customers.contact_create(acting_user=agent, account=account, name="陈静")
    printer = product_create(acting_user=admin, code="P-100", name="激光打印机", list_price=Decimal("3999"))
    service.warranty_term_set(acting_user=admin, product=printer, months=12)
    portal_user = portal_services.portal_user_invite(contact=contact, acting_user=agent, base_url="http://testserver/",
                                                     email="chenjing@example.com", send=False)
    portal_services.portal_set_password(portal_user=portal_user, password=PORTAL_PASSWORD)
    today = timezone.localdate()

    page = open_page()
    log_in(page, "agent")

    # register the installed product
    page.goto(f"/service/installed-products/add/?account={account.pk}")
    page.select_option("#id_product", str(printer.pk))
    page.fill("#id_serial_number", "yf-2026-001")
    page.fill("#id_install_date", (today - datetime.timedelta(days=20)).isoformat())
    page.fill("#id_location", "杭州市西湖区文三路 1 号")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/service/installed-products/\d+/$"))
    unit = InstalledProduct.objects.get(serial_number="YF-2026-001")
    expect(page.locator("#unit-status")).to_contain_text("使用中")

    # a service contract covering it, with an entitlement of two visits, put in force
    page.goto(f"/service/contracts/add/?account={account.pk}")
    page.fill("#id_name", "打印机全保")
    page.fill("#id_start_date", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=364)).isoformat())
    page.fill("#id_value", "8000")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/service/contracts/\d+/$"))
    contract = ServiceContract.objects.get(name="打印机全保")
    page.goto(f"/service/contracts/{contract.pk}/edit/")  # the account's units are offered once the account is set
    page.select_option("#id_installed_products", [str(unit.pk)])
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/service/contracts/\d+/$"))
    page.fill("#entitlement-form [name=name]", "上门服务")
    page.select_option("#entitlement-form [name=unit]", "visit")
    page.fill("#entitlement-form [name=quantity]", "2")
    page.click("#entitlement-form button[type=submit]")
    expect(page.locator("#contract-entitlements")).to_contain_text("上门服务")
    change_status(page, "#contract-status-form", "active")
    contract.refresh_from_db()
    assert contract.status == "active" and list(contract.installed_products.all()) == [unit]
    expect(page.locator("#contract-units")).to_contain_text("YF-2026-001")

    # open a return for the unit and walk it through
    page.goto(f"/service/returns/add/?account={account.pk}")
    page.fill("#id_reason", "打印时有异响")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/service/returns/\d+/$"))
    rma = Rma.objects.get(reason="打印时有异响")
    page.select_option("#rma-line-form [name=installed_product]", str(unit.pk))
    page.click("#rma-line-form button[type=submit]")
    expect(page.locator("#rma-lines")).to_contain_text("YF-2026-001")

    change_status(page, "#rma-status-form", "received")
    unit.refresh_from_db()
    assert unit.status == "in_repair"
    change_status(page, "#rma-status-form", "diagnosed", diagnosis="定影组件损坏，整机更换")
    page.fill(".replacement-form [name=serial_number]", "yf-2026-101")
    page.select_option(".replacement-form [name=warranty]", "restart")
    page.click(".replacement-form button[type=submit]")
    expect(page.locator("#rma-lines")).to_contain_text("YF-2026-101")
    change_status(page, "#rma-status-form", "replaced")
    change_status(page, "#rma-status-form", "shipped", return_carrier="顺丰速运", return_tracking_number="SF1234567890")
    rma.refresh_from_db()
    assert rma.status == "shipped" and rma.return_tracking_number == "SF1234567890"
    unit.refresh_from_db()
    new = unit.replacement
    assert unit.status == "replaced" and new.serial_number == "YF-2026-101" and new.warranty_end > today

    # the old unit's page says what replaced it
    page.goto(unit.get_absolute_url())
    expect(page.locator("#unit-replaced-by")).to_contain_text("YF-2026-101")

    # the customer sees the return's status in the portal, on a phone
    portal = open_page(PHONE)
    portal.goto("/portal/login/")
    portal.fill("#id_email", "chenjing@example.com")
    portal.fill("#id_password", PORTAL_PASSWORD)
    portal.click("main button[type=submit]")
    portal.wait_for_url(re.compile(r"/portal/$"))
    portal.goto("/portal/returns/")
    with translation.override("zh-hans"):
        shown = str(Rma.objects.get(pk=rma.pk).customer_status)
    expect(portal.locator(f"[data-rma='{rma.number}']")).to_contain_text(shown)
    portal.goto("/portal/products/")
    expect(portal.locator("main")).to_contain_text("YF-2026-101")  # the replacement is in service; the old unit is not listed
    expect(portal.locator("main")).not_to_contain_text("YF-2026-001")
