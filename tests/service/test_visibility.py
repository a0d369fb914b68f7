"""A case is seen by its assignee (and managers), its queue's members and whoever sees its account; nobody
else can read or change it, or its notes, attachments and links, through the UI or the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.service import services
from guanxi.service.models import Case, CaseAttachment, CaseLink, CaseNote


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def records(org, desk, cases):
    note = services.case_note_add(case=cases.mine, acting_user=desk.agent, body="内部备注", files=[SimpleUploadedFile("a.txt", b"a")])
    return {"case": cases.mine, "note": note, "attachment": note.attachments.get(),
            "link": services.case_link(case=cases.mine, other=services.case_create(acting_user=org.rep, account=org.rep_account, subject="另一个"), acting_user=org.rep)}


def test_who_sees_which_case(org, desk, cases):
    def seen(user):
        return set(Case.objects.visible_to(user).values_list("pk", flat=True))

    mine, theirs = cases.mine.pk, cases.theirs.pk
    assert seen(desk.agent) == seen(desk.agent2) == {mine}  # queue members, one of them the assignee
    assert seen(org.rep) == seen(org.watcher) == seen(org.manager) == {mine}  # through the account
    assert seen(org.other) == {theirs}
    assert seen(org.admin) == seen(org.analyst) == {mine, theirs}
    assert seen(desk.outsider) == set()
    services.case_assign(case=cases.theirs, acting_user=org.admin, assignee=desk.outsider)
    assert seen(desk.outsider) == {theirs}  # the assignee


def test_case_visibility_by_subqueries_gives_the_generic_rule(org, desk, cases):
    """``Case.objects.visible_to`` tests the case's own columns; the rows are those of the framework's rule."""
    from guanxi.framework.visibility import scope_for, visibility_q

    services.case_assign(case=cases.theirs, acting_user=org.admin, assignee=desk.outsider)
    services.case_create(acting_user=org.admin, account=org.other_account, subject="无队列无人负责")
    for user in (desk.agent, desk.agent2, desk.outsider, desk.supervisor, org.rep, org.watcher, org.manager, org.other, org.admin, org.analyst):
        generic = set(Case.objects.filter(visibility_q(Case, scope_for(user))).values_list("pk", flat=True))
        if scope_for(user).everything:
            generic = set(Case.objects.values_list("pk", flat=True))
        assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == generic, user.username


def test_children_follow_their_case(org, desk, records):
    for model in (CaseNote, CaseAttachment, CaseLink):
        assert model.objects.visible_to(desk.agent2).exists()
        assert not model.objects.visible_to(desk.outsider).exists()
        assert not model.objects.visible_to(org.other).exists()


def test_outsider_gets_404_on_every_page_and_action(org, desk, cases, records, client_for):
    client = client_for(desk.outsider)
    pk = cases.mine.pk
    for url in (f"/service/cases/{pk}/", f"/service/cases/{pk}/edit/", f"/history/service/case/{pk}/",
                f"/service/attachments/{records['attachment'].pk}/download/"):
        assert client.get(url).status_code == 404, url
    for action, data in (("status", {"status": "pending"}), ("note", {"body": "x"}), ("assign", {"assignee": desk.outsider.pk}),
                         ("survey", {"satisfaction": 5}), ("merge", {"target": cases.theirs.number})):
        assert client.post(f"/service/cases/{pk}/{action}/", data).status_code == 404, action
    cases.mine.refresh_from_db()
    assert cases.mine.status == "open" and cases.mine.assignee != desk.outsider
    assert not CaseNote.objects.filter(body="x").exists()
    listing = client.get("/service/cases/").content.decode()
    assert cases.mine.number not in listing
    export = b"".join(client.get("/service/cases/?export=csv").streaming_content).decode("utf-8-sig")
    assert cases.mine.number not in export
    assert f"/service/cases/{pk}/" not in client.get(f"/customers/search/?q={cases.mine.number}").content.decode()
    assert f"/service/cases/{pk}/" in client_for(desk.agent).get(f"/customers/search/?q={cases.mine.number}").content.decode()


def test_queue_member_works_the_case_in_the_ui(org, desk, cases, client_for):
    client = client_for(desk.agent2)
    page = client.get(f"/service/cases/{cases.mine.pk}/")
    assert page.status_code == 200 and cases.mine.number in page.content.decode()
    response = client.post(f"/service/cases/{cases.mine.pk}/note/", {"body": "已回复客户", "is_public": "on"})
    assert response.status_code == 302
    response = client.post(f"/service/cases/{cases.mine.pk}/status/", {"status": "resolved"})
    cases.mine.refresh_from_db()
    assert cases.mine.status == "resolved" and cases.mine.first_responded_at is not None


def test_api_hides_and_protects_cases_out_of_scope(org, desk, cases, records):
    outsider = api(desk.outsider)
    assert outsider.get("/api/cases/").json()["results"] == []
    pk = cases.mine.pk
    assert outsider.get(f"/api/cases/{pk}/").status_code == 404
    assert outsider.patch(f"/api/cases/{pk}/", {"subject": "改"}, format="json").status_code == 404
    assert outsider.post(f"/api/cases/{pk}/status/", {"status": "closed"}, format="json").status_code == 404
    for endpoint in ("case-notes", "case-attachments", "case-links"):
        assert outsider.get(f"/api/{endpoint}/").json()["results"] == [], endpoint
    response = outsider.post("/api/case-notes/", {"case": pk, "body": "偷偷加"}, format="json")
    assert response.status_code == 400 and "case" in response.json()["error"]["fields"]
    # nor can a case be opened on an account the user cannot see
    response = outsider.post("/api/cases/", {"account": org.rep_account.pk, "subject": "x"}, format="json")
    assert response.status_code == 400 and "account" in response.json()["error"]["fields"]
    member = api(desk.agent2)
    assert cases.mine.number in [row["number"] for row in member.get("/api/cases/").json()["results"]]
    assert member.get(f"/api/case-notes/?case={pk}").json()["results"][0]["body"] == "内部备注"
