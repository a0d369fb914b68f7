"""Tax rates, the configurator (pricing and constraints, exact in Decimal), bundles, opportunity product
lines (roll-up, copy to a quote), their pages, API and query counts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.sales import services
from guanxi.sales.configurator import configure
from guanxi.sales.models import OpportunityLine, QuoteLine, TaxRate


@pytest.fixture(autouse=True)
def english():
    """The services' messages are compared in English (pages are checked by their markup)."""
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(org):
    admin = org.admin
    vat = {r.rate: r for r in TaxRate.objects.all()}
    server = services.product_create(acting_user=admin, code="SRV", name="服务器", list_price=D("10000.00"), default_tax_rate=vat[D("13")])
    support = services.product_create(acting_user=admin, code="SUP", name="技术支持", unit="年", list_price=D("3333.33"), tax_rate=D("6"))
    freight = services.product_create(acting_user=admin, code="FRT", name="运输", list_price=D("99.99"), tax_rate=D("9"))
    book = services.pricebook_create(acting_user=admin, name="标准价", is_default=True)
    usd = services.pricebook_create(acting_user=admin, name="USD list", currency="USD")
    services.price_entry_add(price_book=book, acting_user=admin, product=server, unit_price=D("10000.00"))
    services.price_entry_add(price_book=book, acting_user=admin, product=server, min_quantity=D("10"), unit_price=D("9500.00"))
    services.price_entry_add(price_book=usd, acting_user=admin, product=server, unit_price=D("1450.00"))
    memory = services.option_group_create(product=server, acting_user=admin, name="内存", is_required=True, max_choices=1)
    m64 = services.option_create(group=memory, acting_user=admin, name="64GB", price=D("0"), is_default=True)
    m256 = services.option_create(group=memory, acting_user=admin, name="256GB", price=D("4199.99"))
    warranty = services.option_group_create(product=server, acting_user=admin, name="保修年限", min_choices=0, max_choices=1)
    w5 = services.option_create(group=warranty, acting_user=admin, name="5年", price=D("1234.56"))
    services.option_price_set(option=w5, acting_user=admin, currency="usd", price=D("180.00"))
    extras = services.option_group_create(product=server, acting_user=admin, name="加速卡", max_choices=2)
    gpu = services.option_create(group=extras, acting_user=admin, name="GPU", price=D("18000.01"), requires=[m256], excludes=[m64])
    nic = services.option_create(group=extras, acting_user=admin, name="25G 网卡", price=D("800.00"))
    return dict(server=server, support=support, freight=freight, book=book, usd=usd, m64=m64, m256=m256, w5=w5, gpu=gpu, nic=nic, vat=vat)


def test_china_vat_rates_are_seeded_with_13_percent_as_default(roles):  # roles: the migration's rows, even after a flush
    rates = {t.rate: t for t in TaxRate.objects.all()}
    assert set(rates) >= {D("13"), D("9"), D("6"), D("0")}
    assert rates[D("13")].is_default and TaxRate.objects.filter(is_default=True).count() == 1


def test_configurator_prices_exactly_and_names_broken_rules(catalog):
    c = catalog
    config = configure(product=c["server"], price_book=c["book"], quantity=D("3"), option_ids=[c["m256"].pk, c["w5"].pk, c["gpu"].pk, c["nic"].pk])
    assert config.is_valid, config.errors
    assert config.base_price == D("10000.00")
    assert config.unit_price == D("10000.00") + D("4199.99") + D("1234.56") + D("18000.01") + D("800.00") == D("34234.56")
    assert config.amount == D("102703.68")
    assert "内存: 256GB" in config.description and "保修年限: 5年" in config.description
    # volume tier of the base product, exactly
    assert configure(product=c["server"], price_book=c["book"], quantity=D("10"), option_ids=[c["m64"].pk]).unit_price == D("9500.00")
    # a price book in another currency takes the option's price in that currency
    usd = configure(product=c["server"], price_book=c["usd"], quantity=D("1"), option_ids=[c["m64"].pk, c["w5"].pk])
    assert usd.is_valid and usd.unit_price == D("1630.00")
    no_usd = configure(product=c["server"], price_book=c["usd"], quantity=D("1"), option_ids=[c["m256"].pk])
    assert no_usd.errors == ["“256GB” has no price in USD."]

    errors = configure(product=c["server"], price_book=c["book"], quantity=D("1"), option_ids=[c["m64"].pk, c["m256"].pk, c["gpu"].pk]).errors
    assert "“内存”: choose at most 1." in errors
    assert {"“GPU” cannot be combined with “64GB”.", "“64GB” cannot be combined with “GPU”."} & set(errors)
    assert configure(product=c["server"], price_book=c["book"], quantity=D("1"), option_ids=[]).errors == ["“内存”: choose at least 1."]
    missing = configure(product=c["server"], price_book=c["book"], quantity=D("1"), option_ids=[c["m64"].pk, c["gpu"].pk]).errors
    assert "“GPU” requires “256GB”." in missing


def test_bundle_priced_as_the_sum_less_its_discount_or_its_own_price(org, catalog):
    c = catalog
    bundle = services.product_create(acting_user=org.admin, code="BNDL", name="套装", list_price=D("0"), bundle_pricing="sum", bundle_discount=D("7.5"))
    services.bundle_component_set(bundle=bundle, acting_user=org.admin, component=c["server"], quantity=D("2"))
    services.bundle_component_set(bundle=bundle, acting_user=org.admin, component=c["support"], quantity=D("3"))
    config = configure(product=bundle, price_book=c["book"], quantity=D("1"))
    # (2 × 10000.00 + 3 × 3333.33) × 92.5 % = 29999.99 × 0.925 = 27749.990750 → 27749.99
    assert config.base_price == D("27749.99") and config.is_valid
    # 5 bundles: the server's tier is reached at 10 units
    assert configure(product=bundle, price_book=c["book"], quantity=D("5")).base_price == pricing_cents((D("19000.00") + D("9999.99")) * D("0.925"))
    services.product_update(product=bundle, acting_user=org.admin, bundle_pricing="fixed", list_price=D("25000.00"))
    assert configure(product=bundle, price_book=c["book"], quantity=D("1")).base_price == D("25000.00")
    with pytest.raises(ValidationError):
        services.bundle_component_set(bundle=bundle, acting_user=org.admin, component=bundle, quantity=D("1"))


def pricing_cents(value):
    from guanxi.sales.pricing import cents

    return cents(value)


def test_quote_taxes_with_several_rates_and_configured_lines(org, catalog, sales):
    c = catalog
    quote = services.quote_create(acting_user=org.rep, account=org.rep_account, title="多税率报价", price_book=c["book"])
    services.quote_line_add(quote=quote, acting_user=org.rep, product=c["support"], quantity=D("3"))         # 6 %
    services.quote_line_add(quote=quote, acting_user=org.rep, product=c["freight"], quantity=D("7"))         # 9 %
    services.quote_line_add(quote=quote, acting_user=org.rep, product=c["freight"], quantity=D("1"), tax=c["vat"][D("0")])  # overridden: 0 %
    main = services.quote_add_configured(quote=quote, acting_user=org.rep, product=c["server"], quantity=D("2"),
                                         option_ids=[c["m256"].pk, c["w5"].pk], discount_percent=D("5"))
    quote.refresh_from_db()
    lines = list(QuoteLine.objects.filter(quote=quote).order_by("position"))
    assert [line.tax_rate for line in lines] == [D("6"), D("9"), D("0"), D("13"), D("13"), D("13")]
    options = [line for line in lines if line.parent_id == main.pk]
    assert [o.description for o in options] == ["+ 内存: 256GB", "+ 保修年限: 5年"] and main.unit_price == D("10000.00")
    # support 9999.99 → VAT 600.00 (599.9994); freight 699.93 → VAT 62.99 (62.9937); 99.99 at 0 %;
    # server 2 × 10000 × 95 % = 19000.00 → 2470.00; 256GB 8399.98 × 95 % = 7979.981 → 7979.98 → 1037.40 (1037.3974);
    # 5 年 2469.12 × 95 % = 2345.664 → 2345.66 → 304.94 (304.9358)
    assert quote.tax_total == D("600.00") + D("62.99") + D("0.00") + D("2470.00") + D("1037.40") + D("304.94")
    net = D("9999.99") + D("699.93") + D("99.99") + D("19000.00") + D("7979.98") + D("2345.66")
    assert quote.total == net + quote.tax_total
    with pytest.raises(ValidationError) as error:
        services.quote_add_configured(quote=quote, acting_user=org.rep, product=c["server"], quantity=D("1"), option_ids=[c["gpu"].pk])
    assert "“内存”: choose at least 1." in error.value.message_dict["options"]
    # deleting a configured line takes its option lines with it
    services.quote_line_delete(line=main, acting_user=org.rep)
    assert QuoteLine.objects.filter(quote=quote).count() == 3


def test_opportunity_amount_follows_its_lines_and_lines_go_to_the_quote(org, catalog, sales):
    c = catalog
    opportunity = sales.mine.opportunity
    assert opportunity.amount == D("120000.00")
    line = services.opportunity_line_add(opportunity=opportunity, acting_user=org.rep, product=c["server"], quantity=D("12"), discount_percent=D("10"))
    opportunity.refresh_from_db()
    assert line.unit_price == D("9500.00") and opportunity.amount == D("102600.00")
    services.opportunity_add_configured(opportunity=opportunity, acting_user=org.rep, product=c["server"], quantity=D("1"),
                                        option_ids=[c["m256"].pk])
    opportunity.refresh_from_db()
    assert opportunity.amount == D("102600.00") + D("10000.00") + D("4199.99")
    services.opportunity_line_update(line=line, acting_user=org.rep, quantity=D("1"), unit_price=D("10000.00"))
    opportunity.refresh_from_db()
    assert opportunity.amount == D("9000.00") + D("14199.99")
    # a manual amount is ignored while there are lines: the edit form disables the field
    quote = services.quote_create(acting_user=org.rep, opportunity=opportunity, title="来自商机", price_book=c["book"])
    copied = list(QuoteLine.objects.filter(quote=quote).order_by("position"))
    assert [(q.product_id, q.quantity, q.unit_price, q.discount_percent) for q in copied] == [
        (line.product_id, D("1"), D("10000.00"), D("10.00")), (c["server"].pk, D("1"), D("10000.00"), D("0")), (c["server"].pk, D("1"), D("4199.99"), D("0"))]
    assert copied[2].parent_id == copied[1].pk and copied[2].tax_rate == D("13")
    v2 = services.quote_new_version(quote=quote, acting_user=org.rep)
    v2_lines = list(QuoteLine.objects.filter(quote=v2).order_by("position", "id"))
    assert len(v2_lines) == 3 and v2_lines[2].parent_id == v2_lines[1].pk
    services.opportunity_line_delete(line=line, acting_user=org.rep)
    opportunity.refresh_from_db()
    assert opportunity.amount == D("14199.99")
    # closed opportunities keep their lines
    stages = {s.name: s for s in opportunity.pipeline.stages.all()}
    services.opportunity_move(opportunity=opportunity, stage=stages["赢单"], acting_user=org.rep, close_reason="price")
    opportunity.refresh_from_db()
    with pytest.raises(ValidationError):
        services.opportunity_line_add(opportunity=opportunity, acting_user=org.rep, product=c["support"], quantity=D("1"))


def test_pages_configure_with_htmx_and_add_to_the_opportunity(org, catalog, sales, client_for):
    c = catalog
    rep = client_for(org.rep)
    opportunity = sales.mine.opportunity
    page = rep.get(f"/sales/products/{c['server'].pk}/configure/?opportunity={opportunity.pk}")
    assert page.status_code == 200 and "64GB" in page.content.decode()
    fragment = rep.get(f"/sales/products/{c['server'].pk}/configure/", {"opportunity": opportunity.pk, "quantity": "2",
                                                                      "option": [c["m64"].pk, c["gpu"].pk]}, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert 'id="configure-errors"' in text and "GPU" in text and "256GB" in text and "<html" not in text
    ok = rep.get(f"/sales/products/{c['server'].pk}/configure/", {"quantity": "2", "option": [c["m256"].pk]}, HTTP_HX_REQUEST="true")
    assert "28,399.98" in ok.content.decode() or "28399.98" in ok.content.decode()
    added = rep.post(f"/sales/products/{c['server'].pk}/configure/", {"opportunity": opportunity.pk, "quantity": "2", "discount_percent": "0",
                                                                     "option": [c["m256"].pk, c["w5"].pk]})
    assert added.status_code == 302
    assert OpportunityLine.objects.filter(opportunity=opportunity).count() == 3
    detail = rep.get(opportunity.get_absolute_url()).content.decode()
    assert "+ 内存: 256GB" in detail
    # the other rep can neither see nor configure into this opportunity
    assert client_for(org.other).get(f"/sales/products/{c['server'].pk}/configure/?opportunity={opportunity.pk}").status_code == 404
    # the settings pages: tax rates and the product's options
    admin = client_for(org.admin)
    assert "增值税 9%" in admin.get("/sales/settings/").content.decode()
    assert admin.get(f"/sales/settings/products/{c['server'].pk}/options/").status_code == 200
    response = admin.post("/sales/settings/tax-rates/add/", {"name": "小规模 3%", "rate": "3", "is_active": "on"})
    assert response.status_code == 302 and TaxRate.objects.filter(rate=D("3")).exists()
    assert rep.post("/sales/settings/tax-rates/add/", {"name": "x", "rate": "1"}).status_code == 403


def test_opportunity_lines_visibility_and_api(org, catalog, sales):
    c = catalog
    mine, theirs = sales.mine.opportunity, sales.theirs.opportunity
    services.opportunity_line_add(opportunity=mine, acting_user=org.rep, product=c["support"], quantity=D("1"))
    services.opportunity_line_add(opportunity=theirs, acting_user=org.other, product=c["support"], quantity=D("2"))
    for user, expected in ((org.rep, {mine.pk}), (org.other, {theirs.pk}), (org.director, {mine.pk, theirs.pk})):
        api = APIClient()
        api.force_authenticate(user)
        assert {row["opportunity"] for row in api.get("/api/opportunity-lines/").json()["results"]} == expected
    api = APIClient()
    api.force_authenticate(org.rep)
    created = api.post("/api/opportunity-lines/", {"opportunity": mine.pk, "product": c["server"].pk, "quantity": "1",
                                                   "options": [c["m64"].pk]}, format="json")
    assert created.status_code == 201, created.content
    assert api.post("/api/opportunity-lines/", {"opportunity": theirs.pk, "product": c["server"].pk, "quantity": "1"}, format="json").status_code == 400
    priced = api.post("/api/configure/", {"product": c["server"].pk, "quantity": "2", "options": [c["m256"].pk]}, format="json").json()
    assert priced["valid"] and priced["unit_price"] == "14199.99" and priced["amount"] == "28399.98"
    assert api.get("/api/tax-rates/").json()["count"] >= 4
    assert api.post("/api/tax-rates/", {"name": "x", "rate": "1"}, format="json").status_code == 403
    groups = api.get(f"/api/product-option-groups/?product={c['server'].pk}").json()["results"]
    assert [g["name"] for g in groups] == ["内存", "保修年限", "加速卡"]


def test_opportunity_and_quote_pages_stay_within_a_query_bound(org, catalog, sales, client_for):
    c = catalog
    opportunity = sales.mine.opportunity
    client = client_for(org.rep)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.opportunity_line_add(opportunity=opportunity, acting_user=org.rep, product=c["support"], quantity=D("1"))
    few = count(opportunity.get_absolute_url())
    for n in range(6):
        services.opportunity_add_configured(opportunity=opportunity, acting_user=org.rep, product=c["server"], quantity=D(n + 1),
                                            option_ids=[c["m256"].pk, c["w5"].pk])
    assert count(opportunity.get_absolute_url()) == few
    quote = services.quote_create(acting_user=org.rep, opportunity=opportunity, title="q", price_book=c["book"])
    assert QuoteLine.objects.filter(quote=quote).count() == 19
    assert count(quote.get_absolute_url()) <= few + 5
    configure_queries = count(f"/sales/products/{c['server'].pk}/configure/?quote={quote.pk}")
    assert configure_queries <= 20
