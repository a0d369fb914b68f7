"""Service reports: the figures over a small, known set of cases, and only over visible cases."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guanxi.service import services
from guanxi.service.models import Case
from guanxi.service.reports import service_report


def test_figures(org, desk, cases):
    late = services.case_create(acting_user=org.admin, account=org.rep_account, subject="超时", assignee=desk.agent)
    services.case_note_add(case=cases.mine, acting_user=desk.agent, body="已处理", is_public=True)
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="resolved")
    services.case_record_satisfaction(case=cases.mine, acting_user=desk.agent, satisfaction=5)
    Case.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(hours=1))
    late.refresh_from_db()
    for body in ("第一次回复", "第二次回复"):
        services.case_note_add(case=late, acting_user=desk.agent, body=body, is_public=True)
    services.case_set_status(case=late, acting_user=desk.agent, status="resolved")
    services.case_record_satisfaction(case=late, acting_user=desk.agent, satisfaction=2)

    now = timezone.now()
    report = service_report(user=org.admin, start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=1))
    assert report["backlog"] == 1  # cases.theirs, still new
    assert report["resolved"] == 2
    assert report["sla_attainment"] == 50.0
    assert report["first_contact_resolution"] == 50.0  # the late one needed two replies
    assert report["csat_average"] == 3.5 and report["csat_percent"] == 50.0
    assert 0 <= report["avg_resolution_hours"] < 1
    assert {row["name"] for row in report["by_agent"]} <= {"刘洋", "agent2"}

    # the other side of the visibility line sees only its own case
    theirs = service_report(user=org.other, start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=1))
    assert theirs["backlog"] == 1 and theirs["resolved"] == 0 and theirs["sla_attainment"] is None


def test_report_page(org, desk, cases, client_for):
    page = client_for(desk.agent).get("/service/reports/?from=2026-01-01&until=2030-01-01")
    assert page.status_code == 200 and 'id="fig-backlog"' in page.content.decode()
    assert client_for(org.rep).get("/service/reports/").status_code == 403
