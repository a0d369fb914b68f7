"""The sales API: writes through the services, errors naming the field, actions for status,
conversion and stage moves."""

from __future__ import annotations

from rest_framework.test import APIClient

from guanxi.sales.models import Lead


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_lead_create_update_status_and_convert(org, pipeline):
    api = _api(org.rep)
    created = api.post("/api/leads/", {"name": "孙权", "company": "东吴贸易", "phone": "+86 139 2222 3333", "source": "api"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phone"] == "+8613922223333" and body["owner"] == org.rep.pk and body["status"] == "new"
    lead_id = body["id"]
    bad = api.patch(f"/api/leads/{lead_id}/", {"phone": "999"}, format="json")
    assert bad.status_code == 400 and "phone" in bad.json()["error"]["fields"]
    status = api.post(f"/api/leads/{lead_id}/status/", {"status": "disqualified"}, format="json")
    assert status.status_code == 400 and "disqualify_reason" in status.json()["error"]["fields"]
    status = api.post(f"/api/leads/{lead_id}/status/", {"status": "qualified"}, format="json")
    assert status.status_code == 200 and status.json()["status"] == "qualified"
    converted = api.post(f"/api/leads/{lead_id}/convert/", {"amount": "99999.99"}, format="json")
    assert converted.status_code == 200, converted.json()
    result = converted.json()
    opportunity = api.get(f"/api/opportunities/{result['opportunity']}/").json()
    assert opportunity["amount"] == "99999.99" and opportunity["account"] == result["account"]
    assert Lead.objects.get(pk=lead_id).status == "converted"


def test_opportunity_create_and_move(org, pipeline, stages):
    api = _api(org.rep)
    created = api.post("/api/opportunities/", {
        "account": org.rep_account.pk, "name": "API 项目", "amount": "12345.60", "expected_close_date": "2030-06-30",
    }, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["stage"] == stages["初步接洽"].pk and body["probability"] == 10 and body["weighted_amount"] == "1234.56"
    lost = api.post(f"/api/opportunities/{body['id']}/move/", {"stage": stages["输单"].pk}, format="json")
    assert lost.status_code == 400 and "close_reason" in lost.json()["error"]["fields"]
    won = api.post(f"/api/opportunities/{body['id']}/move/", {"stage": stages["赢单"].pk, "close_reason": "price"}, format="json")
    assert won.status_code == 200 and won.json()["status"] == "won"
    history = api.get(f"/api/stage-changes/?opportunity={body['id']}").json()["results"]
    assert [row["to_stage"] for row in history] == [stages["赢单"].pk, stages["初步接洽"].pk]
    pipelines = api.get("/api/pipelines/").json()["results"]
    assert [s["name"] for s in pipelines[0]["stages"]][:2] == ["初步接洽", "需求确认"]


def test_analyst_reads_but_cannot_write(org, sales):
    api = _api(org.analyst)
    assert api.get("/api/leads/").status_code == 200
    assert api.post("/api/leads/", {"name": "x"}, format="json").status_code == 403
    assert api.post(f"/api/leads/{sales.mine.lead.pk}/convert/", {}, format="json").status_code == 403


def test_quote_api_lines_approval_and_order(org, sales):
    from decimal import Decimal

    from guanxi.sales import services

    product = services.product_create(acting_user=org.admin, code="X1", name="产品一", list_price=Decimal("100.00"), tax_rate=Decimal("13"))
    services.pricebook_create(acting_user=org.admin, name="标准价", is_default=True)
    api = _api(org.rep)
    created = api.post("/api/quotes/", {"opportunity": sales.mine.opportunity.pk, "title": "API 报价"}, format="json")
    assert created.status_code == 201, created.json()
    quote = created.json()
    assert quote["account"] == org.rep_account.pk and quote["status"] == "draft"
    bad = api.post(f"/api/quotes/{quote['id']}/lines/", {"product": product.pk, "quantity": "0"}, format="json")
    assert bad.status_code == 400 and "quantity" in bad.json()["error"]["fields"]
    body = api.post(f"/api/quotes/{quote['id']}/lines/", {"product": product.pk, "quantity": "3", "discount_percent": "20"}, format="json").json()
    assert (body["subtotal"], body["discount_total"], body["tax_total"], body["total"]) == ("300.00", "60.00", "31.20", "271.20")
    assert api.post(f"/api/quotes/{quote['id']}/submit/", format="json").json()["status"] == "pending"
    denied = api.post(f"/api/quotes/{quote['id']}/approve/", {}, format="json")
    assert denied.status_code == 400 and "approver" in denied.json()["error"]["fields"]
    assert _api(org.manager).post(f"/api/quotes/{quote['id']}/approve/", {"note": "可以"}, format="json").json()["status"] == "approved"
    order = api.post(f"/api/quotes/{quote['id']}/accept/", format="json")
    assert order.status_code == 201 and order.json()["total"] == "271.20"
    moved = api.post(f"/api/sales-orders/{order.json()['id']}/status/", {"status": "in_progress"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert _api(org.other).get(f"/api/quotes/{quote['id']}/").status_code == 404
    assert _api(org.other).get(f"/api/sales-orders/{order.json()['id']}/").status_code == 404
