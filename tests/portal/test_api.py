"""The portal API with two customers: the same scope as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.service import services as service_services
from guanxi.service.models import Case

pytestmark = pytest.mark.django_db


def test_me_and_case_list_are_scoped(customers, clients):
    me = clients.a.get("/portal/api/me/").json()
    assert me["email"] == "zhangsan@example.com" and me["account"]["id"] == customers.a_account.pk
    numbers = [c["number"] for c in clients.a.get("/portal/api/cases/?status=all").json()["results"]]
    assert numbers == [customers.a_case.number]
    numbers = [c["number"] for c in clients.b.get("/portal/api/cases/").json()["results"]]
    assert numbers == [customers.b_case.number]
    assert clients.a.get(f"/portal/api/cases/?account={customers.b_account.pk}").status_code == 404


def test_case_detail_has_public_notes_only_and_guessing_gives_404(customers, clients):
    data = clients.a.get(f"/portal/api/cases/{customers.a_case.pk}/").json()
    assert [n["body"] for n in data["notes"]] == ["公开回复 A"]
    assert "assignee" not in data and "queue" not in data
    assert clients.a.get(f"/portal/api/cases/{customers.b_case.pk}/").status_code == 404
    assert clients.a.post(f"/portal/api/cases/{customers.b_case.pk}/reply/", {"body": "x"}, content_type="application/json").status_code == 404


def test_create_and_reply(customers, clients, desk):
    response = clients.a.post("/portal/api/cases/", {"subject": "API 工单", "description": "说明", "case_type": "request"}, content_type="application/json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.account, case.contact, case.channel) == (customers.a_account, customers.a.contact, "portal")
    service_services.case_set_status(case=case, acting_user=desk.agent, status="pending")
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    response = clients.a.post(f"/portal/api/cases/{case.pk}/reply/", {"body": "补充日志", "file": upload})
    assert response.status_code == 201 and response.json()["status"] == "open"
    detail = clients.a.get(f"/portal/api/cases/{case.pk}/").json()
    assert detail["notes"][-1]["body"] == "补充日志" and detail["notes"][-1]["attachments"][0]["filename"] == "log.txt"


def test_bad_input_names_the_field(customers, clients, settings):
    response = clients.a.post("/portal/api/cases/", {"subject": "", "description": "x"}, content_type="application/json")
    assert response.status_code == 400 and "subject" in response.json()["error"]["fields"]
    exe = SimpleUploadedFile("x.exe", b"MZ")
    response = clients.a.post("/portal/api/cases/", {"subject": "s", "description": "d", "file": exe})
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    response = clients.a.post(f"/portal/api/cases/{customers.a_case.pk}/close/", {"satisfaction": 5}, content_type="application/json")
    assert response.status_code == 400 and "satisfaction" in response.json()["error"]["fields"]


def test_close_with_survey(customers, clients, desk):
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="resolved")
    response = clients.a.post(f"/portal/api/cases/{customers.a_case.pk}/close/", {"satisfaction": 5, "comment": "好"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "closed" and response.json()["satisfaction"] == 5


def test_articles_are_public_only(customers, clients):
    titles = [a["title"] for a in clients.a.get("/portal/api/articles/?q=打印机").json()["results"]]
    assert titles == ["打印机无法连接网络"]
    assert clients.a.get(f"/portal/api/articles/{customers.internal_article.pk}/").status_code == 404
    assert clients.a.get(f"/portal/api/articles/{customers.public_article.pk}/").status_code == 200
    path = f"/portal/api/articles/{customers.public_article.pk}/feedback/"
    assert clients.a.post(path, {"helpful": True}, content_type="application/json").status_code == 201
    assert clients.a.post(path, {"helpful": True}, content_type="application/json").json() == {"recorded": False}


def test_anonymous_gets_401_or_403(customers, client):
    for path in ("/portal/api/me/", "/portal/api/cases/", f"/portal/api/cases/{customers.a_case.pk}/", "/portal/api/articles/"):
        assert client.get(path).status_code in (401, 403)
