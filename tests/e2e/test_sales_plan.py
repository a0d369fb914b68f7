"""The sales plan in a real browser: a manager types a rep's quota in the grid (htmx), sees the team's
difference update, and gets a clear error for a bad value without losing the saved quota."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from guanxi.core import services as core
from guanxi.sales import services
from guanxi.sales.models import Quota

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_manager_edits_quotas_in_the_plan_grid(open_page, make_user):
    admin = make_user("admin", role="administrator")
    team = core.team_create(acting_user=admin, name="华东销售")
    manager = make_user("manager", role="sales_manager", team=team)
    core.team_update(team=team, acting_user=admin, data={"manager": manager})
    rep = make_user("rep", team=team, display_name="王小明")
    start, end = datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)
    services.quota_set(acting_user=admin, team=team, period_start=start, period_end=end, amount=Decimal("30000"))

    page = open_page()
    log_in(page, "manager")
    page.goto("/sales/plan/?period=quarter&start=2026-11-15")
    section = page.locator(f"#plan-team-{team.pk}")
    cell = section.locator(f"tr[data-user='{rep.pk}'] input[name=amount]")
    cell.fill("10000")
    cell.press("Tab")
    expect(page.locator(f"#plan-team-{team.pk} .member-sum")).to_contain_text("10000")
    expect(page.locator(f"#plan-team-{team.pk} .plan-difference")).to_contain_text("20000")
    assert Quota.objects.get(user=rep, period_start=start, period_end=end).amount == Decimal("10000.00")

    cell = page.locator(f"#plan-team-{team.pk} tr[data-user='{rep.pk}'] input[name=amount]")
    cell.fill("十万")
    cell.press("Tab")
    expect(page.locator(f"#plan-team-{team.pk} tr[data-user='{rep.pk}'] .invalid-feedback")).to_be_visible()
    expect(page.locator(f"#plan-team-{team.pk} tr[data-user='{rep.pk}'] input[name=amount]")).to_have_value("十万")
    assert Quota.objects.get(user=rep, period_start=start, period_end=end).amount == Decimal("10000.00")
