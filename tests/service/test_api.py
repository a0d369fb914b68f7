"""The case API: create, act on, and read cases; errors name the field."""

from __future__ import annotations

from guanxi.customers.models import Interaction
from guanxi.service.models import Case

from .test_visibility import api


def test_case_life_cycle_over_the_api(org, desk):
    client = api(org.admin)
    response = client.post("/api/cases/", {"account": org.rep_account.pk, "contact": org.rep_contact.pk, "subject": "无法登录",
                                           "priority": "high", "queue": desk.queue.pk, "channel": "email"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CS-") and body["status"] == "open" and body["assignee"] in (desk.agent.pk, desk.agent2.pk)
    assert body["resolution_due_at"] and body["first_response_due_at"]
    pk = body["id"]
    assert client.post("/api/case-notes/", {"case": pk, "body": "已处理", "is_public": True}, format="json").status_code == 201
    assert client.post(f"/api/cases/{pk}/assign/", {"assignee": desk.supervisor.pk}, format="json").json()["assignee"] == desk.supervisor.pk
    assert client.post(f"/api/cases/{pk}/status/", {"status": "resolved"}, format="json").json()["status"] == "resolved"
    closed = client.post(f"/api/cases/{pk}/status/", {"status": "closed", "satisfaction": 5, "comment": "好"}, format="json").json()
    assert closed["status"] == "closed" and closed["satisfaction"] == 5
    assert Interaction.objects.filter(satisfaction=5, account=org.rep_account).exists()
    assert client.get(f"/api/cases/?q={body['number']}").json()["results"][0]["id"] == pk
    assert client.get("/api/cases/?status=closed&priority=high").json()["results"][0]["id"] == pk


def test_errors_name_the_field(org, desk, cases):
    client = api(org.admin)
    response = client.post("/api/cases/", {"account": org.rep_account.pk, "subject": ""}, format="json")
    assert response.status_code == 400 and "subject" in response.json()["error"]["fields"]
    response = client.post("/api/cases/", {"account": org.rep_account.pk, "contact": org.other_contact.pk, "subject": "x"}, format="json")
    assert response.status_code == 400 and "contact" in response.json()["error"]["fields"]
    response = client.post(f"/api/cases/{cases.theirs.pk}/status/", {"status": "pending"}, format="json")
    assert response.status_code == 200
    response = client.post(f"/api/cases/{cases.theirs.pk}/survey/", {"satisfaction": 9}, format="json")
    assert response.status_code == 400 and "satisfaction" in response.json()["error"]["fields"]
    response = client.get("/api/cases/?ordering=subject")
    assert response.status_code == 400 and "ordering" in response.json()["error"]["fields"]
    assert Case.objects.count() == 2


def test_roles_limit_what_the_api_allows(org, desk, cases):
    analyst = api(org.analyst)
    assert analyst.get(f"/api/cases/{cases.mine.pk}/").status_code == 200
    assert analyst.patch(f"/api/cases/{cases.mine.pk}/", {"subject": "改"}, format="json").status_code == 403
    assert analyst.post(f"/api/cases/{cases.mine.pk}/status/", {"status": "pending"}, format="json").status_code == 403
    cc = api(desk.ccagent)
    response = cc.post("/api/cases/", {"account": org.rep_account.pk, "subject": "来电"}, format="json")
    assert response.status_code in (201, 400)  # may add; sees only accounts in scope
    assert api(desk.agent).get("/api/queues/").json()["results"][0]["name"] == "一线支持"
    assert api(desk.agent).post("/api/queues/", {"name": "x", "code": "x"}, format="json").status_code == 403


def test_delete_needs_the_permission_and_the_scope(org, desk, cases):
    assert api(desk.agent).delete(f"/api/cases/{cases.mine.pk}/").status_code == 403  # agents may not delete
    assert api(desk.supervisor).delete(f"/api/cases/{cases.theirs.pk}/").status_code == 404  # out of the supervisor's scope
    assert api(org.admin).delete(f"/api/cases/{cases.theirs.pk}/").status_code == 204
    assert not Case.objects.filter(pk=cases.theirs.pk).exists()
