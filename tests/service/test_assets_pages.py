"""Pages and API of installed products, service contracts and returns: visibility, forms, actions with their
messages, the account's panels and the case page, query counts, and the daily contracts command."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from guanxi.core.models import Notification
from guanxi.service import services
from guanxi.service.models import Case, InstalledProduct, Rma, ServiceContract

from .test_visibility import api

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")


def _queries(client, url) -> tuple[int, str]:
    _body(client.get(url))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        content = _body(response)
    assert response.status_code == 200, url
    return len(captured), content


@pytest.fixture
def client_for(client_for):
    """Clients that read English (the messages are checked in English; the catalogue test checks Chinese)."""
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def rma(org, assets):
    return services.rma_create(acting_user=org.rep, account=org.rep_account, reason="无法开机", lines=[{"installed_product": assets.unit}])


@pytest.mark.parametrize("kind", ["unit", "contract", "rma"])
def test_visibility_in_list_detail_export_and_api(org, assets, rma, client_for, kind):
    record, list_url, api_url = {
        "unit": (assets.unit, "/service/installed-products/", "/api/installed-products/"),
        "contract": (assets.contract, "/service/contracts/", "/api/service-contracts/"),
        "rma": (rma, "/service/returns/", "/api/rmas/"),
    }[kind]
    label = {"unit": "SN-0001", "contract": assets.contract.number, "rma": rma.number}[kind]
    for user, sees in ((org.rep, True), (org.watcher, True), (org.manager, True), (org.other, False)):
        client = client_for(user)
        assert (label in _body(client.get(list_url))) is sees, (user, kind)
        assert client.get(record.get_absolute_url()).status_code == (200 if sees else 404)
        assert (label in _body(client.get(list_url + "?export=csv"))) is sees
        ids = [row["id"] for row in api(user).get(api_url).json()["results"]]
        assert (record.pk in ids) is sees
        assert api(user).get(f"{api_url}{record.pk}/").status_code == (200 if sees else 404)


def test_list_pages_keep_a_flat_query_count(org, assets, client_for):
    client = client_for(org.admin)
    urls = ("/service/installed-products/", "/service/contracts/", "/service/returns/")
    before = {url: _queries(client, url)[0] for url in urls}
    for n in range(12):
        unit = services.installed_product_create(acting_user=org.rep, product=assets.router, serial_number=f"B{n}", account=org.rep_account)
        services.service_contract_create(acting_user=org.rep, account=org.rep_account, name=f"合同{n}", start_date=assets.contract.start_date,
                                         end_date=assets.contract.end_date)
        rma = services.rma_create(acting_user=org.rep, account=org.rep_account, reason=f"退回{n}", lines=[{"installed_product": unit}])
        services.rma_update(rma=rma, acting_user=org.rep, case=services.case_create(acting_user=org.rep, account=org.rep_account, subject=f"c{n}"))
    for url in urls:
        after, content = _queries(client, url)
        assert after == before[url], url
        assert "B11" in content or "合同11" in content or "退回11"[:2] in content


def test_detail_pages_and_account_panels_have_bounded_queries(org, assets, rma, client_for):
    client = client_for(org.admin)
    account_url = f"/customers/accounts/{org.rep_account.pk}/"
    first, _content = _queries(client, account_url)
    detail_counts = {obj: _queries(client, obj.get_absolute_url())[0] for obj in (assets.unit, assets.contract, rma)}
    for n in range(8):
        unit = services.installed_product_create(acting_user=org.rep, product=assets.router, serial_number=f"X{n}", account=org.rep_account)
        case = services.case_create(acting_user=org.rep, account=org.rep_account, subject=f"报修{n}", installed_product=assets.unit)
        services.entitlement_consume(entitlement=assets.visits, acting_user=org.rep, quantity=Decimal("0.25"), case=case)
        services.rma_line_add(rma=rma, acting_user=org.rep, installed_product=unit)
        services.rma_from_case(case=case, acting_user=org.rep)
    count, content = _queries(client, account_url)
    assert count == first
    for panel in ('id="account-contracts"', 'id="account-units"', 'id="account-rmas"', 'id="account-cases"'):
        assert panel in content
    assert assets.contract.number in content and "SN-0001" in content
    for obj, before in detail_counts.items():
        assert _queries(client, obj.get_absolute_url())[0] <= before + 2, obj


def test_panels_need_the_permissions(org, assets, client_for, make_user):
    nobody = make_user("nobody", role=None, superuser=False)
    content = _body(client_for(org.rep).get(f"/customers/accounts/{org.rep_account.pk}/"))
    assert 'id="account-contracts"' in content and 'id="account-units"' in content
    assert client_for(nobody).get("/service/contracts/").status_code == 403


def test_installed_product_form_computes_the_warranty_and_names_bad_fields(org, assets, client_for):
    client = client_for(org.rep)
    response = client.post("/service/installed-products/add/", {
        "account": org.rep_account.pk, "product": assets.printer.pk, "serial_number": "sn-0002", "install_date": "2026-03-01", "status": "active"})
    unit = InstalledProduct.objects.get(serial_number="SN-0002")
    assert response.status_code == 302 and unit.warranty_end == datetime.date(2027, 2, 28)
    response = client.post("/service/installed-products/add/", {
        "account": org.rep_account.pk, "product": assets.printer.pk, "serial_number": "SN-0002", "status": "active", "location": "仓库"})
    assert response.status_code == 200 and "already has a unit with serial number SN-0002" in response.content.decode()
    assert 'value="仓库"' in response.content.decode()  # nothing typed is lost
    page = client.get(unit.get_absolute_url()).content.decode()
    assert 'id="unit-history"' in page and "Under warranty" in page or "保修" in page


def test_contract_pages_activate_use_and_refuse(org, desk, assets, client_for):
    client = client_for(org.rep)
    today = timezone.localdate()
    response = client.post("/service/contracts/add/", {
        "account": org.rep_account.pk, "name": "新合同", "start_date": today.isoformat(), "end_date": (today - datetime.timedelta(days=1)).isoformat(),
        "value": "100", "currency": "CNY", "renewal_reminder_days": 30})
    assert response.status_code == 200 and "The contract cannot end before it starts." in response.content.decode()
    response = client.post("/service/contracts/add/", {
        "account": org.rep_account.pk, "name": "新合同", "start_date": today.isoformat(), "end_date": (today + datetime.timedelta(days=365)).isoformat(),
        "value": "8800.50", "currency": "CNY", "sla_policy": assets.gold.pk, "installed_products": [assets.unit.pk], "renewal_reminder_days": 30})
    contract = ServiceContract.objects.get(name="新合同")
    assert response.status_code == 302 and contract.status == "draft" and contract.value == Decimal("8800.50")
    assert list(contract.installed_products.all()) == [assets.unit] and contract.owner == org.rep
    client.post(f"/service/contracts/{contract.pk}/status/", {"status": "active"})
    contract.refresh_from_db()
    assert contract.status == "active"
    client.post(f"/service/contracts/{contract.pk}/entitlements/", {"name": "远程支持", "unit": "hour", "quantity": "3"})
    hours = contract.entitlements.get()
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="远程协助")
    assert client.post(f"/service/entitlements/{hours.pk}/use/", {"quantity": "1"}).status_code == 403  # sales reps only read uses
    client = client_for(org.admin)
    response = client.post(f"/service/entitlements/{hours.pk}/use/", {"quantity": "2.5", "case": case.number}, follow=True)
    hours.refresh_from_db()
    assert hours.used == Decimal("2.5") and hours.usages.get().case == case
    response = client.post(f"/service/entitlements/{hours.pk}/use/", {"quantity": "1"}, follow=True)
    assert "Only 0.5 of 远程支持 left" in response.content.decode()
    hours.refresh_from_db()
    assert hours.used == Decimal("2.5")
    # an agent with the permission but no case of this contract does not reach it
    assert client_for(desk.agent).post(f"/service/entitlements/{hours.pk}/use/", {"quantity": "0.5"}).status_code == 404


def test_case_page_shows_contract_warranty_and_uses_an_entitlement(org, desk, assets, client_for):
    # the agent does not see the account: the case (in the agent's queue) shows them its unit and contract
    assert not ServiceContract.objects.visible_to(desk.agent).exists()
    response = client_for(org.admin).post("/service/cases/add/", {
        "account": org.rep_account.pk, "installed_product": assets.unit.pk, "subject": "卡纸", "channel": "phone",
        "case_type": "problem", "priority": "normal"})
    case = Case.objects.get(subject="卡纸")
    assert response.status_code == 302 and case.service_contract == assets.contract and case.sla_policy == assets.gold
    services.case_assign(case=case, acting_user=org.admin, queue=desk.queue, assignee=desk.agent)
    client = client_for(desk.agent)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="case-contract"' in page and assets.contract.number in page and "金牌" in page
    assert 'id="case-unit"' in page and "SN-0001" in page
    client.post(f"/service/entitlements/{assets.visits.pk}/use/", {"quantity": "1", "case": case.number, "next": case.get_absolute_url()})
    assets.visits.refresh_from_db()
    assert assets.visits.used == 1
    response = client.post(f"/service/cases/{case.pk}/return/")
    rma = Rma.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == rma.get_absolute_url()
    assert rma.lines.get().installed_product == assets.unit
    lookup = client.get(f"/service/installed-products/lookup/?q=sn-00&account={org.rep_account.pk}").content.decode()
    assert "SN-0001" in lookup


def test_rma_page_walks_the_flow_and_refuses_a_wrong_step(org, desk, assets, client_for):
    case = services.case_create(acting_user=org.rep, account=org.rep_account, subject="无法开机", installed_product=assets.unit, queue=desk.queue)
    rma = services.rma_from_case(case=case, acting_user=org.rep)
    client = client_for(desk.agent)  # sees the return through its case, in the agent's queue
    response = client.post(f"/service/returns/{rma.pk}/status/", {"status": "closed"}, follow=True)
    assert "A return cannot go from Authorised to Closed." in response.content.decode()
    client.post(f"/service/returns/{rma.pk}/lines/", {"product": assets.router.pk, "quantity": "2", "problem": "配件"})
    assert rma.lines.count() == 2
    client.post(f"/service/returns/{rma.pk}/status/", {"status": "received"})
    response = client.post(f"/service/returns/{rma.pk}/status/", {"status": "diagnosed"}, follow=True)
    assert "Write the diagnosis." in response.content.decode()
    client.post(f"/service/returns/{rma.pk}/status/", {"status": "diagnosed", "diagnosis": "主板损坏"})
    client.post(f"/service/returns/{rma.pk}/status/", {"status": "replaced"})
    response = client.post(f"/service/returns/{rma.pk}/status/", {"status": "shipped", "return_carrier": "顺丰", "return_tracking_number": "SF1"},
                           follow=True)
    assert "Record the replacement unit for serial number SN-0001 before shipping." in response.content.decode()
    line = rma.lines.get(installed_product=assets.unit)
    page = client.get(rma.get_absolute_url()).content.decode()
    assert f"/service/returns/{rma.pk}/lines/{line.pk}/replace/" in page
    client.post(f"/service/returns/{rma.pk}/lines/{line.pk}/replace/", {"serial_number": "sn-0099", "warranty": "carry_over"})
    line.refresh_from_db()
    assert line.replacement.serial_number == "SN-0099" and line.replacement.warranty_end == assets.unit.warranty_end
    unit_page = client.get(assets.unit.get_absolute_url()).content.decode()
    assert 'id="unit-replaced-by"' in unit_page and "SN-0099" in unit_page and 'data-kind="replaced"' in unit_page
    assert client.get(line.replacement.get_absolute_url()).status_code == 404  # the new unit has no case the agent works
    assert 'id="unit-replaces"' in client_for(org.rep).get(line.replacement.get_absolute_url()).content.decode()
    client.post(f"/service/returns/{rma.pk}/status/", {"status": "shipped", "return_carrier": "顺丰", "return_tracking_number": "SF1"})
    rma.refresh_from_db()
    assert rma.status == "shipped" and rma.return_tracking_number == "SF1"
    page = client.get(rma.get_absolute_url()).content.decode()
    assert 'id="rma-customer-status"' in page and "On its way back to you" in page
    assets.unit.refresh_from_db()
    assert assets.unit.status == "replaced"


def test_api_contract_entitlement_and_rma(org, desk, assets):
    client = api(org.admin)
    today = timezone.localdate()
    response = client.post("/api/service-contracts/", {
        "account": org.rep_account.pk, "name": "API 合同", "start_date": today.isoformat(), "end_date": (today + datetime.timedelta(days=30)).isoformat(),
        "value": "500.00", "installed_products": [assets.unit.pk], "sla_policy": assets.gold.pk}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["number"].startswith("SC-") and response.json()["status"] == "draft"
    response = client.post(f"/api/service-contracts/{pk}/status/", {"status": "expired"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    assert client.post(f"/api/service-contracts/{pk}/status/", {"status": "active"}, format="json").json()["status"] == "active"
    response = client.post("/api/entitlements/", {"contract": pk, "name": "上门", "unit": "visit", "quantity": "1"}, format="json")
    assert response.status_code == 201, response.content
    entitlement = response.json()["id"]
    assert client.post("/api/entitlement-uses/", {"entitlement": entitlement, "quantity": "1"}, format="json").status_code == 201
    response = client.post("/api/entitlement-uses/", {"entitlement": entitlement, "quantity": "1"}, format="json")
    assert response.status_code == 400 and "quantity" in response.json()["error"]["fields"]
    # a unit of another account is refused, naming the field
    response = client.post("/api/service-contracts/", {
        "account": org.rep_account.pk, "name": "x", "start_date": today.isoformat(), "end_date": today.isoformat(),
        "installed_products": [assets.other_unit.pk]}, format="json")
    assert response.status_code == 400 and "installed_products" in response.json()["error"]["fields"]

    response = client.post("/api/rmas/", {"account": org.rep_account.pk, "reason": "退货",
                                          "new_lines": [{"installed_product": assets.unit.pk, "problem": "不通电"}]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("RMA-") and body["lines"][0]["product"] == assets.printer.pk and body["customer_status"]
    response = client.post(f"/api/rmas/{body['id']}/status/", {"status": "diagnosed"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    assert client.post(f"/api/rmas/{body['id']}/status/", {"status": "received"}, format="json").json()["status"] == "received"
    history = client.get(f"/api/installed-products/{assets.unit.pk}/history/").json()
    assert {row["kind"] for row in history} == {"contract", "rma"}
    case = client.post("/api/cases/", {"account": org.rep_account.pk, "subject": "API", "installed_product": assets.unit.pk}, format="json").json()
    assert case["service_contract"] in (assets.contract.pk, pk)


def test_daily_contracts_command_reminds_once_and_expires(org, assets):
    out = StringIO()
    with translation.override("en"):
        call_command("service_contracts", stdout=out)
    assert "1 renewal reminders sent" in out.getvalue()
    assert Notification.objects.filter(recipient=org.rep, url=assets.contract.get_absolute_url()).count() == 1
    out = StringIO()
    with translation.override("en"):
        call_command("service_contracts", "--date", (assets.contract.end_date + datetime.timedelta(days=1)).isoformat(), stdout=out)
    assert "1 contracts expired" in out.getvalue()
    assets.contract.refresh_from_db()
    assert assets.contract.status == "expired"


def test_pages_in_chinese_show_no_untranslated_text(org, assets, rma, client_for):
    from django.test import Client

    from tests.core.test_i18n import english_words

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.admin)
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="卡纸", installed_product=assets.unit)
    from guanxi.core.models import User

    # user names (the owner filter lists them), numbers' prefixes, and SLA and RMA, which Chinese uses as they are
    data_words = {"sn-", "sc-", "rma", "rma-", "cs-", "p-", "r-", "sla", "shanghai", "network"} | {u.username.lower() for u in User.objects.all()}
    for url in ("/service/installed-products/", "/service/contracts/", "/service/returns/", assets.unit.get_absolute_url(),
                assets.contract.get_absolute_url(), rma.get_absolute_url(), case.get_absolute_url(), "/service/setup/",
                f"/customers/accounts/{org.rep_account.pk}/", "/service/installed-products/add/", "/service/contracts/add/",
                "/service/returns/add/", f"/service/returns/{rma.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_words(response.content.decode(), data_words) == set(), url


def test_global_search_finds_units_contracts_and_returns_in_scope(org, assets, rma, client_for):
    for query, url in (("sn-000", assets.unit.get_absolute_url()), (assets.contract.number, assets.contract.get_absolute_url()),
                       (rma.number, rma.get_absolute_url())):
        assert url in client_for(org.rep).get(f"/customers/search/?q={query}").content.decode(), query
        assert url not in client_for(org.other).get(f"/customers/search/?q={query}").content.decode(), query


def test_new_contract_from_the_account_offers_that_accounts_units(org, desk, assets, client_for):
    """The link from the account's panel names the account: the covered-units list holds its units at once."""
    page = client_for(org.rep).get(f"/service/contracts/add/?account={org.rep_account.pk}").content.decode()
    select = page[page.index('name="installed_products"'):]
    select = select[: select.index("</select>")]
    assert f'value="{assets.unit.pk}"' in select, "the account's unit is offered"
    assert f'value="{assets.other_unit.pk}"' not in select, "another account's unit is not"


def test_global_search_asks_the_unit_rules_only_when_a_serial_matches(org, assets, client_for):
    client = client_for(org.rep)
    client.get("/customers/search/?q=zhangsan")
    for query, rules_asked in (("zhangsan", False), ("sn-000", True)):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/customers/search/?q={query}", HTTP_HX_REQUEST="true")
        unit_queries = [q["sql"] for q in captured if 'FROM "service_installedproduct"' in q["sql"]]
        assert any("service_case" in sql for sql in unit_queries) is rules_asked, query
        assert len(unit_queries) == (2 if rules_asked else 1), query
