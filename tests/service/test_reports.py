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


def _chart_options(html: str, chart_id: str) -> dict:
    import json
    import re

    match = re.search(rf'<script id="{chart_id}-options" type="application/json">(.*?)</script>', html, re.S)
    assert match, chart_id
    return json.loads(match.group(1))


def test_charts_hold_the_table_numbers(org, desk, cases, client_for):
    late = services.case_create(acting_user=org.admin, account=org.rep_account, subject="超时", assignee=desk.agent, category=desk.network)
    services.case_note_add(case=cases.mine, acting_user=desk.agent, body="已处理", is_public=True)
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="resolved")
    services.case_record_satisfaction(case=cases.mine, acting_user=desk.agent, satisfaction=5)
    Case.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(hours=1))
    late.refresh_from_db()
    for body in ("第一次回复", "第二次回复"):
        services.case_note_add(case=late, acting_user=desk.agent, body=body, is_public=True)
    services.case_set_status(case=late, acting_user=desk.agent, status="resolved")
    services.case_record_satisfaction(case=late, acting_user=desk.agent, satisfaction=2)

    html = client_for(org.admin).get("/service/reports/?days=7").content.decode()
    assert 'echarts.min.js' in html
    status = _chart_options(html, "chart-status")
    assert status["series"][0]["data"] == [1, 0, 0]  # new, open, pending: cases.theirs is new
    queue = _chart_options(html, "chart-queue")
    assert sum(queue["series"][0]["data"]) == 1
    sla = _chart_options(html, "chart-sla")
    assert sla["series"][0]["data"][1] == 50.0  # resolution: one of two on time
    fcr = _chart_options(html, "chart-fcr")
    assert [d["value"] for d in fcr["series"][0]["data"]] == [1, 1]
    category = _chart_options(html, "chart-category")
    assert "网络" in category["xAxis"]["data"]
    agent = _chart_options(html, "chart-agent")
    resolved_series = agent["series"][1]["data"]
    assert sum(resolved_series) == 2
    csat = _chart_options(html, "chart-csat")
    assert csat["xAxis"]["data"] == ["1", "2", "3", "4", "5"] and csat["series"][0]["data"] == [0, 1, 0, 0, 1]
    # the tables beside the charts show the same figures
    assert 'id="report-csat"' in html and 'id="report-sla"' in html

    # an agent of the queue sees the figures of the cases it can see only: not cases.theirs (another account, no queue)
    html = client_for(desk.agent2).get("/service/reports/?days=7").content.decode()
    assert _chart_options(html, "chart-status")["series"][0]["data"] == [0, 0, 0]


def test_period_filter(org, desk, cases, client_for):
    services.case_note_add(case=cases.mine, acting_user=desk.agent, body="已处理", is_public=True)
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="resolved")
    client = client_for(org.admin)
    past = client.get("/service/reports/?from=2020-01-01&until=2020-12-31").content.decode()
    assert _chart_options(past, "chart-fcr")["series"][0]["data"][0]["value"] == 0
    now = client.get("/service/reports/?days=30").content.decode()
    assert _chart_options(now, "chart-fcr")["series"][0]["data"][0]["value"] == 1
    bad = client.get("/service/reports/?from=yesterday&until=2020-01-01", follow=True).content.decode()
    assert "yesterday" in bad  # the message names the value it could not read
    swapped = client.get("/service/reports/?from=2030-01-01&until=2020-01-01")
    assert swapped.status_code == 200 and 'value="2020-01-01"' in swapped.content.decode()
