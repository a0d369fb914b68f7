"""The sales path in a real browser: a visitor fills in the web form, the lead is assigned to the
rep, who converts it (after looking at the duplicate check) and drags the opportunity across the
pipeline board; a quote with a large discount waits for the manager's approval."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from guanxi.core import services as core
from guanxi.sales import services
from guanxi.sales.models import Lead, LeadAssignmentRule, Opportunity, Quote, WebToLeadForm

from .conftest import log_in

pytestmark = pytest.mark.browser

STAGES = (("初步接洽", 10, False, False), ("需求确认", 25, False, False), ("方案报价", 50, False, False),
          ("赢单", 100, True, False), ("输单", 0, False, True))


def test_web_lead_to_board_to_quote_approval(open_page, make_user):
    admin = make_user("admin", role="administrator")
    team = core.team_create(acting_user=admin, name="华东销售")
    manager = make_user("manager", role="sales_manager", team=team)
    core.team_update(team=team, acting_user=admin, data={"manager": manager})
    rep = make_user("rep", team=team, display_name="王小明")
    pipeline = services.pipeline_create(acting_user=admin, name="标准销售流程", stages=STAGES, is_default=True)
    services.rule_create(model=LeadAssignmentRule, acting_user=admin, name="官网线索", source="web", method="user", user=rep)
    form = services.rule_create(model=WebToLeadForm, acting_user=admin, name="官网", default_owner=manager, thank_you="感谢您的留言")
    product = services.product_create(acting_user=admin, code="CRM", name="CRM 专业版", list_price=Decimal("1000.00"), tax_rate=Decimal("6"))
    services.pricebook_create(acting_user=admin, name="标准价", is_default=True)

    # A visitor on the public form (no log-in).
    visitor = open_page()
    visitor.goto(form.public_url())
    visitor.fill("#id_name", "刘备")
    visitor.fill("#id_company", "蜀汉科技有限公司")
    visitor.fill("#id_phone", "139 1234 0000")
    visitor.get_by_role("button").click()
    expect(visitor.locator("#thank-you")).to_have_text("感谢您的留言")
    lead = Lead.objects.get()
    assert (lead.owner, lead.source) == (rep, "web")

    # The rep converts it: no duplicate, so a new account, a contact and an opportunity.
    page = open_page()
    log_in(page, "rep")
    page.goto(lead.get_absolute_url())
    page.click("#convert-button")
    expect(page.locator("#no-duplicates")).to_be_visible()
    page.fill("#id_amount", "50000")
    page.click("[data-testid=convert]")
    page.wait_for_url(re.compile(r"/sales/opportunities/\d+/$"))
    opportunity = Opportunity.objects.get()
    assert opportunity.account.name == "蜀汉科技有限公司" and opportunity.amount == Decimal("50000.00")

    # Drag the card from 初步接洽 to 方案报价 on the board.
    page.goto(f"/sales/opportunities/board/?pipeline={pipeline.pk}")
    card = page.locator(f"[data-opportunity='{opportunity.pk}']")
    target = page.locator(f".kanban-column[data-stage='{pipeline.stages.get(name='方案报价').pk}'] .kanban-cards")
    with page.expect_response(re.compile(rf"/sales/opportunities/{opportunity.pk}/move/")):
        card.drag_to(target)
    expect(page.locator(f".kanban-column[data-stage='{pipeline.stages.get(name='方案报价').pk}'] [data-opportunity='{opportunity.pk}']")).to_be_visible()
    opportunity.refresh_from_db()
    assert opportunity.stage.name == "方案报价" and opportunity.probability == 50

    # A quote with a 30 % discount: submitted, it waits for the manager.
    page.goto(f"/sales/quotes/add/?opportunity={opportunity.pk}&account={opportunity.account_id}")
    page.fill("#id_title", "蜀汉 CRM 报价")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/sales/quotes/\d+/$"))
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_quantity", "10")
    page.fill("#id_discount_percent", "30")
    page.locator("#add-line button[type=submit]").click()
    expect(page.locator("#quote-total")).to_contain_text("7420.00")  # 10 × 1000 × 0.7 = 7000 + 6 % VAT
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#quote-status")).to_have_text("待审批")
    quote = Quote.objects.get()
    assert quote.approver == manager

    boss = open_page()
    log_in(boss, "manager")
    boss.goto(quote.get_absolute_url())
    boss.get_by_role("button", name="批准").click()
    expect(boss.locator("#quote-status")).to_have_text("已批准")
