"""Field service: work orders, technicians, the dispatch board, conflicts, suggestions, parts and
visit reports, through the real services, pages and API.

Who is who: ``dispatcher`` (supervisor) manages the field team 外勤组 (``tech`` and ``tech2``) and is
a member of territory 华东, so sees ``org.rep_account`` (上海) but not ``org.other_account``;
``tech3`` belongs to another team and works in 华北: not on the dispatcher's board.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.core import services as core_services
from guanxi.customers.models import TimelineEvent
from guanxi.sales import services as sales_services
from guanxi.service import fieldservice_selectors as selectors
from guanxi.service import fieldservice_services as fs
from guanxi.service.models import CaseNote, VisitReport, WorkOrder, WorkOrderPart

from .conftest import at

HOURS = {str(d): [["08:30", "12:00"], ["13:00", "17:30"]] for d in range(5)}
MONDAY = datetime.date(2030, 3, 4)  # a Monday, far enough ahead to be free of "now"


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def field(org, desk, make_user):
    admin = org.admin
    team = core_services.team_create(acting_user=admin, name="外勤组")
    north = core_services.territory_create(acting_user=admin, name="华北", code="north", level="region", provinces=["北京市"])
    dispatcher = make_user("dispatcher", role="supervisor", team=team, display_name="调度员")
    core_services.team_update(team=team, acting_user=admin, data={"manager": dispatcher})
    core_services.territory_update(territory=org.region, acting_user=admin, data={}, members=[dispatcher])
    tech_user = make_user("tech", role="service_agent", team=team, display_name="周杰")
    tech2_user = make_user("tech2", role="service_agent", team=team, display_name="吴刚")
    tech3_user = make_user("tech3", role="service_agent", team=org.north, display_name="郑磊")
    tech = fs.technician_create(acting_user=admin, user=tech_user, skills="network, printer", territory=org.shanghai, working_hours=HOURS)
    tech2 = fs.technician_create(acting_user=admin, user=tech2_user, skills=["hvac"], territory=org.region, working_hours=HOURS)
    tech3 = fs.technician_create(acting_user=admin, user=tech3_user, skills=["network", "printer"], territory=north, working_hours=HOURS)
    product = sales_services.product_create(acting_user=admin, code="P-100", name="打印机硒鼓", list_price=Decimal("300"))
    return SimpleNamespace(dispatcher=dispatcher, tech=tech, tech2=tech2, tech3=tech3, team=team, north=north, product=product)


def _order(org, user, **data):
    data.setdefault("account", org.rep_account)
    data.setdefault("subject", "打印机上门维修")
    return fs.work_order_create(acting_user=user, **data)


def _monday(hour, minute=0):
    return at(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute)


# --- creation and visibility --------------------------------------------------------------------

def test_work_order_from_case_takes_the_case_and_notes_it(org, desk, cases, field):
    work_order = fs.work_order_create(acting_user=field.dispatcher, case=cases.mine, required_skills=["Printer"])
    assert work_order.number.startswith("WO-") and work_order.status == "new"
    assert work_order.account == org.rep_account and work_order.contact == org.rep_contact
    assert work_order.subject == cases.mine.subject and work_order.required_skills == ["printer"]
    assert "淮海中路1号" in work_order.address and work_order.site_phone
    assert work_order.territory == org.shanghai
    assert TimelineEvent.objects.filter(account=org.rep_account, kind="workorder.created").exists()
    assert CaseNote.objects.filter(case=cases.mine, body__contains=work_order.number, is_public=False).exists()


def test_bad_input_names_the_field(org, desk, cases, field):
    with pytest.raises(ValidationError) as error:
        fs.work_order_create(acting_user=field.dispatcher, subject="x")
    assert "account" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        fs.work_order_create(acting_user=field.dispatcher, account=org.other_account, case=cases.mine)
    assert "case" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _order(org, field.dispatcher, window_start=_monday(10), window_end=_monday(9))
    assert "window_end" in error.value.message_dict
    assert not WorkOrder.objects.exists()


def test_dispatcher_sees_visible_accounts_technician_sees_own_jobs(org, desk, field, client_for):
    mine = _order(org, field.dispatcher)
    theirs = _order(org, org.admin, account=org.other_account, subject="北方的空调")
    fs.work_order_schedule(work_order=theirs, acting_user=org.admin, technician=field.tech3.user, start=_monday(9))

    def seen(user):
        return set(WorkOrder.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(field.dispatcher) == {mine.pk}
    assert seen(field.tech3.user) == {theirs.pk}  # the technician sees the job, not the account
    assert seen(field.tech.user) == set()
    assert seen(org.admin) == {mine.pk, theirs.pk}

    client = client_for(field.dispatcher)
    listing = client.get("/service/work-orders/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get(f"/service/work-orders/{theirs.pk}/").status_code == 404
    assert client.post(f"/service/work-orders/{theirs.pk}/status/", {"status": "cancelled"}).status_code == 404
    export = b"".join(client.get("/service/work-orders/?export=csv").streaming_content).decode("utf-8-sig")
    assert mine.number in export and theirs.number not in export
    ids = {row["id"] for row in api(field.dispatcher).get("/api/work-orders/").json()["results"]}
    assert ids == {mine.pk}
    assert api(field.dispatcher).get(f"/api/work-orders/{theirs.pk}/").status_code == 404

    tech_client = client_for(field.tech3.user)
    assert tech_client.get(f"/service/work-orders/{theirs.pk}/").status_code == 200
    assert tech_client.get(f"/service/work-orders/{mine.pk}/").status_code == 404
    assert theirs.number in tech_client.get(f"/service/my-jobs/?day={MONDAY}").content.decode()
    assert client_for(field.tech.user).get(f"/service/my-jobs/{theirs.pk}/").status_code == 404


def test_parts_and_reports_follow_their_work_order(org, desk, field):
    theirs = _order(org, org.admin, account=org.other_account)
    fs.work_order_schedule(work_order=theirs, acting_user=org.admin, technician=field.tech3.user, start=_monday(9))
    fs.work_order_start(work_order=theirs, acting_user=field.tech3.user)
    fs.work_order_part_add(work_order=theirs, acting_user=field.tech3.user, product=field.product, quantity=1)
    fs.visit_report_save(work_order=theirs, acting_user=field.tech3.user, work_done="更换硒鼓")
    for model in (WorkOrderPart, VisitReport):
        assert model.objects.visible_to(field.tech3.user).count() == 1
        assert not model.objects.visible_to(field.dispatcher).exists()
    assert api(field.dispatcher).get("/api/work-order-parts/").json()["results"] == []
    assert api(field.dispatcher).get("/api/visit-reports/").json()["results"] == []
    assert len(api(field.tech3.user).get("/api/visit-reports/").json()["results"]) == 1


# --- status flow --------------------------------------------------------------------------------

def test_status_flow_refuses_invalid_moves_with_a_message(org, desk, field):
    work_order = _order(org, field.dispatcher)
    with pytest.raises(ValidationError, match="cannot go from|不能从"):
        fs.work_order_set_status(work_order=work_order, acting_user=field.dispatcher, status="in_progress")
    with pytest.raises(ValidationError) as error:
        fs.work_order_set_status(work_order=work_order, acting_user=field.dispatcher, status="scheduled")
    assert "technician" in error.value.message_dict
    fs.work_order_schedule(work_order=work_order, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(9))
    assert work_order.status == "scheduled" and work_order.scheduled_end == _monday(10)
    fs.work_order_set_status(work_order=work_order, acting_user=field.dispatcher, status="dispatched")
    # reassigning a dispatched job sends it back to scheduled for the new technician
    fs.work_order_schedule(work_order=work_order, acting_user=field.dispatcher, technician=field.tech2.user, start=_monday(10))
    assert work_order.status == "scheduled" and work_order.technician == field.tech2.user
    fs.work_order_start(work_order=work_order, acting_user=field.tech2.user)
    assert work_order.status == "in_progress" and work_order.started_at
    with pytest.raises(ValidationError, match="visit report|上门报告"):
        fs.work_order_set_status(work_order=work_order, acting_user=field.tech2.user, status="completed")
    with pytest.raises(ValidationError):
        fs.work_order_schedule(work_order=work_order, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(11))
    fs.work_order_complete(work_order=work_order, acting_user=field.tech2.user, work_done="已修复")
    assert work_order.status == "completed" and work_order.completed_at
    for status in ("new", "cancelled", "in_progress"):
        with pytest.raises(ValidationError):
            fs.work_order_set_status(work_order=work_order, acting_user=org.admin, status=status)
    with pytest.raises(ValidationError):
        fs.work_order_update(work_order=work_order, acting_user=org.admin, subject="改")


def test_status_page_shows_the_refusal(org, desk, field, client_for):
    work_order = _order(org, field.dispatcher)
    client = client_for(field.dispatcher)
    response = client.post(f"/service/work-orders/{work_order.pk}/status/", {"status": "dispatched"}, follow=True)
    assert "不能从" in response.content.decode() or "cannot go from" in response.content.decode()
    work_order.refresh_from_db()
    assert work_order.status == "new"


def test_completion_notes_and_resolves_the_case(org, desk, cases, field):
    work_order = fs.work_order_create(acting_user=field.dispatcher, case=cases.mine)
    fs.work_order_schedule(work_order=work_order, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(9))
    fs.work_order_start(work_order=work_order, acting_user=field.tech.user)
    fs.work_order_part_add(work_order=work_order, acting_user=field.tech.user, product=field.product, quantity=2, serial_numbers="A1, A2")
    fs.work_order_complete(work_order=work_order, acting_user=field.tech.user, work_done="更换两个硒鼓", result="fixed",
                           signed_off_by="张三", resolve_case=True)
    cases.mine.refresh_from_db()
    assert cases.mine.status == "resolved"
    note = CaseNote.objects.filter(case=cases.mine, body__contains="更换两个硒鼓").get()
    assert not note.is_public and "P-100" in note.body and "张三" in note.body
    assert TimelineEvent.objects.filter(account=org.rep_account, kind="workorder.completed").exists()
    report = work_order.report
    assert report.arrived_at <= report.departed_at


def test_parts_check_serial_numbers(org, desk, field):
    work_order = _order(org, field.dispatcher)
    with pytest.raises(ValidationError) as error:
        fs.work_order_part_add(work_order=work_order, acting_user=field.dispatcher, product=field.product, quantity=3, serial_numbers="A1\nA2")
    assert "serial_numbers" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        fs.work_order_part_add(work_order=work_order, acting_user=field.dispatcher, product=field.product, quantity=0)
    assert "quantity" in error.value.message_dict
    part = fs.work_order_part_add(work_order=work_order, acting_user=field.dispatcher, product=field.product, quantity=2, serial_numbers="A1，A2")
    assert part.serial_list == ["A1", "A2"]


# --- conflicts and suggestions ------------------------------------------------------------------

def test_conflicts_overlap_skills_time_off_hours_territory(org, desk, field):
    first = _order(org, field.dispatcher, required_skills=["printer"])
    assert fs.work_order_schedule(work_order=first, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(9)) == []
    second = _order(org, field.dispatcher, required_skills=["hvac"], duration_minutes=90)
    kinds = {c.kind for c in fs.work_order_schedule(work_order=second, acting_user=field.dispatcher, technician=field.tech.user,
                                                    start=_monday(9, 30))}
    assert kinds == {"skills", "overlap"}
    fs.time_off_add(technician=field.tech2, acting_user=org.admin, starts_at=_monday(0), ends_at=_monday(23, 59), reason="病假")
    conflicts = fs.work_order_schedule(work_order=second, acting_user=field.dispatcher, technician=field.tech2.user, start=_monday(11))
    assert {c.kind for c in conflicts} == {"time_off", "hours"}  # 11:00-12:30 runs into lunch
    assert any("病假" in c.message for c in conflicts)
    far = _order(org, field.dispatcher, territory=field.north)
    kinds = {c.kind for c in fs.work_order_schedule(work_order=far, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(14))}
    assert kinds == {"territory"}
    saturday = at(2030, 3, 9, 10, 0)
    assert {c.kind for c in fs.work_order_schedule(work_order=far, acting_user=org.admin, technician=field.tech3.user,
                                                   start=saturday)} == {"hours"}


def test_suggestions_rank_skills_territory_free_time(org, desk, field):
    # tech3 has the skills and the territory of the job but is outside the dispatcher's scope
    job = _order(org, field.dispatcher, required_skills=["printer"], window_start=_monday(8, 30))
    ranked = selectors.suggest_technicians(work_order=job, user=field.dispatcher, day=MONDAY)
    assert [s.technician for s in ranked] == [field.tech, field.tech2]
    assert ranked[0].missing_skills == [] and ranked[0].in_territory is True and ranked[0].slot_start == _monday(8, 30)
    assert ranked[1].missing_skills == ["printer"]
    # a busy day costs free time: tech with the morning and afternoon booked falls below an idle one with the skills
    core_services.team_update(team=field.team, acting_user=org.admin, data={})
    fs.technician_update(technician=field.tech2, acting_user=org.admin, skills=["printer", "hvac"])
    for start, minutes in ((_monday(8, 30), 210), (_monday(13), 270)):
        busy = _order(org, field.dispatcher, duration_minutes=minutes)
        fs.work_order_schedule(work_order=busy, acting_user=field.dispatcher, technician=field.tech.user, start=start)
    ranked = selectors.suggest_technicians(work_order=job, user=field.dispatcher, day=MONDAY)
    assert [s.technician for s in ranked] == [field.tech2, field.tech]
    assert ranked[1].slot_start is None  # no hour left that day
    admin_ranked = selectors.suggest_technicians(work_order=job, user=org.admin, day=MONDAY)
    assert field.tech3 in [s.technician for s in admin_ranked]


# --- pages --------------------------------------------------------------------------------------

def test_create_from_case_page_is_prefilled(org, desk, cases, field, client_for):
    client = client_for(field.dispatcher)
    page = client.get(f"/service/cases/{cases.mine.pk}/").content.decode()
    assert f"/service/work-orders/add/?case={cases.mine.pk}" in page
    form = client.get(f"/service/work-orders/add/?case={cases.mine.pk}").content.decode()
    assert cases.mine.subject in form and "淮海中路1号" in form
    response = client.post("/service/work-orders/add/", {
        "account": org.rep_account.pk, "case": cases.mine.pk, "subject": cases.mine.subject, "work_type": "repair", "priority": "high",
        "duration_minutes": 90, "required_skills": "network", "address": "",
    })
    work_order = WorkOrder.objects.get()
    assert response.status_code == 302 and work_order.case == cases.mine and work_order.duration_minutes == 90
    assert work_order.number in client.get(f"/service/cases/{cases.mine.pk}/").content.decode()
    panel = client.get(f"/customers/accounts/{org.rep_account.pk}/").content.decode()
    assert 'id="account-work-orders"' in panel and work_order.number in panel


def test_board_assigns_by_form_and_htmx_and_warns(org, desk, field, client_for):
    job = _order(org, field.dispatcher, required_skills=["hvac"])
    client = client_for(field.dispatcher)
    board = client.get(f"/service/dispatch/?day={MONDAY}").content.decode()
    assert job.number in board and "周杰" in board and "吴刚" in board and "郑磊" not in board
    response = client.post(f"/service/work-orders/{job.pk}/schedule/", {"technician": field.tech.user.pk, "scheduled_start": f"{MONDAY}T09:00"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Trigger"] == "board-changed"
    job.refresh_from_db()
    assert job.technician == field.tech.user and job.scheduled_start == _monday(9)
    board = client.get(f"/service/dispatch/?day={MONDAY}", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-conflict="skills"' in board
    week = client.get(f"/service/dispatch/?day={MONDAY}&view=week").content.decode()
    assert job.number in week
    # out of scope technician: refused with the field named
    response = client.post(f"/service/work-orders/{job.pk}/schedule/", {"technician": field.tech3.user.pk, "scheduled_start": f"{MONDAY}T09:00"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    response = client.post(f"/service/work-orders/{job.pk}/unschedule/", HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert response.status_code == 204 and job.status == "new" and job.technician is None


def test_technician_pages(org, desk, field, client_for):
    client = client_for(org.admin)
    assert "周杰" in client.get("/service/technicians/").content.decode()
    response = client.post(f"/service/technicians/{field.tech.pk}/edit/", {
        "skills": "network, printer, hvac", "territory": org.shanghai.pk, "home_base": "闵行", "is_active": "on",
        "hours_0": "08:00-12:00, 13:00-17:00", "hours_1": "9-10",
    })
    assert response.status_code == 200 and "09:00-12:00" in response.content.decode()  # the bad line is named, nothing saved
    field.tech.refresh_from_db()
    assert field.tech.home_base == ""
    response = client.post(f"/service/technicians/{field.tech.pk}/edit/", {
        "skills": "network, printer, hvac", "territory": org.shanghai.pk, "home_base": "闵行", "is_active": "on",
        "hours_0": "08:00-12:00, 13:00-17:00",
    })
    assert response.status_code == 302
    field.tech.refresh_from_db()
    assert field.tech.working_hours == {"0": [["08:00", "12:00"], ["13:00", "17:00"]]} and "hvac" in field.tech.skills
    response = client.post(f"/service/technicians/{field.tech.pk}/time-off/", {"starts_at": f"{MONDAY}T09:00", "ends_at": f"{MONDAY}T08:00"}, follow=True)
    assert not field.tech.time_off.exists()
    client.post(f"/service/technicians/{field.tech.pk}/time-off/", {"starts_at": f"{MONDAY}T09:00", "ends_at": f"{MONDAY}T18:00", "reason": "培训"})
    assert field.tech.time_off.get().reason == "培训"
    page = client.get(f"/service/technicians/{field.tech.pk}/?day={MONDAY}&view=week").content.decode()
    assert "培训" in page


def test_phone_view_starts_and_completes(org, desk, cases, field, client_for):
    job = fs.work_order_create(acting_user=field.dispatcher, case=cases.mine)
    fs.work_order_schedule(work_order=job, acting_user=field.dispatcher, technician=field.tech.user, start=_monday(9))
    client = client_for(field.tech.user)
    page = client.get(f"/service/my-jobs/{job.pk}/").content.decode()
    assert 'href="tel:' in page and "淮海中路1号" in page
    client.post(f"/service/work-orders/{job.pk}/status/", {"status": "in_progress", "next": f"/service/my-jobs/{job.pk}/"})
    job.refresh_from_db()
    assert job.status == "in_progress"
    client.post(f"/service/work-orders/{job.pk}/parts/", {"product": field.product.pk, "quantity": "1", "serial_numbers": "SN1"})
    response = client.post(f"/service/work-orders/{job.pk}/report/", {
        "work_done": "已修复", "result": "fixed", "signed_off_by": "张三", "resolve_case": "on", "complete": "1",
    })
    assert response.status_code == 302
    job.refresh_from_db()
    cases.mine.refresh_from_db()
    assert job.status == "completed" and job.parts.count() == 1 and cases.mine.status == "resolved"


# --- API ----------------------------------------------------------------------------------------

def test_api_work_order_life_cycle(org, desk, cases, field):
    client = api(field.dispatcher)
    response = client.post("/api/work-orders/", {"case": cases.mine.pk, "required_skills": ["printer"], "work_type": "repair"}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["account"] == org.rep_account.pk
    response = client.post("/api/work-orders/", {"subject": "x"}, format="json")
    assert response.status_code == 400 and "account" in response.json()["error"]["fields"]
    suggestions = client.get(f"/api/work-orders/{pk}/suggestions/?day={MONDAY}").json()
    assert suggestions[0]["technician"] == field.tech.user.pk
    response = client.post(f"/api/work-orders/{pk}/schedule/", {"technician": field.tech.user.pk, "scheduled_start": _monday(9).isoformat()}, format="json")
    assert response.status_code == 200 and response.json()["work_order"]["status"] == "scheduled" and response.json()["conflicts"] == []
    response = client.post(f"/api/work-orders/{pk}/schedule/", {"technician": field.tech3.user.pk, "scheduled_start": _monday(9).isoformat()},
                           format="json")
    assert response.status_code == 400 and "technician" in response.json()["error"]["fields"]  # not one the dispatcher plans for
    response = client.post(f"/api/work-orders/{pk}/status/", {"status": "completed"}, format="json")
    assert response.status_code == 400
    response = client.post(f"/api/work-orders/{pk}/status/", {"status": "in_progress"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    tech = api(field.tech.user)
    assert tech.post(f"/api/work-orders/{pk}/status/", {"status": "dispatched"}, format="json").status_code == 200
    assert tech.post(f"/api/work-orders/{pk}/status/", {"status": "in_progress"}, format="json").status_code == 200
    response = tech.post("/api/work-order-parts/", {"work_order": pk, "product": field.product.pk, "quantity": "1", "serial_numbers": "X9"}, format="json")
    assert response.status_code == 201, response.json()
    response = tech.post(f"/api/work-orders/{pk}/complete/", {"work_done": "ok", "resolve_case": True}, format="json")
    assert response.status_code == 200 and response.json()["result"] == "fixed"
    cases.mine.refresh_from_db()
    assert cases.mine.status == "resolved"
    assert client.get(f"/api/work-orders/{pk}/").json()["status"] == "completed"
    response = api(org.admin).post("/api/technicians/", {"user": field.dispatcher.pk, "skills": ["network"],
                                                         "working_hours": {"0": [["09:00", "08:00"]]}}, format="json")
    assert response.status_code == 400 and "working_hours" in response.json()["error"]["fields"]
    assert api(org.admin).get("/api/technicians/").json()["count"] == 3


# --- query counts -------------------------------------------------------------------------------

def _queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def test_board_and_lists_do_not_grow_with_rows(org, desk, field, client_for, make_user):
    def add_jobs(n):
        for i in range(n):
            job = _order(org, org.admin, required_skills=["printer"])
            tech = (field.tech, field.tech2)[i % 2]
            fs.work_order_schedule(work_order=job, acting_user=org.admin, technician=tech.user, start=_monday(8 + i % 9))
            _order(org, org.admin)  # and one unassigned

    client = client_for(field.dispatcher)
    add_jobs(2)
    urls = [f"/service/dispatch/?day={MONDAY}", f"/service/dispatch/?day={MONDAY}&view=week", "/service/work-orders/",
            f"/service/technicians/{field.tech.pk}/?day={MONDAY}"]
    before = [_queries(client, url) for url in urls]
    tech_client = client_for(field.tech.user)
    my_before = _queries(tech_client, f"/service/my-jobs/?day={MONDAY}")
    add_jobs(8)
    for n in range(3):  # more technicians in scope
        user = make_user(f"extra{n}", role="service_agent", team=field.team)
        fs.technician_create(acting_user=org.admin, user=user, skills=["printer"], working_hours=HOURS)
    after = [_queries(client, url) for url in urls]
    assert after == before, list(zip(urls, before, after))
    assert _queries(tech_client, f"/service/my-jobs/?day={MONDAY}") == my_before
    job = WorkOrder.objects.filter(technician__isnull=False).first()
    assert _queries(client, f"/service/work-orders/{job.pk}/") < 40
