"""Sales pages answer in a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.sales import services


def _count(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add(org, competitors, stages, start, stop, product):
    close = timezone.localdate() + datetime.timedelta(days=20)
    for n in range(start, stop):
        owner = org.rep if n % 2 else org.manager
        services.lead_create(acting_user=owner, owner=owner, name=f"线索{n:03d}", company=f"测试公司{n:03d}", phone=f"1390000{n:04d}",
                             province="上海市")
        opportunity = services.opportunity_create(acting_user=owner, account=org.rep_account, name=f"商机{n:03d}", amount=Decimal(n * 1000),
                                                  expected_close_date=close, competitors=competitors[: n % 3])
        if n % 3 == 0:
            services.opportunity_move(opportunity=opportunity, stage=stages["方案报价"], acting_user=owner)
        if n % 5 == 0:
            services.opportunity_move(opportunity=opportunity, stage=stages["赢单"], acting_user=owner, close_reason="price")
        services.activity_create(acting_user=owner, subject=f"拜访{n}", starts_at=timezone.now() + datetime.timedelta(hours=n % 48),
                                 opportunity=opportunity, attendees=[org.rep])
        quote = services.quote_create(acting_user=owner, opportunity=opportunity, title=f"报价{n}")
        services.quote_line_add(quote=quote, acting_user=owner, product=product, quantity=Decimal(n + 1))
        services.quote_submit(quote=quote, acting_user=owner)
        quote.refresh_from_db()
        if n % 2:
            services.quote_accept(quote=quote, acting_user=owner)


def test_list_board_report_and_export_queries_do_not_grow_with_rows(org, pipeline, stages, client_for):
    competitors = [services.competitor_create(acting_user=org.admin, name=name) for name in ("金蝶", "用友")]
    product = services.product_create(acting_user=org.admin, code="P1", name="产品", list_price=Decimal("100.00"))
    services.pricebook_create(acting_user=org.admin, name="标准价", is_default=True)
    urls = [
        "/sales/leads/?per_page=100", "/sales/leads/?per_page=100&q=ceshi&sort=score", "/sales/leads/?export=csv",
        "/sales/opportunities/?per_page=100", "/sales/opportunities/?per_page=100&competitor=1&sort=amount",
        "/sales/opportunities/?export=xlsx", f"/sales/opportunities/board/?pipeline={pipeline.pk}",
        f"/sales/reports/stages/?pipeline={pipeline.pk}", f"/customers/accounts/{org.rep_account.pk}/",
        "/sales/activities/?per_page=100", "/sales/quotes/?per_page=100", "/sales/orders/?per_page=100", "/sales/calendar/?view=month",
    ]
    client = client_for(org.manager)
    _add(org, competitors, stages, 0, 4, product)
    few = {url: _count(client, url) for url in urls}
    _add(org, competitors, stages, 4, 30, product)
    many = {url: _count(client, url) for url in urls}
    assert many == few
    assert max(many.values()) <= 30, many


def _statements(client, url) -> list[str]:
    client.get(url)  # warm the per-process caches (content types, templates, cached choices)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in queries.captured_queries]


def test_board_and_list_run_a_fixed_set_of_queries(org, pipeline, stages, client_for):
    """The board: session, user, pipelines, stages, the kept figures, the cards (one UNION ALL on PostgreSQL,
    one query per stage on SQLite), the unread notifications; the owner and territory choices come from the
    cache. The list: session, user, the page, the pipeline, stage and competitor choices, notifications, saved
    filters (and the chosen stages when a stage filter is used)."""
    for n in range(8):
        opportunity = services.opportunity_create(acting_user=org.rep, account=org.rep_account, name=f"商机{n}", amount=Decimal(n * 100),
                                                  expected_close_date=timezone.localdate())
        if n % 2:
            services.opportunity_move(opportunity=opportunity, stage=stages["方案报价"], acting_user=org.rep)
    client = client_for(org.manager)
    cards = 1 if connection.features.supports_slicing_ordering_in_compound else len(stages)
    board = _statements(client, f"/sales/opportunities/board/?pipeline={pipeline.pk}")
    assert len(board) == 6 + cards, board
    assert not [sql for sql in board if "core_territory" in sql or "DECLARE" in sql]
    # A filter the kept figures do not know counts live: an aggregate instead of the kept figures, nothing per card.
    assert len(_statements(client, f"/sales/opportunities/board/?pipeline={pipeline.pk}&amount_min=100")) == 6 + cards
    assert len(_statements(client, "/sales/opportunities/")) == 8
    # A stage filter reads the chosen stages once (the form checks them).
    assert len(_statements(client, f"/sales/opportunities/?stage={stages['方案报价'].pk}&amount_min=100&sort=amount")) == 9
