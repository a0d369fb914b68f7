"""The sales charts draw in a real browser (SVG, no JavaScript error), and the configurator's price
follows the chosen options through htmx."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.sales import services

from .conftest import log_in

pytestmark = pytest.mark.browser

STAGES = (("初步接洽", 10, False, False), ("方案报价", 50, False, False), ("赢单", 100, True, False), ("输单", 0, False, True))


def test_reports_draw_their_charts_and_the_configurator_reprices(open_page, make_user):
    admin = make_user("admin", role="administrator")
    rep = make_user("rep", role="sales_manager")
    pipeline = services.pipeline_create(acting_user=admin, name="标准销售流程", stages=STAGES, is_default=True)
    stages = {s.name: s for s in pipeline.stages.all()}
    rival = services.competitor_create(acting_user=admin, name="友商甲")
    account = customers.account_create(acting_user=rep, name="张三科技有限公司")
    close = timezone.localdate() + datetime.timedelta(days=20)
    for n in range(6):
        opportunity = services.opportunity_create(acting_user=rep, account=account, name=f"商机{n}", amount=D(10000 * (n + 1)),
                                                  expected_close_date=close, competitors=[rival])
        if n % 2:
            services.opportunity_move(opportunity=opportunity, stage=stages["方案报价"], acting_user=rep)
        if n == 3:
            services.opportunity_move(opportunity=opportunity, stage=stages["赢单"], acting_user=rep, close_reason="price")
        if n == 4:
            services.opportunity_move(opportunity=opportunity, stage=stages["输单"], acting_user=rep, close_reason="price", won_against=rival)
    server = services.product_create(acting_user=admin, code="SRV", name="服务器", list_price=D("10000.00"))
    book = services.pricebook_create(acting_user=admin, name="标准价", is_default=True)
    services.price_entry_add(price_book=book, acting_user=admin, product=server, unit_price=D("10000.00"))
    memory = services.option_group_create(product=server, acting_user=admin, name="内存", is_required=True, max_choices=1)
    small = services.option_create(group=memory, acting_user=admin, name="64GB", price=D("0"), is_default=True)
    big = services.option_create(group=memory, acting_user=admin, name="256GB", price=D("4199.99"))

    page = open_page()
    log_in(page, "rep")
    page.goto("/sales/reports/")
    for chart in ("chart-stage", "chart-funnel", "chart-win-rate", "chart-cycle"):
        expect(page.locator(f"#{chart} svg")).to_have_count(1)
    expect(page.locator("#report-funnel")).to_contain_text("初步接洽")
    page.goto("/sales/reports/competitors/")
    expect(page.locator("#chart-competitors svg")).to_have_count(1)

    page.goto(f"/sales/products/{server.pk}/configure/")
    expect(page.locator("#configure-unit-price")).to_contain_text(re.compile(r"10,?000\.00"))
    page.check(f"#option-{big.pk}")
    expect(page.locator("#configure-errors")).to_contain_text("内存")  # two memory options: at most 1
    page.uncheck(f"#option-{small.pk}")
    expect(page.locator("#configure-ok")).to_be_visible()
    expect(page.locator("#configure-unit-price")).to_contain_text(re.compile(r"14,?199\.99"))
