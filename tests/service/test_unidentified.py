"""Cases whose customer is not identified (mail from an unknown address): who sees them in the UI, the API,
search and exports, and the "Link customer" action that gives them their account."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.customers.models import EmailAddress
from guanxi.service import mail, services
from guanxi.service.models import Case


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")


@pytest.fixture
def stray(org, desk):
    """A case from mail of an unknown sender, in the first-line queue (supervisor: desk.supervisor)."""
    services.queue_update(queue=desk.queue, acting_user=org.admin, email="support@example.cn")
    raw = ("From: =?utf-8?b?6LW15YWt?= <zhao.liu@stranger.example>\r\nTo: support@example.cn\r\nSubject: Printer jams\r\n"
           "Message-ID: <s1@stranger.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIt jams on every page.\r\n").encode()
    done = mail.receive(raw, recipients=["support@example.cn"])
    return Case.objects.get(pk=done.case_id)


def test_an_unknown_sender_opens_a_case_in_the_recipient_queue(stray, desk):
    assert stray.account_id is None and not stray.customer_identified
    assert stray.requester_email == "zhao.liu@stranger.example" and stray.requester_name == "赵六"
    assert stray.queue == desk.queue and stray.assignee_id in (desk.agent.pk, desk.agent2.pk)


def test_an_unknown_sender_to_an_address_of_no_queue_lands_without_a_queue(org, desk):
    raw = b"From: a@b.example\r\nTo: x@y.example\r\nSubject: hi\r\n\r\nhello\r\n"
    case = Case.objects.get(pk=mail.receive(raw, recipients=["nobody@example.cn"]).case_id)
    assert case.queue is None and case.account is None
    assert set(Case.objects.visible_to(desk.agent).values_list("pk", flat=True)) == set()
    assert Case.objects.visible_to(org.admin).filter(pk=case.pk).exists()


def test_who_sees_a_case_without_customer(org, desk, stray):
    def sees(user) -> bool:
        return Case.objects.visible_to(user).filter(pk=stray.pk).exists()

    assert sees(desk.agent) and sees(desk.agent2)  # the queue's agents
    assert sees(desk.supervisor)  # the queue's supervisor
    assert sees(org.admin) and sees(org.analyst)  # organisation-wide
    assert not sees(desk.outsider) and not sees(org.rep) and not sees(org.other) and not sees(org.manager)


def test_ui_api_search_and_export_follow_that_visibility(org, desk, stray, client_for):
    for user, seen in ((desk.agent2, True), (desk.supervisor, True), (desk.outsider, False), (org.rep, False)):
        client = client_for(user)
        page = client.get(f"/service/cases/{stray.pk}/")
        assert page.status_code == (200 if seen else 404 if user.has_perm("service.view_case") else 403), user
        if user.has_perm("service.view_case"):
            listing = _body(client.get("/service/cases/"))
            assert (stray.number in listing) is seen
            export = _body(client.get("/service/cases/?export=csv"))
            assert (stray.number in export) is seen and (("zhao.liu@stranger.example" in export) is seen)
            search = _body(client.get("/customers/search/?q=stranger.example"))
            assert (stray.number in search) is seen
        response = api(user).get("/api/cases/")
        if response.status_code == 200:
            numbers = [row["number"] for row in response.json()["results"]]
            assert (stray.number in numbers) is seen
        assert api(user).get(f"/api/cases/{stray.pk}/").status_code in ((200,) if seen else (403, 404))

    listing = _body(client_for(desk.agent).get("/service/cases/"))
    assert "Customer not identified" in listing or "未识别客户" in listing
    row = api(desk.agent).get(f"/api/cases/{stray.pk}/").json()
    assert row["account"] is None and row["customer_identified"] is False and row["requester_email"] == "zhao.liu@stranger.example"


def test_link_customer_from_the_case_page(org, desk, stray, client_for):
    agent = client_for(desk.agent)
    page = _body(agent.get(f"/service/cases/{stray.pk}/"))
    assert 'id="link-customer"' in page
    # the look-up offers only accounts the agent can see, and an account it cannot see cannot be linked
    results = _body(agent.get(f"/service/cases/{stray.pk}/customer/lookup/?q={org.rep_account.name[:2]}"))
    assert org.rep_account.name not in results
    response = agent.post(f"/service/cases/{stray.pk}/customer/", {"account": org.rep_account.pk})
    stray.refresh_from_db()
    assert response.status_code == 302 and stray.account_id is None

    client = client_for(org.admin)
    results = _body(client.get(f"/service/cases/{stray.pk}/customer/lookup/?q={org.rep_account.name[:2]}"))
    assert org.rep_account.name in results and 'data-testid="link-account"' in results
    # an outsider cannot even reach the case
    assert client_for(desk.outsider).post(f"/service/cases/{stray.pk}/customer/", {"account": org.rep_account.pk}).status_code == 404

    client.post(f"/service/cases/{stray.pk}/customer/", {"account": org.rep_account.pk, "contact": org.rep_contact.pk})
    stray.refresh_from_db()
    assert stray.account == org.rep_account and stray.contact == org.rep_contact
    assert EmailAddress.objects.filter(contact=org.rep_contact, email="zhao.liu@stranger.example").exists()
    assert Case.objects.visible_to(org.rep).filter(pk=stray.pk).exists()  # now seen through the account
    # linking twice is refused with a reason
    follow = _body(client.post(f"/service/cases/{stray.pk}/customer/", {"account": org.rep_account.pk}, follow=True))
    assert "already identified" in follow or "已识别" in follow


def test_link_customer_through_the_api(org, desk, stray):
    refused = api(desk.agent).post(f"/api/cases/{stray.pk}/link-customer/", {"account": org.rep_account.pk}, format="json")
    assert refused.status_code == 400 and "account" in str(refused.json())  # an account the agent cannot see
    response = api(org.admin).post(f"/api/cases/{stray.pk}/link-customer/",
                                    {"account": org.rep_account.pk, "new_contact_name": "赵六"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["customer_identified"] is True and response.json()["contact"] is not None
    assert EmailAddress.objects.filter(contact_id=response.json()["contact"], email="zhao.liu@stranger.example").exists()
    again = api(org.admin).post(f"/api/cases/{stray.pk}/link-customer/", {"account": org.rep_account.pk}, format="json")
    assert again.status_code == 400 and "account" in again.json()["error"]["fields"]
    assert any(w in str(again.json()) for w in ("already identified", "已识别"))
    assert api(desk.outsider).post(f"/api/cases/{stray.pk}/link-customer/", {"account": org.rep_account.pk}, format="json").status_code == 404


def test_no_return_or_survey_interaction_without_customer(org, desk, stray):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.rma_from_case(case=stray, acting_user=desk.agent)
    services.case_set_status(case=stray, acting_user=desk.agent, status="resolved")
    services.case_record_satisfaction(case=stray, acting_user=desk.agent, satisfaction=4)
    stray.refresh_from_db()
    assert stray.satisfaction == 4 and stray.survey_interaction is None


def test_escalation_covers_cases_without_customer(org, desk, stray):
    import datetime

    from django.utils import timezone

    from guanxi.customers.models import TimelineEvent
    from guanxi.service import sla

    Case.objects.filter(pk=stray.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(minutes=1))
    done = sla.escalate()
    stray.refresh_from_db()
    assert stray.sla_breached and stray.escalation_level == 2 and done
    assert not TimelineEvent.objects.filter(kind="case.sla_missed").exists()  # no account to write on


def test_case_list_filters_cases_without_customer(org, desk, stray, client_for):
    known = services.case_create(acting_user=desk.supervisor, account=org.rep_account, subject="Known customer's case", queue=desk.queue)
    client = client_for(desk.supervisor)
    waiting = client.get("/service/cases/?unidentified=true").content.decode()
    assert stray.number in waiting and known.number not in waiting
    identified = client.get("/service/cases/?unidentified=false").content.decode()
    assert known.number in identified and stray.number not in identified
    assert api(desk.supervisor).get("/api/cases/?unidentified=true").json()["results"][0]["number"] == stray.number
