"""Pages: quick entry, the case list (filters, query counts), the account's Cases panel, set-up."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.service import services
from guanxi.service.models import Case, CalendarDay


def test_quick_entry_finds_the_customer_by_phone_and_opens_a_case(org, desk, client_for):
    client = client_for(org.admin)
    results = client.get("/service/cases/quick/lookup/?q=1381234").content.decode()
    assert org.rep_account.name in results and f"?account={org.rep_account.pk}" in results
    results = client.get("/service/cases/quick/lookup/?q=张三").content.decode()
    assert f"?contact={org.rep_contact.pk}" in results
    page = client.get(f"/service/cases/quick/?contact={org.rep_contact.pk}").content.decode()
    assert org.rep_account.name in page and 'id="quick-form"' in page
    response = client.post(f"/service/cases/quick/?contact={org.rep_contact.pk}", {
        "account": org.rep_account.pk, "contact": org.rep_contact.pk, "subject": "电话报修", "channel": "phone",
        "case_type": "problem", "priority": "high"})
    case = Case.objects.get(subject="电话报修")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.contact == org.rep_contact and case.priority == "high" and case.channel == "phone"


def test_quick_entry_shows_the_error_beside_the_field(org, desk, client_for):
    client = client_for(org.admin)
    response = client.post(f"/service/cases/quick/?account={org.rep_account.pk}", {
        "account": org.rep_account.pk, "contact": org.other_contact.pk, "subject": "x", "channel": "phone", "case_type": "problem", "priority": "normal"})
    assert response.status_code == 200
    assert not Case.objects.exists()
    assert "This contact is not linked to the account." in response.content.decode() or "联系人" in response.content.decode()


def test_quick_entry_cannot_reach_accounts_out_of_scope(org, desk, client_for):
    assert client_for(desk.agent).get(f"/service/cases/quick/?account={org.other_account.pk}").status_code == 404
    assert org.other_account.name not in client_for(org.rep).get("/service/cases/quick/lookup/?q=北方").content.decode()


def test_list_filters_and_query_count_stay_flat(org, desk, client_for):
    client = client_for(org.admin)

    def count(url):
        def body(response):
            return b"".join(response.streaming_content) if response.streaming else response.content

        body(client.get(url))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            content = body(response)
        assert response.status_code == 200
        return len(queries), content.decode("utf-8-sig")

    def add(n):
        for i in range(n):
            services.case_create(acting_user=org.admin, account=org.rep_account, contact=org.rep_contact, subject=f"批量{i}",
                                 queue=desk.queue, category=desk.network, priority="high" if i % 2 else "normal")

    url = "/service/cases/?per_page=100"
    add(3)
    few, _ = count(url)
    add(30)
    many, html = count(url)
    assert many == few and many <= 25
    queries, csv = count("/service/cases/?export=csv")
    assert queries <= 25 and csv.count("批量") == 33
    _, high = count("/service/cases/?priority=high&per_page=100")
    assert high.count("批量") == 16


def test_case_page_shows_notes_with_their_kind(org, desk, cases, client_for):
    services.case_note_add(case=cases.mine, acting_user=desk.agent, body="只给同事看")
    services.case_note_add(case=cases.mine, acting_user=desk.agent, body="您好，已处理", is_public=True)
    page = client_for(desk.agent).get(f"/service/cases/{cases.mine.pk}/").content.decode()
    assert 'data-public="0"' in page and 'data-public="1"' in page and "只给同事看" in page


def test_account_page_has_a_cases_panel(org, desk, cases, client_for):
    page = client_for(org.admin).get(f"/customers/accounts/{org.rep_account.pk}/").content.decode()
    assert 'id="account-cases"' in page and cases.mine.number in page
    # a sales rep without service permissions gets no panel
    assert 'id="account-cases"' not in client_for(org.rep).get(f"/customers/accounts/{org.rep_account.pk}/").content.decode()


def test_setup_pages_edit_calendar_and_targets(org, desk, client_for):
    client = client_for(desk.supervisor)
    assert client.get("/service/setup/").status_code == 200
    response = client.post(f"/service/calendars/{desk.calendar.pk}/days/", {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 302 and CalendarDay.objects.filter(calendar=desk.calendar, kind="holiday").count() == 1
    client.post(f"/service/calendars/{desk.calendar.pk}/days/", {"year": "2026"})
    assert CalendarDay.objects.filter(calendar=desk.calendar, kind="workday", date__year=2026).exists()
    response = client.post(f"/service/calendars/{desk.calendar.pk}/edit/", {"name": "工作日历", "time_zone": "Asia/Shanghai",
                           "day_0": "09:00-18:00", "day_1": "9:00-12:00, 13:00-18:00", "day_5": "nonsense"})
    assert response.status_code == 200 and "day_5" in response.content.decode()
    response = client.post(f"/service/sla-policies/{desk.policy.pk}/targets/", {"priority": "low", "value_tier": "",
                           "first_response_minutes": 480, "resolution_minutes": 2400})
    assert desk.policy.targets.filter(priority="low", resolution_minutes=2400).exists()
    response = client.post("/service/queues/add/", {"name": "投诉处理", "code": "complaints", "routing": "least_loaded",
                                                    "members": [desk.agent.pk], "is_active": "on"})
    assert response.status_code == 302
    assert client_for(desk.agent).post("/service/queues/add/", {"name": "x", "code": "x", "routing": "manual"}).status_code == 403


def test_case_lists_of_an_agent_and_a_supervisor_keep_their_query_count_and_need_no_distinct(org, desk, client_for):
    """The filtered lists a desk uses all day: the same number of queries for 3 or 30 cases, and no
    ``DISTINCT`` (it makes PostgreSQL sort every matching case before the page's LIMIT)."""
    from guanxi.core import services as core

    team = core.team_create(acting_user=org.admin, name="客服一组", manager=desk.supervisor)
    core.user_update(user=desk.agent, acting_user=org.admin, data={"team": team})

    def add(n):
        for i in range(n):
            services.case_create(acting_user=org.admin, account=org.rep_account, subject=f"队列{i}", queue=desk.queue,
                                 priority="high" if i % 2 else "normal")

    urls = [
        "/service/cases/", "/service/cases/?status=open&status=new", "/service/cases/?open=true&priority=high",
        f"/service/cases/?queue={desk.queue.pk}", f"/service/cases/?assignee={desk.agent.pk}&open=true",
        "/service/cases/?sla=missed", "/service/cases/?q=%E9%98%9F%E5%88%97", "/service/cases/?_count=1",
    ]

    def counts(user):
        client = client_for(user)
        out = {}
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            assert not any("DISTINCT" in q["sql"] and "service_case" in q["sql"] for q in queries.captured_queries), url
            out[url] = len(queries)
        return out

    add(3)
    few = {user.username: counts(user) for user in (desk.agent, desk.supervisor)}
    add(30)
    many = {user.username: counts(user) for user in (desk.agent, desk.supervisor)}
    assert many == few
    assert max(max(c.values()) for c in many.values()) <= 12
