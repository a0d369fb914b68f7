"""Installed products, service contracts and returns in the portal (pages and API), with two customers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.sales.services.quotes import product_create
from guanxi.service import services as service_services
from guanxi.service.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets(org, desk, customers):
    admin = org.admin
    printer = product_create(acting_user=admin, code="P-100", name="激光打印机", list_price=Decimal("3999"))
    router = product_create(acting_user=admin, code="R-200", name="企业路由器", list_price=Decimal("1299"))
    service_services.warranty_term_set(acting_user=admin, product=printer, months=12)
    a_unit = service_services.installed_product_create(acting_user=org.rep, product=printer, serial_number="A-0001", account=org.rep_account,
                                                       install_date=timezone.localdate() - datetime.timedelta(days=30))
    b_unit = service_services.installed_product_create(acting_user=org.other, product=router, serial_number="B-0009", account=org.other_account)
    today = timezone.localdate()
    a_contract = service_services.service_contract_create(
        acting_user=org.rep, account=org.rep_account, name="打印机维保A", start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=20), value=Decimal("12000.00"), installed_products=[a_unit])
    service_services.entitlement_create(contract=a_contract, acting_user=org.rep, name="上门服务", unit="visit", quantity=Decimal("2"))
    service_services.service_contract_set_status(contract=a_contract, acting_user=org.rep, status="active")
    b_contract = service_services.service_contract_create(
        acting_user=org.other, account=org.other_account, name="路由器维保B", start_date=today, end_date=today + datetime.timedelta(days=90),
        value=Decimal("500.00"))
    service_services.service_contract_set_status(contract=b_contract, acting_user=org.other, status="active")
    a_rma = service_services.rma_create(acting_user=org.rep, account=org.rep_account, reason="无法开机A", lines=[{"installed_product": a_unit}])
    b_rma = service_services.rma_create(acting_user=org.other, account=org.other_account, reason="退货B", lines=[{"installed_product": b_unit}])
    return type("Assets", (), dict(a_unit=a_unit, b_unit=b_unit, a_contract=a_contract, b_contract=b_contract, a_rma=a_rma, b_rma=b_rma))


def test_pages_show_only_the_own_account(customers, clients, assets):
    products = clients.a.get("/portal/products/").content.decode()
    assert "A-0001" in products and "B-0009" not in products
    contracts = clients.a.get("/portal/contracts/").content.decode()
    assert assets.a_contract.number in contracts and assets.b_contract.number not in contracts and "上门服务" in contracts
    returns = clients.a.get("/portal/returns/").content.decode()
    assert assets.a_rma.number in returns and assets.b_rma.number not in returns
    assert clients.a.get(f"/portal/returns/{assets.a_rma.pk}/").status_code == 200
    assert clients.a.get(f"/portal/returns/{assets.b_rma.pk}/").status_code == 404
    other = clients.b.get("/portal/products/").content.decode()
    assert "B-0009" in other and "A-0001" not in other


def test_api_shows_only_the_own_account(customers, clients, assets):
    assert [u["serial_number"] for u in clients.a.get("/portal/api/products/").json()["results"]] == ["A-0001"]
    assert [c["number"] for c in clients.a.get("/portal/api/contracts/").json()["results"]] == [assets.a_contract.number]
    assert [r["number"] for r in clients.a.get("/portal/api/returns/").json()["results"]] == [assets.a_rma.number]
    assert clients.a.get(f"/portal/api/returns/{assets.b_rma.pk}/").status_code == 404
    assert [r["number"] for r in clients.b.get("/portal/api/returns/").json()["results"]] == [assets.b_rma.number]


def test_a_case_about_an_own_unit_only(customers, clients, assets):
    page = clients.a.get(f"/portal/cases/new/?installed_product={assets.a_unit.pk}").content.decode()
    assert "A-0001" in page and "B-0009" not in page
    response = clients.a.post("/portal/cases/new/", {"subject": "打印机卡纸", "case_type": "problem", "description": "卡纸",
                                                     "installed_product": assets.a_unit.pk})
    assert response.status_code == 302
    case = Case.objects.get(subject="打印机卡纸")
    assert case.installed_product == assets.a_unit and case.service_contract == assets.a_contract
    refused = clients.a.post("/portal/cases/new/", {"subject": "别人的设备", "case_type": "problem", "description": "x",
                                                    "installed_product": assets.b_unit.pk})
    assert 'data-field-error="installed_product"' in refused.content.decode()
    api = clients.a.post("/portal/api/cases/", {"subject": "别人的设备", "description": "x", "installed_product": assets.b_unit.pk},
                         content_type="application/json")
    assert api.status_code == 400 and "installed_product" in api.json()["error"]["fields"]
    assert not Case.objects.filter(subject="别人的设备").exists()
    api = clients.a.post("/portal/api/cases/", {"subject": "API 设备", "description": "x", "installed_product": assets.a_unit.pk},
                         content_type="application/json")
    assert api.status_code == 201 and api.json()["installed_product"] == "激光打印机 · A-0001"


def test_asset_pages_query_counts_do_not_grow(org, customers, clients, assets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paths = ["/portal/", "/portal/products/", "/portal/contracts/", "/portal/returns/", f"/portal/returns/{assets.a_rma.pk}/",
             "/portal/help/", "/portal/api/cases/", "/portal/api/products/"]

    def counts():
        out = {}
        for path in paths:
            with CaptureQueriesContext(connection) as ctx:
                assert clients.a.get(path).status_code == 200, path
            out[path] = len(ctx.captured_queries)
        return out

    before = counts()
    printer = assets.a_unit.product
    for n in range(4):
        unit = service_services.installed_product_create(acting_user=org.rep, product=printer, serial_number=f"A-10{n}", account=org.rep_account)
        service_services.rma_line_add(rma=assets.a_rma, acting_user=org.rep, installed_product=unit)
        service_services.rma_create(acting_user=org.rep, account=org.rep_account, reason=f"退货 {n}", lines=[{"installed_product": unit}])
        service_services.case_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact, subject=f"工单 {n}",
                                     installed_product=unit)
    assert counts() == before
