"""Installed products, warranties, service contracts and entitlements, returns (RMA), and the portal's reads."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from guanxi.customers.models import TimelineEvent
from guanxi.service import selectors, services
from guanxi.service.models import Case, InstalledProduct, Rma, ServiceContract

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_warranty_end_is_computed_from_the_product_term(assets):
    # 12 months from 31 January: the warranty ends on 30 January of the next year (month ends clamp)
    assert assets.unit.warranty_end == datetime.date(2027, 1, 30)
    assert assets.unit.serial_number == "SN-0001"
    assert assets.other_unit.warranty_end is None  # no term for routers, no install date
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert assets.unit.under_warranty(datetime.date(2027, 1, 30)) and not assets.unit.under_warranty(datetime.date(2027, 1, 31))


def test_warranty_follows_a_new_install_date_unless_set_by_hand(org, assets):
    services.installed_product_update(unit=assets.unit, acting_user=org.rep, install_date=datetime.date(2026, 3, 1))
    assert assets.unit.warranty_end == datetime.date(2027, 2, 28)
    services.installed_product_update(unit=assets.unit, acting_user=org.rep, warranty_end=datetime.date(2028, 3, 1))
    services.installed_product_update(unit=assets.unit, acting_user=org.rep, install_date=datetime.date(2026, 4, 1))
    assert assets.unit.warranty_end == datetime.date(2028, 3, 1)


def test_serial_number_is_unique_per_product(org, assets):
    with pytest.raises(ValidationError) as info:
        services.installed_product_create(acting_user=org.rep, product=assets.printer, serial_number=" sn-0001 ", account=org.rep_account)
    assert "serial_number" in info.value.message_dict
    # the same serial on another product is another unit
    services.installed_product_create(acting_user=org.rep, product=assets.router, serial_number="SN-0001", account=org.rep_account)


def test_new_case_under_a_contract_gets_its_sla_policy(org, desk, assets):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="卡纸", installed_product=assets.unit)
    assert case.service_contract == assets.contract
    assert case.sla_policy == assets.gold
    # a case of another account keeps the default policy
    other = services.case_create(acting_user=org.other, account=org.other_account, subject="路由器")
    assert other.service_contract is None and other.sla_policy == desk.policy


def test_contract_naming_units_covers_only_them(org, desk, assets):
    spare = services.installed_product_create(acting_user=org.rep, product=assets.router, serial_number="X1", account=org.rep_account)
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="路由器", installed_product=spare)
    assert case.service_contract is None and case.sla_policy == desk.policy
    whole = services.service_contract_create(acting_user=org.rep, account=org.rep_account, name="全店", start_date=assets.contract.start_date,
                                             end_date=assets.contract.end_date)
    services.service_contract_set_status(contract=whole, acting_user=org.rep, status="active")
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="路由器", installed_product=spare)
    assert case.service_contract == whole


def test_unit_and_contract_of_another_account_are_refused(org, assets):
    with pytest.raises(ValidationError) as info:
        services.case_create(acting_user=org.rep, account=org.rep_account, subject="x", installed_product=assets.other_unit)
    assert "installed_product" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.case_create(acting_user=org.other, account=org.other_account, subject="x", service_contract=assets.contract)
    assert "service_contract" in info.value.message_dict


def test_entitlement_consumption_and_refusal(org, assets):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="上门维修")
    services.entitlement_consume(entitlement=assets.visits, acting_user=org.rep, quantity=1, case=case)
    services.entitlement_consume(entitlement=assets.visits, acting_user=org.rep, quantity="1")
    assets.visits.refresh_from_db()
    assert assets.visits.used == 2 and assets.visits.remaining == 0
    with pytest.raises(ValidationError) as info:
        services.entitlement_consume(entitlement=assets.visits, acting_user=org.rep, quantity=1, case=case)
    assert "Only 0 of 上门服务 left" in info.value.message_dict["quantity"][0]
    assets.visits.refresh_from_db()
    assert assets.visits.used == 2 and assets.visits.usages.count() == 2
    services.entitlement_usage_delete(usage=assets.visits.usages.first(), acting_user=org.rep)
    assets.visits.refresh_from_db()
    assert assets.visits.used == 1


def test_entitlement_of_a_contract_not_in_force_is_refused(org, assets):
    services.service_contract_set_status(contract=assets.contract, acting_user=org.rep, status="cancelled")
    with pytest.raises(ValidationError) as info:
        services.entitlement_consume(entitlement=assets.visits, acting_user=org.rep, quantity=1)
    assert "entitlement" in info.value.message_dict


def test_contract_status_flow(org, assets):
    with pytest.raises(ValidationError):
        services.service_contract_set_status(contract=assets.contract, acting_user=org.rep, status="draft")
    with pytest.raises(ValidationError):
        services.service_contract_delete(contract=assets.contract, acting_user=org.rep)
    with pytest.raises(ValidationError) as info:
        services.service_contract_update(contract=assets.contract, acting_user=org.rep, end_date=assets.contract.start_date - datetime.timedelta(days=1))
    assert "end_date" in info.value.message_dict


def test_rma_flow_with_units_and_timeline(org, assets):
    rma = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="无法开机",
                              lines=[{"installed_product": assets.unit, "problem": "不通电"}])
    assert rma.number.startswith("RMA-") and rma.status == "authorised"
    assert rma.lines.get().product == assets.printer
    with pytest.raises(ValidationError) as info:
        services.rma_set_status(rma=rma, acting_user=org.rep, status="shipped")
    assert "cannot go from" in info.value.message_dict["status"][0]
    services.rma_set_status(rma=rma, acting_user=org.rep, status="received")
    assets.unit.refresh_from_db()
    assert assets.unit.status == "in_repair"
    with pytest.raises(ValidationError) as info:
        services.rma_set_status(rma=rma, acting_user=org.rep, status="diagnosed")
    assert "diagnosis" in info.value.message_dict
    services.rma_set_status(rma=rma, acting_user=org.rep, status="diagnosed", diagnosis="电源板损坏")
    services.rma_set_status(rma=rma, acting_user=org.rep, status="repaired")
    with pytest.raises(ValidationError) as info:
        services.rma_set_status(rma=rma, acting_user=org.rep, status="shipped", return_carrier="顺丰")
    assert "return_tracking_number" in info.value.message_dict
    services.rma_set_status(rma=rma, acting_user=org.rep, status="shipped", return_carrier="顺丰", return_tracking_number="SF123")
    services.rma_set_status(rma=rma, acting_user=org.rep, status="closed")
    rma.refresh_from_db()
    assets.unit.refresh_from_db()
    assert assets.unit.status == "active"
    assert rma.received_at and rma.diagnosed_at and rma.resolved_at and rma.shipped_at and rma.closed_at
    kinds = list(TimelineEvent.objects.filter(account=org.rep_account, kind__startswith="rma.").values_list("kind", flat=True))
    assert set(kinds) == {"rma.authorised", "rma.received", "rma.diagnosed", "rma.repaired", "rma.shipped", "rma.closed"}


def test_rma_needs_lines_before_receipt_and_from_case(org, assets):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="打印模糊", installed_product=assets.unit)
    rma = services.rma_from_case(case=case, acting_user=org.rep)
    assert rma.case == case and rma.lines.get().installed_product == assets.unit and rma.reason == "打印模糊"
    empty = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="退货")
    with pytest.raises(ValidationError):
        services.rma_set_status(rma=empty, acting_user=org.rep, status="received")
    with pytest.raises(ValidationError) as info:
        services.rma_line_add(rma=empty, acting_user=org.rep, installed_product=assets.other_unit)
    assert "installed_product" in info.value.message_dict


def test_history_of_a_unit(org, assets):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="卡纸", installed_product=assets.unit)
    rma = services.rma_from_case(case=case, acting_user=org.rep)
    kinds = [row["kind"] for row in selectors.installed_product_history(unit=assets.unit, user=org.rep)]
    assert sorted(kinds) == ["case", "contract", "rma"]
    assert selectors.installed_product_history(unit=assets.unit, user=org.other) == []
    assert rma


def test_portal_reads_only_the_accounts_rows(org, assets):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="卡纸", installed_product=assets.unit)
    rma = services.rma_from_case(case=case, acting_user=org.rep)
    services.rma_update(rma=rma, acting_user=org.rep, diagnosis="内部备注：客户误操作")
    draft = services.service_contract_create(acting_user=org.rep, account=org.rep_account, name="草稿", start_date=assets.contract.start_date,
                                             end_date=assets.contract.end_date)
    units = selectors.portal_installed_products(org.rep_account)
    assert [u["serial_number"] for u in units] == ["SN-0001"] and units[0]["under_warranty"] is not None
    contracts = selectors.portal_service_contracts(org.rep_account)
    assert [c["number"] for c in contracts] == [assets.contract.number]  # the draft is left out
    assert contracts[0]["entitlements"][0]["remaining"] == 2 and contracts[0]["service_level"] == "金牌"
    rmas = selectors.portal_rmas(org.rep_account)
    assert [r["number"] for r in rmas] == [rma.number]
    assert "diagnosis" not in rmas[0] and rmas[0]["status_label"]
    assert selectors.portal_rma(org.other_account, rma.pk) is None
    assert selectors.portal_installed_products(org.other_account)[0]["serial_number"] == "R-9"
    assert selectors.portal_service_contracts(org.other_account) == [] and selectors.portal_rmas(org.other_account) == []
    assert draft


def test_renewal_reminder_and_expiry(org, assets):
    from guanxi.core.models import Notification

    today = timezone.localdate()
    done = services.contract_reminders(today=today)
    assert done["reminded"] == 1  # ends in 20 days, reminder 30 days before
    assert Notification.objects.filter(recipient=org.rep, url=assets.contract.get_absolute_url()).count() == 1
    assert services.contract_reminders(today=today)["reminded"] == 0  # once
    done = services.contract_reminders(today=assets.contract.end_date + datetime.timedelta(days=1))
    assets.contract.refresh_from_db()
    assert done["expired"] == 1 and assets.contract.status == "expired"


def test_visibility_of_the_new_records(org, assets):
    rma = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="坏了", lines=[{"installed_product": assets.unit}])
    for model, row in ((InstalledProduct, assets.unit), (ServiceContract, assets.contract), (Rma, rma)):
        assert model.objects.visible_to(org.rep).filter(pk=row.pk).exists()
        assert model.objects.visible_to(org.watcher).filter(pk=row.pk).exists()
        assert not model.objects.visible_to(org.other).filter(pk=row.pk).exists()
    assert not Case.objects.visible_to(org.other).filter(service_contract=assets.contract).exists()


def test_demo_builder_adds_units_contracts_and_returns(org, desk):
    import random
    from types import SimpleNamespace

    from guanxi.customers import services as customer_services
    from guanxi.sales.services.quotes import product_create
    from guanxi.service.demo import build_assets
    from guanxi.service.models import Entitlement

    for n in range(6):
        customer_services.account_create(acting_user=org.rep, name=f"演示客户{n}有限公司")
    for code in ("D-1", "D-2", "D-3"):
        product_create(acting_user=org.admin, code=code, name=f"设备{code}", list_price=Decimal("100"))
    demo_org = SimpleNamespace(admin=org.admin, users={"agent": desk.agent})
    build_assets(demo_org, random.Random(7), timezone.now())
    assert InstalledProduct.objects.count() >= 8 and all(u.warranty_end for u in InstalledProduct.objects.all())
    assert ServiceContract.objects.filter(status="active").count() == 3 and ServiceContract.objects.filter(status="expired").count() == 1
    assert Entitlement.objects.filter(used__gt=0).count() == 3
    assert sorted(Rma.objects.values_list("status", flat=True)) == ["authorised", "received", "replaced", "shipped"]
    build_assets(demo_org, random.Random(7), timezone.now())  # a second run adds nothing
    assert Rma.objects.count() == 4


def _diagnosed_return(org, assets):
    rma = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="坏了", lines=[{"installed_product": assets.unit}])
    services.rma_set_status(rma=rma, acting_user=org.admin, status="received")
    services.rma_set_status(rma=rma, acting_user=org.admin, status="diagnosed", diagnosis="主板损坏")
    return rma


def test_replacement_unit_carries_the_warranty_over_or_restarts_it(org, desk, assets):
    from django.core.exceptions import ValidationError

    rma = _diagnosed_return(org, assets)
    line = rma.lines.get()
    new = services.rma_line_replace(line=line, acting_user=org.admin, serial_number="sn 0100", warranty="carry_over")
    assets.unit.refresh_from_db()
    line.refresh_from_db()
    assert (new.serial_number, new.product, new.account, new.location) == ("SN0100", assets.printer, org.rep_account, assets.unit.location)
    assert new.replaces == assets.unit and assets.unit.replacement == new and line.replacement == new
    assert new.warranty_end == assets.unit.warranty_end and new.install_date == timezone.localdate()
    assert assets.unit.status == "replaced" and new.status == "active"
    assert org.rep_account.timeline_events.filter(kind="unit.replaced").exists()
    # a line is replaced once
    with pytest.raises(ValidationError) as again:
        services.rma_line_replace(line=line, acting_user=org.admin, serial_number="SN0101")
    assert "already replaced" in str(again.value)

    services.rma_set_status(rma=rma, acting_user=org.admin, status="replaced")
    services.rma_set_status(rma=rma, acting_user=org.admin, status="shipped", return_carrier="顺丰", return_tracking_number="SF9")

    # restart: a warranty from the replacement date by the product's term (12 months)
    other = services.installed_product_create(acting_user=org.rep, product=assets.printer, serial_number="SN-0200", account=org.rep_account,
                                              install_date=datetime.date(2020, 1, 1))
    rma2 = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="旧机", lines=[{"installed_product": other}])
    services.rma_set_status(rma=rma2, acting_user=org.admin, status="received")
    services.rma_set_status(rma=rma2, acting_user=org.admin, status="diagnosed", diagnosis="老化")
    with pytest.raises(ValidationError) as expired:  # nothing to carry over from an expired warranty
        services.rma_line_replace(line=rma2.lines.get(), acting_user=org.admin, serial_number="SN-0201", warranty="carry_over")
    assert "warranty" in expired.value.message_dict
    day = datetime.date(2026, 3, 15)
    fresh = services.rma_line_replace(line=rma2.lines.get(), acting_user=org.admin, serial_number="SN-0201", warranty="restart", install_date=day)
    assert fresh.warranty_end == services.warranty_end_for(assets.printer, day) == datetime.date(2027, 3, 14)


def test_replacement_refused_before_diagnosis_for_product_lines_and_through_the_api(org, desk, assets):
    from django.core.exceptions import ValidationError
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    rma = services.rma_create(acting_user=org.rep, account=org.rep_account, reason="坏了",
                              lines=[{"installed_product": assets.unit}, {"product": assets.router, "quantity": 2}])
    with pytest.raises(ValidationError):
        services.rma_line_replace(line=rma.lines.get(installed_product=assets.unit), acting_user=org.admin, serial_number="X1")
    services.rma_set_status(rma=rma, acting_user=org.admin, status="received")
    services.rma_set_status(rma=rma, acting_user=org.admin, status="diagnosed", diagnosis="x")
    with pytest.raises(ValidationError):
        services.rma_line_replace(line=rma.lines.get(installed_product__isnull=True), acting_user=org.admin, serial_number="X2")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=org.admin)[0].key}")
    line = rma.lines.get(installed_product=assets.unit)
    response = client.post(f"/api/rma-lines/{line.pk}/replace/", {"serial_number": "api-1", "warranty": "carry_over"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["serial_number"] == "API-1" and response.json()["replaces"] == assets.unit.pk
    assert client.get(f"/api/rma-lines/{line.pk}/").json()["replacement"] == response.json()["id"]
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=org.other)[0].key}")
    assert outsider.post(f"/api/rma-lines/{line.pk}/replace/", {"serial_number": "api-2"}, format="json").status_code in (403, 404)
