"""The forecast: categories that follow the stage, exact roll-up arithmetic, managers' adjustments
(who may, history, both numbers on the page), their visibility and the page's query count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.sales import selectors, services
from guanxi.sales.forecast_views import month_of, quarter_of
from guanxi.sales.models import ForecastAdjustment

EVERYONE = ("rep", "manager", "director", "watcher", "analyst", "admin", "other")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _deal(org, owner, amount, close, stage=None, **extra):
    return services.opportunity_create(acting_user=owner, account=org.rep_account if owner != org.other else org.other_account,
                                       name=f"单 {amount}", amount=Decimal(amount), expected_close_date=close, stage=stage, **extra)


def test_forecast_category_follows_the_stage_until_someone_sets_it(org, stages):
    close = datetime.date(2026, 11, 30)
    deal = _deal(org, org.rep, "100.00", close)
    assert deal.forecast_category == "pipeline"
    services.opportunity_move(opportunity=deal, stage=stages["商务谈判"], acting_user=org.rep)  # 75 %
    assert deal.forecast_category == "best_case"
    chosen = _deal(org, org.rep, "100.00", close, forecast_category="commit")
    services.opportunity_move(opportunity=chosen, stage=stages["需求确认"], acting_user=org.rep)
    assert chosen.forecast_category == "commit"  # the rep's choice stays
    services.opportunity_move(opportunity=chosen, stage=stages["赢单"], acting_user=org.rep)
    assert chosen.forecast_category == "closed"
    assert services.default_forecast_category(90) == "commit" and services.default_forecast_category(60) == "best_case"
    assert services.default_forecast_category(59) == "pipeline"


def test_rollup_sums_are_exact_decimals(org, stages):
    start, end = quarter_of(datetime.date(2026, 11, 15))
    close = datetime.date(2026, 11, 20)
    a = _deal(org, org.rep, "0.10", close, probability=33)
    b = _deal(org, org.rep, "0.20", close, probability=33)
    _deal(org, org.rep, "1000000.01", close, forecast_category="commit")
    won = _deal(org, org.rep, "12345.67", close)
    services.opportunity_move(opportunity=won, stage=stages["赢单"], acting_user=org.rep)
    _deal(org, org.rep, "999.99", close, forecast_category="omitted")
    _deal(org, org.rep, "5.00", datetime.date(2027, 1, 1))  # next quarter
    result = selectors.forecast_rollup(user=org.rep, start=start, end=end, by="owner")
    totals = result["totals"]
    assert totals["won"] == Decimal("12345.67")
    assert totals["commit"] == Decimal("1000000.01")
    assert totals["best_case"] == Decimal("1000000.01")
    assert totals["pipeline"] == Decimal("1000000.31")  # 0.10 + 0.20 + 1,000,000.01; omitted and won left out
    # weighted: 0.10×33% + 0.20×33% = 0.099 → 0.10 (half up, once at the end) + 1,000,000.01 × 10 %
    assert totals["weighted"] == (Decimal("0.099") + Decimal("100000.001")).quantize(Decimal("0.01"))
    assert a.probability == b.probability == 33


def test_manager_adjusts_a_rep_and_the_history_is_kept(org, stages, client_for):
    start, end = quarter_of(datetime.date(2026, 11, 15))
    _deal(org, org.rep, "5000.00", datetime.date(2026, 11, 20), forecast_category="commit")
    first = services.forecast_adjust(acting_user=org.manager, user=org.rep, period_start=start, period_end=end,
                                     commit=Decimal("3000.00"), best_case=Decimal("4000.00"), note="客户预算推迟")
    second = services.forecast_adjust(acting_user=org.director, user=org.rep, period_start=start, period_end=end,
                                      commit=Decimal("3500.00"), best_case=Decimal("4500.00"), note="总监复核")
    assert ForecastAdjustment.objects.filter(user=org.rep).count() == 2
    assert first.owner == org.rep and second.adjusted_by == org.director
    page = client_for(org.manager).get(f"/sales/forecast/?start={start}&by=owner")
    html = page.content.decode()
    assert page.status_code == 200
    assert "总监复核" in html and "客户预算推迟" in html and "adjusted-commit" in html
    row = next(r for r in page.context["rows"] if r["key"] == org.rep.pk)
    assert (row["commit"], row["final_commit"], row["final_best_case"]) == (Decimal("5000.00"), Decimal("3500.00"), Decimal("4500.00"))
    assert 'id="forecast-chart"' in html


@pytest.mark.parametrize("who, subject", [("rep", "rep"), ("other", "rep"), ("manager", "other"), ("rep", "manager")])
def test_only_a_manager_above_may_adjust(org, who, subject):
    start, end = quarter_of(datetime.date(2026, 11, 15))
    with pytest.raises(ValidationError) as exc:
        services.forecast_adjust(acting_user=getattr(org, who), user=getattr(org, subject), period_start=start, period_end=end,
                                 commit=Decimal("1"), best_case=Decimal("2"), note="x")
    assert "user" in exc.value.message_dict


def test_adjustment_needs_a_note_and_best_case_not_below_commit(org):
    start, end = month_of(datetime.date(2026, 11, 15))
    with pytest.raises(ValidationError) as exc:
        services.forecast_adjust(acting_user=org.manager, user=org.rep, period_start=start, period_end=end,
                                 commit=Decimal("1"), best_case=Decimal("2"), note="  ")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.forecast_adjust(acting_user=org.manager, user=org.rep, period_start=start, period_end=end,
                                 commit=Decimal("3"), best_case=Decimal("2"), note="n")
    assert "best_case" in exc.value.message_dict


def test_team_adjustment_through_the_page_and_month_period(org, client_for):
    start, end = month_of(datetime.date(2026, 11, 15))
    response = client_for(org.director).post("/sales/forecast/adjust/", {
        "team": org.east.pk, "commit": "100.00", "best_case": "200.00", "note": "团队调整", "period_start": "2026-11-15", "period": "month"})
    assert response.status_code == 302 and "period=month" in response["Location"]
    adjustment = ForecastAdjustment.objects.get()
    assert (adjustment.team, adjustment.period_start, adjustment.period_end, adjustment.owner) == (org.east, start, end, org.manager)
    # A rep has no adjust permission at all.
    assert client_for(org.rep).post("/sales/forecast/adjust/", {}).status_code == 403


def test_adjustments_are_seen_within_scope_only(org, users):
    start, end = quarter_of(datetime.date(2026, 11, 15))
    mine = services.forecast_adjust(acting_user=org.manager, user=org.rep, period_start=start, period_end=end,
                                    commit=Decimal("1.00"), best_case=Decimal("2.00"), note="a")
    north_manager = org.director  # the director manages 销售部, above 华北销售
    theirs = services.forecast_adjust(acting_user=north_manager, user=org.other, period_start=start, period_end=end,
                                      commit=Decimal("1.00"), best_case=Decimal("2.00"), note="b")
    sees = {"rep": {mine.pk}, "manager": {mine.pk}, "director": {mine.pk, theirs.pk}, "watcher": set(), "analyst": {mine.pk, theirs.pk},
            "admin": {mine.pk, theirs.pk}, "other": {theirs.pk}}
    for name in EVERYONE:
        api = _api(users[name])
        response = api.get("/api/forecast-adjustments/")
        listed = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
        assert listed == sees[name], name
        assert api.get(f"/api/forecast-adjustments/{theirs.pk}/").status_code in ((200,) if theirs.pk in sees[name] else (403, 404)), name


def test_api_creates_an_adjustment_through_the_service(org):
    response = _api(org.manager).post("/api/forecast-adjustments/", {
        "user": org.rep.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "commit": "10.00", "best_case": "20.00", "note": "API"},
        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["adjusted_by"] == org.manager.pk
    bad = _api(org.manager).post("/api/forecast-adjustments/", {
        "user": org.rep.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "commit": "10.00", "best_case": "20.00", "note": ""},
        format="json")
    assert bad.status_code == 400 and "note" in bad.json().get("errors", bad.json()).__str__()


def test_forecast_page_queries_do_not_grow_with_rows(org, stages, client_for, make_user):
    start, end = quarter_of(datetime.date(2026, 11, 15))

    def count():
        client = client_for(org.director)
        url = f"/sales/forecast/?start={start}&by=owner"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _deal(org, org.rep, "10.00", datetime.date(2026, 11, 20))
    services.forecast_adjust(acting_user=org.manager, user=org.rep, period_start=start, period_end=end,
                             commit=Decimal("1.00"), best_case=Decimal("2.00"), note="a")
    few = count()
    for n in range(4):
        rep = make_user(f"rep{n}", team=org.east)
        _deal(org, rep, "10.00", datetime.date(2026, 11, 20))
        services.forecast_adjust(acting_user=org.manager, user=rep, period_start=start, period_end=end,
                                 commit=Decimal("1.00"), best_case=Decimal("2.00"), note="b")
    assert count() == few
