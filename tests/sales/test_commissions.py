"""Commissions: tier arithmetic (Decimal, exact, half up per line), statements from won deals,
idempotent recompute, approval flow, visibility (UI, API, export) and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.core.models import Notification
from guanxi.customers import services as customer_services
from guanxi.sales import services
from guanxi.sales.models import CommissionLine, CommissionStatement, Opportunity

from ..customers.pages import csv_rows, exported_ids, row_pks

D = Decimal
EVERYONE = ("rep", "manager", "director", "watcher", "analyst", "admin", "other")
NOV = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_split_without_crossing_a_band():
    assert services.commission_split(amount=D("1000.00"), won_before=D("0"), quota=D("10000.00"), tiers=[(D(0), D(5)), (D(100), D(8))]) == [
        (D("1000.00"), D(5), D(0), D(100), D("50.00"))]


def test_split_across_the_quota_line_and_half_up_rounding():
    # 9,000 already won of a 10,000 quota; a 1,500.50 deal: 1,000.00 at 5 % and 500.50 at 8 % (40.04).
    parts = services.commission_split(amount=D("1500.50"), won_before=D("9000.00"), quota=D("10000.00"), tiers=[(D(0), D(5)), (D(100), D(8))])
    assert parts == [(D("1000.00"), D(5), D(0), D(100), D("50.00")), (D("500.50"), D(8), D(100), None, D("40.04"))]
    # 0.125 → 0.13 (half up, not banker's 0.12)
    assert services.commission_split(amount=D("2.50"), won_before=D("0"), quota=None, tiers=[(D(0), D(5))])[0][4] == D("0.13")
    # three bands in one deal; boundaries rounded to the cent: 33.33 % of 100.00 = 33.33
    parts = services.commission_split(amount=D("100.00"), won_before=D("0"), quota=D("100.00"), tiers=[(D(0), D(1)), (D("33.33"), D(2)), (D(50), D(3))])
    assert [p[0] for p in parts] == [D("33.33"), D("16.67"), D("50.00")]
    assert sum(p[0] for p in parts) == D("100.00")
    assert [p[4] for p in parts] == [D("0.33"), D("0.33"), D("1.50")]


def test_tiers_are_parsed_and_checked(db):
    assert services.parse_tiers("0=5；100＝8".replace("＝", "=")) == [(D(0), D(5)), (D(100), D(8))]
    for bad in ("5", "0=x", ""):
        with pytest.raises(ValidationError) as exc:
            services.commission_rule_save(acting_user=None, plan=None, name="x", tiers=services.parse_tiers(bad))
        assert "tiers" in exc.value.message_dict


@pytest.fixture
def plan(org):
    plan = services.commission_plan_create(acting_user=org.admin, name="2026 销售提成")
    services.commission_rule_save(acting_user=org.admin, plan=plan, name="VIP 客户", order=1, value_tier="vip", tiers=[(D(0), D(10))])
    services.commission_rule_save(acting_user=org.admin, plan=plan, name="标准", order=2, tiers=[(D(0), D(5)), (D(100), D(8))])
    services.commission_assignment_create(acting_user=org.admin, plan=plan, team=org.sales, start_date=datetime.date(2026, 1, 1))
    return plan


def _won(org, stages, owner, account, amount, day):
    deal = services.opportunity_create(acting_user=owner, owner=owner, account=account, name=f"赢 {amount}", amount=D(amount),
                                       expected_close_date=day)
    services.opportunity_move(opportunity=deal, stage=stages["赢单"], acting_user=owner)
    Opportunity.objects.filter(pk=deal.pk).update(closed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))
    return deal


def test_statement_from_won_deals_with_accelerator_and_tier_rule(org, stages, plan):
    vip = customer_services.account_create(acting_user=org.rep, name="贵宾客户", value_tier="vip")
    services.quota_set(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1], amount=D("10000.00"))
    _won(org, stages, org.rep, org.rep_account, "6000.00", datetime.date(2026, 11, 3))
    _won(org, stages, org.rep, vip, "1000.00", datetime.date(2026, 11, 4))
    _won(org, stages, org.rep, org.rep_account, "5000.01", datetime.date(2026, 11, 5))
    _won(org, stages, org.rep, org.rep_account, "999.00", datetime.date(2026, 12, 1))  # next month
    statement = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    lines = list(statement.lines.order_by("position"))
    assert [(line.base_amount, line.rate, line.amount) for line in lines] == [
        (D("6000.00"), D(5), D("300.00")),
        (D("1000.00"), D(10), D("100.00")),        # VIP rule; still counts towards attainment
        (D("3000.00"), D(5), D("150.00")),         # up to 10,000 = 100 %
        (D("2000.01"), D(8), D("160.00")),         # 2000.01 × 8 % = 160.0008 → 160.00
    ]
    assert statement.won_total == D("12000.01") and statement.quota == D("10000.00") and statement.total == D("710.00")
    assert "100" in lines[3].explanation()
    # Recompute is idempotent: same lines, same total, no new statement.
    again = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    assert again.pk == statement.pk and again.total == D("710.00")
    assert [(line.base_amount, line.amount) for line in again.lines.order_by("position")] == [(line.base_amount, line.amount) for line in lines]
    assert CommissionLine.objects.count() == 4


def test_approve_pay_and_no_recompute_after_approval(org, stages, plan):
    _won(org, stages, org.rep, org.rep_account, "100.00", datetime.date(2026, 11, 3))
    statement = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    with pytest.raises(ValidationError):
        services.commission_statement_approve(statement=statement, acting_user=org.rep)
    with pytest.raises(ValidationError):
        services.commission_statement_pay(statement=statement, acting_user=org.manager)
    services.commission_statement_approve(statement=statement, acting_user=org.manager)
    assert statement.status == "approved" and statement.approved_by == org.manager
    with pytest.raises(ValidationError) as exc:
        services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    assert "status" in exc.value.message_dict
    services.commission_statement_pay(statement=statement, acting_user=org.admin)
    assert statement.status == "paid"
    assert Notification.objects.filter(recipient=org.rep).count() == 2


def test_someone_on_no_plan_gets_a_clear_error(org, stages):
    with pytest.raises(ValidationError) as exc:
        services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    assert "user" in exc.value.message_dict


def test_batch_compute_and_page_actions(org, stages, plan, client_for):
    _won(org, stages, org.rep, org.rep_account, "100.00", datetime.date(2026, 11, 3))
    _won(org, stages, org.other, org.other_account, "200.00", datetime.date(2026, 11, 3))
    admin = client_for(org.admin)
    response = admin.post("/sales/commissions/statements/compute/", {"period_start": "2026-11-15", "period": "month"})
    assert response.status_code == 302
    statements = {s.user_id: s for s in CommissionStatement.objects.all()}
    assert statements[org.rep.pk].total == D("5.00") and statements[org.other.pk].total == D("10.00")
    rep_statement = statements[org.rep.pk]
    assert client_for(org.manager).post(f"/sales/commissions/statements/{rep_statement.pk}/approve/").status_code == 302
    rep_statement.refresh_from_db()
    assert rep_statement.status == "approved"
    assert client_for(org.rep).post(f"/sales/commissions/statements/{rep_statement.pk}/pay/").status_code == 403


def test_statements_are_seen_within_scope_only(org, stages, plan, users, client_for):
    _won(org, stages, org.rep, org.rep_account, "100.00", datetime.date(2026, 11, 3))
    _won(org, stages, org.other, org.other_account, "200.00", datetime.date(2026, 11, 3))
    result = services.commission_statements_compute(acting_user=org.admin, period_start=NOV[0], period_end=NOV[1])
    by_user = {s.user_id: s.pk for s in result["computed"]}
    mine, theirs = by_user[org.rep.pk], by_user[org.other.pk]
    everyone = set(by_user.values())  # director, manager, rep, other, watcher: the 销售部 team and below
    assert len(everyone) == 5
    sees = {"rep": {mine}, "manager": {mine, by_user[org.manager.pk]}, "director": everyone, "watcher": {by_user[org.watcher.pk]},
            "analyst": everyone, "admin": everyone, "other": {theirs}}
    for name in EVERYONE:
        client = client_for(users[name])
        page = client.get("/sales/commissions/statements/")
        if page.status_code == 200:
            assert row_pks(page) == sees[name], name
            assert exported_ids(csv_rows(client.get("/sales/commissions/statements/?export=csv"))) == sees[name], name
        else:
            assert page.status_code == 403 and not sees[name], name
        for pk in (mine, theirs):
            assert client.get(f"/sales/commissions/statements/{pk}/").status_code in ((200,) if pk in sees[name] else (403, 404)), name
        response = _api(users[name]).get("/api/commission-statements/")
        listed = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
        assert listed == sees[name], name


def test_statement_pages_queries_do_not_grow(org, stages, plan, client_for):
    def count(url):
        client = client_for(org.admin)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _won(org, stages, org.rep, org.rep_account, "100.00", datetime.date(2026, 11, 3))
    statement = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    few_list, few_detail = count("/sales/commissions/statements/"), count(f"/sales/commissions/statements/{statement.pk}/")
    few_plan = count(f"/sales/commissions/plans/{plan.pk}/")
    for n in range(5):
        _won(org, stages, org.rep, org.rep_account, f"{n + 1}000.00", datetime.date(2026, 11, 4))
    services.commission_statements_compute(acting_user=org.admin, period_start=NOV[0], period_end=NOV[1])
    services.commission_rule_save(acting_user=org.admin, plan=plan, name="额外", order=3, tiers=[(D(0), D(1)), (D(50), D(2))])
    assert count("/sales/commissions/statements/") == few_list
    assert count(f"/sales/commissions/statements/{statement.pk}/") == few_detail
    assert count(f"/sales/commissions/plans/{plan.pk}/") == few_plan
