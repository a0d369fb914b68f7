"""Opportunities: defaults from the pipeline, stage moves with history, win and loss, the stage report
and its win-rate arithmetic, the board."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.sales import selectors, services
from guanxi.sales.models import Opportunity, StageChange


def _new(org, **extra):
    data = {"account": org.rep_account, "name": "项目", "amount": Decimal("1000.00"),
            "expected_close_date": timezone.localdate() + datetime.timedelta(days=10)}
    data.update(extra)
    return services.opportunity_create(acting_user=org.rep, **data)


def test_defaults_come_from_the_default_pipeline(org, pipeline, stages):
    opportunity = _new(org)
    assert opportunity.pipeline == pipeline and opportunity.stage == stages["初步接洽"]
    assert opportunity.probability == 10 and opportunity.status == "open" and opportunity.currency == "CNY"
    assert opportunity.owner == org.rep
    assert opportunity.weighted_amount == Decimal("100.00")
    assert StageChange.objects.get(opportunity=opportunity).from_stage is None
    assert org.rep_account.timeline_events.filter(kind="opportunity.created").exists()


@pytest.mark.parametrize(("extra", "field"), [
    ({"amount": Decimal("-5")}, "amount"),
    ({"probability": 101}, "probability"),
    ({"name": ""}, "name"),
    ({"expected_close_date": None}, "expected_close_date"),
])
def test_bad_input_names_the_field(org, pipeline, extra, field):
    with pytest.raises(ValidationError) as caught:
        _new(org, **extra)
    assert field in caught.value.message_dict
    assert not Opportunity.objects.exists()


def test_contact_must_work_for_the_account_and_stage_must_belong_to_the_pipeline(org, pipeline, make_user):
    with pytest.raises(ValidationError) as caught:
        _new(org, contact=org.other_contact)
    assert "contact" in caught.value.message_dict
    other = services.pipeline_create(acting_user=org.admin, name="续约", stages=[("续约谈判", 80, False, False)])
    opportunity = _new(org)
    with pytest.raises(ValidationError) as caught:
        services.opportunity_move(opportunity=opportunity, stage=other.stages.get(), acting_user=org.rep)
    assert "stage" in caught.value.message_dict


def test_moves_keep_the_history_and_closing_sets_status(org, stages):
    opportunity = _new(org)
    Opportunity.objects.filter(pk=opportunity.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=3))
    opportunity.refresh_from_db()
    services.opportunity_move(opportunity=opportunity, stage=stages["方案报价"], acting_user=org.rep)
    assert opportunity.probability == 50 and opportunity.status == "open"
    change = opportunity.stage_changes.order_by("-id").first()
    assert change.from_stage == stages["初步接洽"] and 3 * 86400 <= change.seconds_in_from_stage < 3 * 86400 + 60
    with pytest.raises(ValidationError) as caught:
        services.opportunity_move(opportunity=opportunity, stage=stages["输单"], acting_user=org.rep)
    assert "close_reason" in caught.value.message_dict
    services.opportunity_move(opportunity=opportunity, stage=stages["赢单"], acting_user=org.rep, close_reason="relationship")
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.probability, opportunity.forecast_category) == ("won", 100, "closed")
    assert opportunity.closed_at is not None and opportunity.close_reason == "relationship"
    # Reopening clears the close.
    services.opportunity_update(opportunity=opportunity, acting_user=org.rep, stage=stages["商务谈判"])
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.probability, opportunity.closed_at, opportunity.close_reason) == ("open", 75, None, "")
    assert [row["stage"].name for row in selectors.time_in_stages(opportunity=opportunity)] == ["初步接洽", "方案报价", "赢单", "商务谈判"]
    assert org.rep_account.timeline_events.filter(kind="opportunity.won").exists()


def test_stage_report_win_rate_is_the_owners_share_won_from_that_stage(org, stages):
    # The rep took four deals through 需求确认: three won, one lost; one more is open there now.
    for outcome in ("赢单", "赢单", "赢单", "输单"):
        done = _new(org)
        services.opportunity_move(opportunity=done, stage=stages["需求确认"], acting_user=org.rep)
        services.opportunity_move(opportunity=done, stage=stages[outcome], acting_user=org.rep, close_reason="price")
    current = _new(org, name="当前")
    services.opportunity_move(opportunity=current, stage=stages["需求确认"], acting_user=org.rep)
    fresh = _new(org, name="新的")  # 初步接洽: every closed deal passed it too
    rows = {row["opportunity"].name: row for row in selectors.stage_report(user=org.rep, pipeline=stages["赢单"].pipeline)}
    assert set(rows) == {"当前", "新的"}
    assert rows["当前"]["win_rate"] == 75 and rows["当前"]["closed_from_stage"] == 4
    assert rows["新的"]["win_rate"] == 75 and rows["当前"]["probability"] == 25
    assert rows["当前"]["days_to_close"] == 10 and rows["当前"]["days_in_stage"] == 0
    # Another rep's history does not count for this rep.
    assert selectors.win_rates(owner_ids={org.other.pk}, stage_ids={stages["需求确认"].pk}) == {}
    del fresh


def test_board_columns_sum_by_stage(org, pipeline, stages):
    a = _new(org, amount=Decimal("100.50"))
    b = _new(org, amount=Decimal("200.25"))
    services.opportunity_move(opportunity=b, stage=stages["商务谈判"], acting_user=org.rep)
    columns = {c["stage"].name: c for c in selectors.board(user=org.rep, pipeline=pipeline)}
    assert columns["初步接洽"]["count"] == 1 and columns["初步接洽"]["total"] == Decimal("100.50")
    assert columns["商务谈判"]["weighted"] == Decimal("150.19")  # 200.25 × 75 % = 150.1875
    assert [c["id"] for c in columns["初步接洽"]["cards"]] == [a.pk]
    assert selectors.board(user=org.other, pipeline=pipeline)[0]["count"] == 0


def test_board_page_and_drag_and_drop_move(org, client_for, pipeline, stages):
    opportunity = _new(org)
    client = client_for(org.rep)
    page = client.get(f"/sales/opportunities/board/?pipeline={pipeline.pk}")
    assert page.status_code == 200 and "项目" in page.content.decode()
    moved = client.post(f"/sales/opportunities/{opportunity.pk}/move/", {"stage": stages["方案报价"].pk}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 204 and moved["HX-Trigger"] == "board-changed"
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["方案报价"]
    # Dropping on 输单 asks for the reason on the close page instead of moving.
    lost = client.post(f"/sales/opportunities/{opportunity.pk}/move/", {"stage": stages["输单"].pk}, HTTP_HX_REQUEST="true")
    assert lost.status_code == 204 and f"/close/?stage={stages['输单'].pk}" in lost["HX-Redirect"]
    closing = client.post(f"/sales/opportunities/{opportunity.pk}/close/", {"stage": stages["输单"].pk, "close_reason": ""})
    assert closing.status_code == 200 and "close_reason" in closing.context["form"].errors
    closing = client.post(f"/sales/opportunities/{opportunity.pk}/close/", {"stage": stages["输单"].pk, "close_reason": "price"})
    assert closing.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "lost"
    # htmx partial of the board: just the columns.
    partial = client.get(f"/sales/opportunities/board/?pipeline={pipeline.pk}", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_account_panel_shows_visible_opportunities(org, client_for, sales):
    page = client_for(org.rep).get(f"/customers/accounts/{org.rep_account.pk}/")
    assert page.status_code == 200
    assert "张三科技 CRM 项目" in page.content.decode()


def test_forecast_rollup_is_exact_by_owner_team_and_territory(org, stages, make_user):
    start, end = timezone.localdate(), timezone.localdate() + datetime.timedelta(days=90)
    a = _new(org, amount=Decimal("0.10"))
    b = _new(org, amount=Decimal("0.20"))
    services.opportunity_update(opportunity=b, acting_user=org.rep, forecast_category="commit")
    c = _new(org, amount=Decimal("1000.05"))
    services.opportunity_update(opportunity=c, acting_user=org.rep, forecast_category="best_case")
    services.opportunity_move(opportunity=c, stage=stages["商务谈判"], acting_user=org.rep)  # 75 %
    d = _new(org, amount=Decimal("333.33"))
    services.opportunity_move(opportunity=d, stage=stages["赢单"], acting_user=org.rep)
    e = _new(org, amount=Decimal("999.99"), expected_close_date=end + datetime.timedelta(days=1))  # outside the period
    services.opportunity_update(opportunity=a, acting_user=org.rep, forecast_category="omitted")
    result = selectors.forecast_rollup(user=org.manager, start=start, end=end)
    row = {r["key"]: r for r in result["rows"]}[org.rep.pk]
    assert row["won"] == Decimal("333.33")
    assert row["commit"] == Decimal("0.20")
    assert row["best_case"] == Decimal("1000.25")
    assert row["pipeline"] == Decimal("1000.25")  # the omitted deal is left out
    # 0.20 × 10 % + 1000.05 × 75 % = 0.02 + 750.0375 = 750.0575 → 750.06
    assert row["weighted"] == Decimal("750.06")
    assert row["deals"] == 4 and result["totals"]["pipeline"] == Decimal("1000.25")
    by_team = selectors.forecast_rollup(user=org.manager, start=start, end=end, by="team")
    assert [r["key"] for r in by_team["rows"]] == [org.east.pk]
    by_territory = selectors.forecast_rollup(user=org.manager, start=start, end=end, by="territory")
    assert [r["key"] for r in by_territory["rows"]] == [org.shanghai.pk]
    assert selectors.forecast_rollup(user=org.other, start=start, end=end)["rows"] == []
    del e


def test_forecast_page_with_quotas_and_attainment(org, stages, client_for):
    from guanxi.sales.forecast_views import attainment, quarter_of

    today = timezone.localdate()
    start, end = quarter_of(today)
    assert quarter_of(datetime.date(2026, 12, 31)) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert quarter_of(datetime.date(2026, 2, 10)) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert attainment(Decimal("333.33"), Decimal("1000.00")) == Decimal("33.3")
    assert attainment(Decimal("1"), Decimal("3")) == Decimal("33.3") and attainment(Decimal("1"), None) is None
    won = _new(org, amount=Decimal("250.00"), expected_close_date=end)
    services.opportunity_move(opportunity=won, stage=stages["赢单"], acting_user=org.rep)
    manager = client_for(org.manager)
    saved = manager.post("/sales/forecast/quota/", {"user": org.rep.pk, "amount": "1000.00", "period_start": start.isoformat()})
    assert saved.status_code == 302
    page = manager.get(f"/sales/forecast/?start={start}")
    row = page.context["rows"][0]
    assert (row["name"], row["won"], row["quota"], row["attainment"]) == (str(org.rep), Decimal("250.00"), Decimal("1000.00"), Decimal("25.0"))
    assert client_for(org.rep).post("/sales/forecast/quota/", {"user": org.rep.pk, "amount": "1", "period_start": start.isoformat()}).status_code == 403
    assert client_for(org.other).get(f"/sales/forecast/?start={start}").context["rows"] == []
    assert manager.get(f"/sales/forecast/?start={start}&by=territory").status_code == 200


def test_win_loss_by_competitor(org, stages, client_for):
    from guanxi.sales.models import Competitor

    kingdee, yonyou = (services.competitor_create(acting_user=org.admin, name=n) for n in ("金蝶", "用友"))
    won = _new(org, amount=Decimal("100.00"), competitors=[kingdee, yonyou])
    services.opportunity_move(opportunity=won, stage=stages["赢单"], acting_user=org.rep)
    lost = _new(org, amount=Decimal("40.50"), competitors=[kingdee])
    services.opportunity_move(opportunity=lost, stage=stages["输单"], acting_user=org.rep, close_reason="price", won_against=kingdee)
    _new(org, competitors=[yonyou])  # still open: not counted
    rows = {r["competitor"].name: r for r in selectors.competitor_win_loss(user=org.rep)}
    assert (rows["金蝶"]["won"], rows["金蝶"]["lost"], rows["金蝶"]["win_rate"], rows["金蝶"]["lost_to"]) == (1, 1, 50, 1)
    assert rows["金蝶"]["lost_amount"] == Decimal("40.50") and rows["用友"]["win_rate"] == 100
    assert selectors.competitor_win_loss(user=org.other) == []
    assert client_for(org.rep).get("/sales/reports/competitors/").status_code == 200
    assert Competitor.objects.count() == 2
