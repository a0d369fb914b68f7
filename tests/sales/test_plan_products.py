"""Commission rules by product (split by product line, exact arithmetic, explained lines), territory quotas,
the sales plan page (quota grid, htmx cells, team vs members, copy), the quota API, and sales knowledge
posts in the header search."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.customers import services as customer_services
from guanxi.sales import services
from guanxi.sales.models import CommissionRule, Opportunity, Quota

D = Decimal
NOV = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
Q4 = (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
Q3 = (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))


def _rows(response) -> list:
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def products(org):
    make = services.product_create
    return {
        "A": make(acting_user=org.admin, code="SRV-A", name="服务器", list_price=D("1000.00")),
        "B": make(acting_user=org.admin, code="LIC-B", name="软件许可", list_price=D("2000.00")),
    }


def _won(org, stages, account, day, *, amount="0.00", lines=()):
    """A deal of the rep won on ``day``: with product lines (product, quantity, unit price, discount %) or an amount."""
    deal = services.opportunity_create(acting_user=org.rep, owner=org.rep, account=account, name=f"赢 {day}", amount=D(amount),
                                       expected_close_date=day)
    for product, quantity, price, discount in lines:
        services.opportunity_line_add(opportunity=deal, acting_user=org.rep, product=product, quantity=D(quantity), unit_price=D(price),
                                      discount_percent=D(discount))
    services.opportunity_move(opportunity=Opportunity.objects.get(pk=deal.pk), stage=stages["赢单"], acting_user=org.rep)
    Opportunity.objects.filter(pk=deal.pk).update(closed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))
    return deal


def test_deal_parts_follow_the_lines_and_always_sum_to_the_deal():
    parts = services.commission_deal_parts
    assert parts(amount=D("100.00"), lines=[]) == [(None, D("100.00"))]
    assert parts(amount=D("100.00"), lines=[(1, D("60.00")), (2, D("40.00"))]) == [(1, D("60.00")), (2, D("40.00"))]
    # The lines leave 0.01 of the amount: one more part without a product.
    assert parts(amount=D("100.01"), lines=[(1, D("60.00")), (2, D("40.00"))]) == [(1, D("60.00")), (2, D("40.00")), (None, D("0.01"))]
    assert parts(amount=D("50.00"), lines=[(1, D("0.00")), (2, D("50.00"))]) == [(2, D("50.00"))]


def test_statement_by_product_with_tiers_and_accelerators(org, stages, products):
    plan = services.commission_plan_create(acting_user=org.admin, name="按产品提成")
    rule_a = services.commission_rule_save(acting_user=org.admin, plan=plan, name="服务器", order=1, product=products["A"],
                                           tiers=[(D(0), D(10)), (D(100), D(15))])
    vip = services.commission_rule_save(acting_user=org.admin, plan=plan, name="VIP", order=2, value_tier="vip", tiers=[(D(0), D(7))])
    standard = services.commission_rule_save(acting_user=org.admin, plan=plan, name="标准", order=3,
                                             tiers=[(D(0), D(5)), (D(100), D(8)), (D(150), D(12))])
    services.commission_assignment_create(acting_user=org.admin, plan=plan, user=org.rep, start_date=datetime.date(2026, 1, 1))
    services.quota_set(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1], amount=D("10000.00"))
    vip_account = customer_services.account_create(acting_user=org.rep, name="贵宾客户", value_tier="vip")
    a, b = products["A"], products["B"]
    _won(org, stages, org.rep_account, datetime.date(2026, 11, 3), lines=[(a, "3", "1000.00", "0"), (b, "1", "2500.50", "0")])
    _won(org, stages, vip_account, datetime.date(2026, 11, 4), lines=[(b, "2", "2000.00", "0")])
    _won(org, stages, org.rep_account, datetime.date(2026, 11, 5), amount="7000.00")
    _won(org, stages, org.rep_account, datetime.date(2026, 11, 6), lines=[(a, "1", "1000.00", "10")])

    statement = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    lines = list(statement.lines.select_related("product", "rule").order_by("position"))
    assert [(line.product_id, line.rule_id, line.base_amount, line.rate, line.amount) for line in lines] == [
        (a.pk, rule_a.pk, D("3000.00"), D(10), D("300.00")),        # product A → its own rule
        (b.pk, standard.pk, D("2500.50"), D(5), D("125.03")),       # product B → the product-less rule; 125.025 half up
        (b.pk, vip.pk, D("4000.00"), D(7), D("280.00")),            # VIP account: the tier rule takes any product
        (None, standard.pk, D("499.50"), D(5), D("24.98")),         # no lines: the whole deal; up to 100 % (24.975 half up)
        (None, standard.pk, D("5000.00"), D(8), D("400.00")),       # 100 % – 150 %
        (None, standard.pk, D("1500.50"), D(12), D("180.06")),      # above 150 %: the accelerator
        (a.pk, rule_a.pk, D("900.00"), D(15), D("135.00")),         # product A above 100 %: its accelerator
    ]
    assert statement.won_total == D("17400.50")
    assert statement.total == D("1445.07") == sum(line.amount for line in lines)
    explanation = lines[6].explanation()
    assert "SRV-A" in explanation and "服务器" in explanation and "100" in explanation
    assert "SRV" not in lines[3].explanation()
    # Idempotent.
    again = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    assert again.total == D("1445.07") and again.lines.count() == 7


def test_product_only_plan_pays_nothing_on_other_products_or_deals_without_lines(org, stages, products):
    plan = services.commission_plan_create(acting_user=org.admin, name="只算服务器")
    services.commission_rule_save(acting_user=org.admin, plan=plan, name="服务器", product=products["A"], tiers=[(D(0), D(10))])
    services.commission_assignment_create(acting_user=org.admin, plan=plan, user=org.rep, start_date=datetime.date(2026, 1, 1))
    _won(org, stages, org.rep_account, datetime.date(2026, 11, 3), amount="500.00")
    _won(org, stages, org.rep_account, datetime.date(2026, 11, 4), lines=[(products["B"], "1", "100.00", "0"), (products["A"], "2", "50.00", "0")])
    statement = services.commission_statement_compute(acting_user=org.admin, user=org.rep, period_start=NOV[0], period_end=NOV[1])
    assert [(line.product_id, line.rule_id is not None, line.amount) for line in statement.lines.order_by("position")] == [
        (None, False, D("0.00")), (products["B"].pk, False, D("0.00")), (products["A"].pk, True, D("10.00"))]
    assert statement.won_total == D("700.00") and statement.total == D("10.00")


def test_rule_with_product_on_the_page_and_through_the_api(org, products, client_for):
    plan = services.commission_plan_create(acting_user=org.admin, name="页面提成")
    admin = client_for(org.admin)
    response = admin.post(f"/sales/commissions/plans/{plan.pk}/rules/add/", {
        "name": "服务器", "order": 1, "value_tier": "", "product": products["A"].pk, "tiers": "0=5; 100=9"})
    assert response.status_code == 302
    rule = CommissionRule.objects.get(plan=plan)
    assert rule.product == products["A"] and [(t.attainment_from, t.rate) for t in rule.tiers.order_by("attainment_from")] == [(0, 5), (100, 9)]
    page = admin.get(f"/sales/commissions/plans/{plan.pk}/").content.decode()
    assert "SRV-A" in page and f"/rules/{rule.pk}/edit/" in page
    admin.post(f"/sales/commissions/plans/{plan.pk}/rules/{rule.pk}/edit/", {"name": "许可", "order": 2, "product": products["B"].pk, "tiers": "0=4"})
    rule.refresh_from_db()
    assert (rule.name, rule.product_id, rule.tiers.count()) == ("许可", products["B"].pk, 1)

    api = _api(org.admin)
    created = api.post("/api/commission-rules/", {"plan": plan.pk, "name": "API 规则", "order": 5, "product": products["A"].pk,
                                                  "tiers": [{"attainment_from": "0", "rate": "6"}, {"attainment_from": "120", "rate": "11"}]},
                       format="json")
    assert created.status_code == 201, created.content
    assert created.json()["product"] == products["A"].pk and len(created.json()["tiers"]) == 2
    bad = api.post("/api/commission-rules/", {"plan": plan.pk, "name": "坏", "tiers": [{"attainment_from": "10", "rate": "5"}]}, format="json")
    assert bad.status_code == 400 and "tiers" in bad.json()["errors"] if "errors" in bad.json() else "tiers" in str(bad.json())
    patched = api.patch(f"/api/commission-rules/{created.json()['id']}/", {"product": None}, format="json")
    assert patched.status_code == 200 and patched.json()["product"] is None and len(patched.json()["tiers"]) == 2
    assert any(r["product"] == products["B"].pk for r in api.get(f"/api/commission-plans/{plan.pk}/").json()["rules"])
    # A rep may read neither write rules.
    assert _api(org.rep).post("/api/commission-rules/", {"plan": plan.pk, "name": "x", "tiers": [{"attainment_from": "0", "rate": "5"}]},
                              format="json").status_code == 403


def test_quota_checks_and_territory_quotas(org):
    with pytest.raises(ValidationError) as exc:
        services.quota_set(acting_user=org.admin, user=org.rep, team=org.east, period_start=Q4[0], period_end=Q4[1], amount=D("1"))
    assert "user" in exc.value.message_dict
    for bad in (D("-1"), D("1.001"), "abc"):
        with pytest.raises(ValidationError) as exc:
            services.quota_set(acting_user=org.admin, user=org.rep, period_start=Q4[0], period_end=Q4[1], amount=bad)
        assert "amount" in exc.value.message_dict
    quota = services.quota_set(acting_user=org.admin, territory=org.shanghai, period_start=Q4[0], period_end=Q4[1], amount=D("5000.00"))
    assert services.quota_set(acting_user=org.admin, territory=org.shanghai, period_start=Q4[0], period_end=Q4[1], amount=D("6000.00")).pk == quota.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.create(territory=org.shanghai, team=org.east, period_start=Q4[0], period_end=Q4[1], amount=D("1"))


def test_forecast_by_territory_shows_territory_quota_attainment(org, stages, client_for):
    today = timezone.localdate()
    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = (start + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(days=1)
    deal = services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="上海大单", amount=D("2500.00"),
                                       expected_close_date=today)
    services.opportunity_move(opportunity=deal, stage=stages["赢单"], acting_user=org.rep)
    territory = Opportunity.objects.filter(pk=deal.pk).values_list("account__territory", flat=True).get()
    assert territory is not None
    response = client_for(org.admin).post("/sales/forecast/quota/", {"territory": territory, "amount": "10000", "period_start": start.isoformat(),
                                                                     "period": "quarter"})
    assert response.status_code == 302 and "by=territory" in response["Location"]
    assert Quota.objects.get(territory_id=territory, period_start=start, period_end=end).amount == D("10000.00")
    page = client_for(org.admin).get(f"/sales/forecast/?start={start}&by=territory")
    row = next(r for r in page.context["rows"] if r["key"] == territory)
    assert row["quota"] == D("10000.00") and row["attainment"] == D("25.0")


# -- the sales plan page ---------------------------------------------------------------------


def test_plan_page_grid_team_difference_and_htmx_cells(org, stages, client_for):
    services.quota_set(acting_user=org.admin, team=org.east, period_start=Q4[0], period_end=Q4[1], amount=D("30000.00"))
    services.quota_set(acting_user=org.admin, user=org.rep, period_start=Q4[0], period_end=Q4[1], amount=D("10000.00"))
    deal = services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="十一月单", amount=D("4000.00"),
                                       expected_close_date=datetime.date(2026, 11, 20))
    services.opportunity_move(opportunity=deal, stage=stages["赢单"], acting_user=org.rep)
    services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="在谈", amount=D("1000.00"),
                                expected_close_date=datetime.date(2026, 12, 1), stage=stages["方案报价"])
    manager = client_for(org.manager)
    response = manager.get("/sales/plan/?period=quarter&start=2026-11-15")
    assert response.status_code == 200
    block = next(b for b in response.context["blocks"] if b["team"] == org.east)
    rep_row = next(r for r in block["rows"] if r["user"] == org.rep)
    assert (rep_row["quota"], rep_row["won"], rep_row["weighted"], rep_row["attainment"]) == (D("10000.00"), D("4000.00"), D("500.00"), D("40.0"))
    assert rep_row["editable"] and not next(r for r in block["rows"] if r["user"] == org.manager)["editable"]  # not one's own quota
    assert (block["quota"], block["member_sum"], block["difference"]) == (D("30000.00"), D("10000.00"), D("20000.00"))
    assert any(text in response.content.decode() for text in ("20,000.00", "20000.00"))

    post = {"period": "quarter", "start": "2026-11-15", "team_block": org.east.pk, "subject": f"user:{org.rep.pk}"}
    saved = manager.post("/sales/plan/quota/", {**post, "amount": "35,000"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert Quota.objects.get(user=org.rep, period_start=Q4[0], period_end=Q4[1]).amount == D("35000.00")
    assert saved.context["block"]["excess"] == D("5000.00")
    assert any(text in saved.content.decode() for text in ("5,000.00", "5000.00"))

    bad = manager.post("/sales/plan/quota/", {**post, "amount": "12x"}, HTTP_HX_REQUEST="true")
    html = bad.content.decode()
    assert bad.status_code == 200 and "is-invalid" in html and "12x" in html
    assert Quota.objects.get(user=org.rep, period_start=Q4[0], period_end=Q4[1]).amount == D("35000.00")  # nothing lost
    negative = manager.post("/sales/plan/quota/", {**post, "amount": "-5"}, HTTP_HX_REQUEST="true")
    assert "is-invalid" in negative.content.decode()

    own = manager.post("/sales/plan/quota/", {**post, "subject": f"user:{org.manager.pk}", "amount": "1"}, HTTP_HX_REQUEST="true")
    assert "is-invalid" in own.content.decode() and not Quota.objects.filter(user=org.manager).exists()
    # Another team's rep cannot be reached through a team block the manager does not plan.
    assert manager.post("/sales/plan/quota/", {**post, "team_block": org.north.pk, "subject": f"user:{org.other.pk}", "amount": "1"},
                        HTTP_HX_REQUEST="true").status_code == 404
    assert manager.post("/sales/plan/quota/", {**post, "subject": "user:x", "amount": "1"}, HTTP_HX_REQUEST="true").status_code == 404
    assert manager.post("/sales/plan/quota/", {**post, "team_block": "", "amount": "1"}, HTTP_HX_REQUEST="true").status_code == 404
    # Clearing a cell removes the quota.
    manager.post("/sales/plan/quota/", {**post, "amount": ""}, HTTP_HX_REQUEST="true")
    assert not Quota.objects.filter(user=org.rep, period_start=Q4[0]).exists()


def test_plan_page_for_reps_and_year_period(org, client_for):
    rep = client_for(org.rep)
    assert rep.get("/sales/plan/").status_code == 403  # reps have no quota permission
    response = client_for(org.director).get("/sales/plan/?period=year&start=2026-05-05")
    assert response.context["start"] == datetime.date(2026, 1, 1) and response.context["end"] == datetime.date(2026, 12, 31)
    assert {b["team"] for b in response.context["blocks"]} == {org.sales, org.east, org.north}


def test_copy_quotas_from_the_previous_period(org, client_for):
    services.quota_set(acting_user=org.admin, user=org.rep, period_start=Q3[0], period_end=Q3[1], amount=D("8000.00"))
    services.quota_set(acting_user=org.admin, team=org.east, period_start=Q3[0], period_end=Q3[1], amount=D("20000.00"))
    services.quota_set(acting_user=org.admin, user=org.other, period_start=Q3[0], period_end=Q3[1], amount=D("7000.00"))
    services.quota_set(acting_user=org.admin, team=org.east, period_start=Q4[0], period_end=Q4[1], amount=D("25000.00"))
    response = client_for(org.manager).post("/sales/plan/copy/", {"period": "quarter", "start": "2026-10-01"})
    assert response.status_code == 302
    q4 = {(q.user_id, q.team_id): q.amount for q in Quota.objects.filter(period_start=Q4[0])}
    assert q4 == {(org.rep.pk, None): D("8000.00"), (None, org.east.pk): D("25000.00")}  # kept; the other team's rep is not the manager's
    client_for(org.manager).post("/sales/plan/copy/", {"period": "quarter", "start": "2026-10-01", "overwrite": "1"})
    assert Quota.objects.get(team=org.east, period_start=Q4[0]).amount == D("20000.00")


def test_plan_page_queries_do_not_grow_with_reps(org, make_user, client_for):
    client = client_for(org.director)
    client.get("/sales/plan/?start=2026-11-01")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/sales/plan/?start=2026-11-01").status_code == 200
        return len(ctx)

    few = count()
    for n in range(4):
        rep = make_user(f"extra{n}", team=org.east)
        services.quota_set(acting_user=org.admin, user=rep, period_start=Q4[0], period_end=Q4[1], amount=D("100.00"))
    client.get("/sales/plan/?start=2026-11-01")  # new users and roles: the permission caches refill once
    assert count() == few


def test_quota_api(org):
    manager = _api(org.manager)
    created = manager.post("/api/quotas/", {"user": org.rep.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "amount": "9000.00"},
                           format="json")
    assert created.status_code == 201, created.content
    assert manager.post("/api/quotas/", {"user": org.other.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "amount": "1"},
                        format="json").status_code == 403
    bad = manager.post("/api/quotas/", {"user": org.rep.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "amount": "-1"}, format="json")
    assert bad.status_code == 400 and "amount" in str(bad.json())
    changed = manager.patch(f"/api/quotas/{created.json()['id']}/", {"amount": "9500.00"}, format="json")
    assert changed.status_code == 200 and changed.json()["amount"] == "9500.00"
    assert [q["id"] for q in _rows(manager.get("/api/quotas/"))] == [created.json()["id"]]
    assert _api(org.rep).get("/api/quotas/").status_code == 403  # reps hold no quota permission
    copied = manager.post("/api/quotas/copy/", {"source_start": "2026-10-01", "source_end": "2026-12-31", "period_start": "2027-01-01",
                                                "period_end": "2027-03-31", "users": [org.rep.pk]}, format="json")
    assert copied.status_code == 200 and copied.json() == {"copied": 1, "kept": 0}
    assert _api(org.admin).post("/api/quotas/", {"territory": org.shanghai.pk, "period_start": "2026-10-01", "period_end": "2026-12-31",
                                                 "amount": "1"}, format="json").status_code == 201


# -- global search ------------------------------------------------------------------------------


def test_knowledge_posts_in_the_header_search(org, make_user, client_for):
    services.knowledge_post_create(acting_user=org.manager, title="报价谈判技巧", body="客户要求打折时，先谈价值，再谈价格。", tags="报价, 谈判")
    response = client_for(org.rep).get("/customers/search/?q=谈判")
    groups = {g["key"]: g for g in response.context["groups"]}
    assert [r["title"] for r in groups["sales_knowledge"]["results"]] == ["报价谈判技巧"]
    agent = make_user("agent", role="service_agent")
    assert "sales_knowledge" not in {g["key"] for g in client_for(agent).get("/customers/search/?q=谈判").context["groups"]}


# -- the pipeline board's kept totals ----------------------------------------------------------


def _live(user, pipeline, **filters):
    from django.db.models import Count, Sum

    rows = Opportunity.objects.visible_to(user).filter(pipeline=pipeline, **filters).order_by().values("stage").annotate(n=Count("id"), t=Sum("amount"))
    return {r["stage"]: (r["n"], D(r["t"]).quantize(D("0.01"))) for r in rows}


def _kept(user, pipeline, totals_filter=None):
    from guanxi.sales import selectors

    figures = selectors.board_figures_from_totals(user=user, pipeline=pipeline, totals_filter=totals_filter)
    return {stage: (f["count"], f["total"].quantize(D("0.01"))) for stage, f in figures.items() if f["count"]}


def test_board_totals_follow_every_service_and_visibility(org, pipeline, stages, products):
    from django.core.management import call_command
    from django.db.models import Q as Where

    first = services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="一", amount=D("100.10"),
                                        expected_close_date=datetime.date(2026, 12, 1))
    second = services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="二", amount=D("50.00"),
                                         expected_close_date=datetime.date(2026, 12, 1), stage=stages["需求确认"])
    theirs = services.opportunity_create(acting_user=org.other, owner=org.other, account=org.other_account, name="三", amount=D("7.00"),
                                         expected_close_date=datetime.date(2026, 12, 1))
    services.opportunity_move(opportunity=first, stage=stages["方案报价"], acting_user=org.rep)
    services.opportunity_update(opportunity=second, acting_user=org.rep, amount=D("60.05"), stage=stages["商务谈判"])
    services.opportunity_line_add(opportunity=first, acting_user=org.rep, product=products["A"], quantity=D("2"), unit_price=D("33.33"))
    services.opportunity_update(opportunity=theirs, acting_user=org.admin, owner=org.rep)   # another owner: the key moves
    services.opportunity_move(opportunity=second, stage=stages["输单"], acting_user=org.rep, close_reason="price")
    services.opportunity_delete(opportunity=Opportunity.objects.get(pk=theirs.pk), acting_user=org.admin)
    call_command("sales_board_totals", "--check")
    for user in (org.rep, org.manager, org.other, org.admin):
        assert _kept(user, pipeline) == _live(user, pipeline), user
    assert _kept(org.rep, pipeline) == {stages["方案报价"].pk: (1, D("66.66")), stages["输单"].pk: (1, D("60.05"))}
    assert _kept(org.other, pipeline) == {}
    assert _kept(org.admin, pipeline, Where(owner__in=[org.other])) == _live(org.admin, pipeline, owner__in=[org.other]) == {}
    # A rebuild writes the same figures.
    services.board_totals_rebuild()
    assert _kept(org.admin, pipeline) == _live(org.admin, pipeline)


def test_board_uses_kept_totals_only_for_filters_they_know(org, pipeline, stages, client_for):
    services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="大单", amount=D("900.00"),
                                expected_close_date=datetime.date(2026, 12, 1))
    services.opportunity_create(acting_user=org.rep, owner=org.rep, account=org.rep_account, name="小单", amount=D("10.00"),
                                expected_close_date=datetime.date(2026, 12, 1))
    client = client_for(org.manager)
    first = stages["初步接洽"].pk

    def column(query):
        response = client.get(f"/sales/opportunities/board/?pipeline={pipeline.pk}{query}")
        return next((c["count"], c["total"]) for c in response.context["columns"] if c["stage"].pk == first)

    assert column("") == (2, D("910.00"))
    assert column(f"&owner={org.rep.pk}") == (2, D("910.00"))
    assert column(f"&owner={org.manager.pk}") == (0, D("0"))
    assert column("&amount_min=100") == (1, D("900.00"))       # not in the totals: counted live
    assert column("&q=小") == (1, D("10.00"))
