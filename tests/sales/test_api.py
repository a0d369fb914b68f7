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
