"""Service levels: business-time arithmetic (property tests across nights, weekends, holidays and
adjusted working days), deadlines on cases, the pause while pending, and the escalation pass."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given, settings, strategies as st

from guanxi.core.models import AuditEntry, Notification
from guanxi.customers import services as customer_services
from guanxi.customers.models import TimelineEvent
from guanxi.service import services, sla
from guanxi.service.businesshours import WorkingTime, china_official_days
from guanxi.service.models.sla import default_hours
from guanxi.service.models import Case

from .conftest import SHANGHAI, at

OFFICIAL_2026 = china_official_days(2026)
CLOCK = WorkingTime(
    hours=default_hours(),
    holidays=[d for d, kind, _name in OFFICIAL_2026 if kind == "holiday"],
    workdays=[d for d, kind, _name in OFFICIAL_2026 if kind == "workday"],
)

moments = st.datetimes(min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2026, 11, 30), timezones=st.just(SHANGHAI))
durations = st.integers(min_value=0, max_value=20 * 8 * 60)


def working_at(moment: datetime.datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return any(a <= local <= b for a, b in CLOCK.spans(local.date()))


@pytest.mark.parametrize(("start", "minutes", "due"), [
    (at(2026, 11, 25, 10, 0), 60, at(2026, 11, 25, 11, 0)),           # within a morning
    (at(2026, 11, 25, 11, 30), 60, at(2026, 11, 25, 13, 30)),         # over the lunch break
    (at(2026, 11, 25, 17, 30), 60, at(2026, 11, 26, 9, 30)),          # overnight
    (at(2026, 11, 25, 22, 0), 30, at(2026, 11, 26, 9, 30)),           # opened at night
    (at(2026, 11, 27, 17, 30), 60, at(2026, 11, 30, 9, 30)),          # Friday evening to Monday
    (at(2026, 11, 28, 10, 0), 30, at(2026, 11, 30, 9, 30)),           # opened on Saturday
    (at(2026, 9, 30, 17, 0), 120, at(2026, 10, 8, 10, 0)),            # National Day week off
    (at(2026, 10, 9, 17, 0), 120, at(2026, 10, 10, 10, 0)),           # Saturday 10 October is worked
    (at(2026, 2, 13, 17, 0), 120, at(2026, 2, 14, 10, 0)),            # Spring Festival's worked Saturday
])
def test_deadlines_in_business_time(start, minutes, due):
    assert CLOCK.add(start, minutes) == due
    assert CLOCK.minutes_between(start, due) == minutes


def test_a_holiday_has_no_business_minutes_and_an_adjusted_day_has_mondays():
    assert CLOCK.minutes_between(at(2026, 10, 1, 0, 0), at(2026, 10, 2, 0, 0)) == 0
    assert CLOCK.minutes_between(at(2026, 10, 10, 0, 0), at(2026, 10, 11, 0, 0)) == 8 * 60
    assert CLOCK.minutes_between(at(2026, 10, 11, 0, 0), at(2026, 10, 12, 0, 0)) == 0  # an ordinary Sunday


@settings(max_examples=150, deadline=None)
@given(start=moments, minutes=durations)
def test_adding_then_measuring_gives_the_minutes_back(start, minutes):
    due = CLOCK.add(start, minutes)
    assert due >= start
    assert abs(CLOCK.minutes_between(start, due) - minutes) < 1e-6
    if minutes > 0:
        assert working_at(due)  # a deadline never falls in a night, a weekend or a holiday


@settings(max_examples=100, deadline=None)
@given(start=moments, first=durations, second=durations)
def test_adding_in_two_steps_is_adding_once(start, first, second):
    assert CLOCK.add(CLOCK.add(start, first), second) == CLOCK.add(start, first + second)
    if first <= second:  # more time never ends earlier
        assert CLOCK.add(start, first) <= CLOCK.add(start, second)


@settings(max_examples=100, deadline=None)
@given(a=moments, b=moments)
def test_business_minutes_never_exceed_the_clock(a, b):
    start, end = min(a, b), max(a, b)
    business = CLOCK.minutes_between(start, end)
    assert 0 <= business <= (end - start).total_seconds() / 60 + 1e-6


# --- deadlines on cases ------------------------------------------------------------------------

def test_deadlines_follow_priority_and_value_tier(org, desk, cases):
    case = cases.mine
    clock = sla.working_time(desk.policy)
    assert case.sla_policy == desk.policy
    assert clock.minutes_between(case.created_at, case.first_response_due_at) == pytest.approx(60, abs=0.1)
    assert clock.minutes_between(case.created_at, case.resolution_due_at) == pytest.approx(480, abs=0.1)
    assert clock.minutes_between(case.created_at, case.resolution_warn_at) == pytest.approx(480 * 0.8, abs=0.1)
    customer_services.account_update(account=org.rep_account, acting_user=org.admin, value_tier="vip")
    vip = services.case_create(acting_user=org.admin, account=org.rep_account, subject="VIP 客户")
    assert clock.minutes_between(vip.created_at, vip.resolution_due_at) == pytest.approx(240, abs=0.1)
    low = services.case_create(acting_user=org.admin, account=org.rep_account, subject="没有目标", priority="low")
    assert low.sla_policy == desk.policy and low.resolution_due_at is None


def test_a_new_priority_recomputes_the_deadlines(org, desk, cases):
    before = cases.mine.resolution_due_at
    services.case_update(case=cases.mine, acting_user=desk.agent, priority="urgent")
    cases.mine.refresh_from_db()
    assert cases.mine.resolution_due_at < before
    assert sla.working_time(desk.policy).minutes_between(cases.mine.updated_at, cases.mine.resolution_due_at) == pytest.approx(120, abs=1)


def test_pending_pauses_the_clock_and_open_resumes_it(org, desk, cases, monkeypatch):
    case = cases.mine
    start = at(2026, 11, 23, 9, 0)  # a Monday
    Case.objects.filter(pk=case.pk).update(resolution_due_at=at(2026, 11, 23, 17, 0), resolution_warn_at=at(2026, 11, 23, 15, 0),
                                           first_response_due_at=at(2026, 11, 23, 10, 0), first_response_warn_at=at(2026, 11, 23, 9, 48))
    case.refresh_from_db()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + datetime.timedelta(hours=1))  # 10:00, 6 business hours left
    services.case_set_status(case=case, acting_user=desk.agent, status="pending")
    assert case.sla_paused_at is not None and case.sla_clock["resolution_due_at"] == pytest.approx(360)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(2026, 11, 25, 14, 0))  # two days later
    services.case_set_status(case=case, acting_user=desk.agent, status="open")
    case.refresh_from_db()
    assert case.sla_paused_at is None
    assert case.resolution_due_at == at(2026, 11, 26, 11, 0)  # Wed 14:00 + 6 business hours (lunch and night skipped)


def test_a_policy_without_pause_keeps_the_clock_running(org, desk, cases):
    services.sla_policy_update(policy=desk.policy, acting_user=org.admin, pause_when_pending=False)
    cases.mine.sla_policy.refresh_from_db()
    due = cases.mine.resolution_due_at
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="pending")
    assert cases.mine.sla_paused_at is None and cases.mine.resolution_due_at == due


# --- escalation --------------------------------------------------------------------------------

def _due(case, *, near=False, missed=False):
    now = datetime.datetime.now(tz=SHANGHAI)
    past, future = now - datetime.timedelta(minutes=5), now + datetime.timedelta(hours=5)
    Case.objects.filter(pk=case.pk).update(
        resolution_warn_at=past if (near or missed) else future, resolution_due_at=past if missed else future,
        first_response_warn_at=future, first_response_due_at=future)


def test_escalation_warns_once_then_escalates_a_missed_case(org, desk, cases):
    services.sla_policy_update(policy=desk.policy, acting_user=org.admin, reassign_on_breach=True)
    case = cases.mine
    agent = case.assignee
    _due(case, near=True)
    assert sla.escalate() == {"missed": 0, "near": 1, "priority_raised": 0, "reassigned": 0, "notifications": 2}
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert sla.escalate()["near"] == 0  # warned once only
    _due(case, missed=True)
    done = sla.escalate()
    assert done["missed"] == 1 and done["priority_raised"] == 1 and done["reassigned"] == 1
    case.refresh_from_db()
    assert case.priority == "high" and case.assignee == desk.supervisor and case.sla_breached and case.escalation_level == 2
    assert TimelineEvent.objects.filter(kind="case.sla_missed", account=org.rep_account).count() == 1
    entry = AuditEntry.objects.filter(object_id=str(case.pk), changes__has_key="sla_breached").get()
    assert entry.changes["priority"] == ["normal", "high"] and entry.parent_key == f"customers.account:{org.rep_account.pk}"
    assert sla.escalate()["missed"] == 0  # escalated once only


def test_escalation_skips_paused_and_closed_cases(org, desk, cases):
    _due(cases.mine, missed=True)
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="pending")
    assert sla.escalate()["missed"] == 0
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="resolved")
    _due(cases.mine, missed=True)
    assert sla.escalate()["missed"] == 0


def test_escalation_command_and_task(org, desk, cases):
    _due(cases.mine, missed=True)
    out = StringIO()
    call_command("service_escalate", stdout=out)
    assert "1" in out.getvalue()
    assert Case.objects.get(pk=cases.mine.pk).sla_breached
    from guanxi.service.tasks import escalate_cases

    assert escalate_cases.call()["missed"] == 0
    assert AuditEntry.objects.filter(object_id=str(cases.mine.pk), source="cli").exists()


def test_escalation_writes_its_state_beside_the_case_not_into_it(org, desk, cases):
    """Without a raise or a hand-over the pass leaves the case row alone: level and miss go to CaseEscalation."""
    from guanxi.service.models import CaseEscalation

    case = cases.mine
    updated_at = Case.objects.get(pk=case.pk).updated_at
    _due(case, near=True)
    sla.escalate()
    assert CaseEscalation.objects.get(case=case).level == 1 and not CaseEscalation.objects.get(case=case).breached
    _due(case, missed=True)
    services.sla_policy_update(policy=desk.policy, acting_user=org.admin, raise_priority_on_breach=False, reassign_on_breach=False)
    before = Case.objects.get(pk=case.pk)
    assert sla.escalate()["missed"] == 1
    after = Case.objects.get(pk=case.pk)
    assert (after.priority, after.assignee_id, after.updated_at) == (before.priority, before.assignee_id, before.updated_at)
    state = CaseEscalation.objects.get(case=case)
    assert state.level == 2 and state.breached and state.escalated_at is not None and state.warned_at is not None
    assert after.sla_breached and after.escalation_level == 2 and updated_at == before.updated_at


def test_escalation_pass_runs_the_same_statements_for_one_case_or_many(org, desk, cases, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.sla_policy_update(policy=desk.policy, acting_user=org.admin, reassign_on_breach=True)

    def statements(n):
        made = [services.case_create(acting_user=org.rep, account=org.rep_account, subject=f"断网 {i}", queue=desk.queue) for i in range(n)]
        for i, case in enumerate(made):
            _due(case, near=i % 2 == 0, missed=i % 2 == 1)
        with CaptureQueriesContext(connection) as captured:
            done = sla.escalate()
        assert done["missed"] == n // 2 and done["near"] == n - n // 2
        return len(captured.captured_queries)

    assert statements(2) == statements(12)


def test_new_deadlines_rearm_the_escalation_but_keep_the_miss(org, desk, cases):
    case = cases.mine
    _due(case, missed=True)
    assert sla.escalate()["missed"] == 1
    case.refresh_from_db()
    services.case_update(case=case, acting_user=desk.agent, priority="urgent")
    case.refresh_from_db()
    assert case.escalation_level == 0 and case.sla_breached
    _due(case, missed=True)
    assert sla.escalate()["missed"] == 1  # the new target missed too: escalated again


def test_sla_missed_filter_finds_a_missed_case_after_it_is_closed(org, desk, cases, client):
    from guanxi.service.filters import CaseFilterSet

    _due(cases.mine, missed=True)
    sla.escalate()
    services.case_set_status(case=Case.objects.get(pk=cases.mine.pk), acting_user=desk.agent, status="closed")
    found = CaseFilterSet({"sla": "missed"}, queryset=Case.objects.all()).qs
    assert list(found.values_list("pk", flat=True)) == [cases.mine.pk]
