"""The account list: htmx filtering in place, and the same list on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers import services

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def accounts(rep):
    return {
        "vip": services.account_create(acting_user=rep, name="金牌贵宾集团", value_tier="vip"),
        "ordinary": services.account_create(acting_user=rep, name="普通贸易有限公司", value_tier="ordinary"),
        "small": services.account_create(acting_user=rep, name="小微零售店", value_tier="small"),
    }


def test_value_tier_filter_updates_the_table_in_place(page, accounts):
    log_in(page, "rep")
    page.goto("/customers/accounts/")
    table = page.locator("#object-list tbody")
    expect(table.locator("tr")).to_have_count(3)

    # A marker on window survives only if the page is not reloaded: htmx swaps the table alone.
    page.evaluate("window.__notReloaded = true")
    page.select_option("#filter-form [name=value_tier]", ["vip"])
    page.click("#filter-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"value_tier=vip"))
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text("金牌贵宾集团")
    assert page.evaluate("window.__notReloaded") is True
    # What lives outside the swapped table follows the new filter too: exports and saved filters.
    expect(page.locator("#export-links a").first).to_have_attribute("href", re.compile(r"value_tier=vip.*export=csv"))
    expect(page.locator("#saved-filter-query")).to_have_value(re.compile(r"value_tier=vip"))

    # The pushed URL is a real page: reloading it shows the same filtered list.
    page.reload()
    expect(table.locator("tr")).to_have_count(1)
    expect(page.locator("#filter-form [name=value_tier]")).to_have_values(["vip"])


def test_list_on_a_phone_folds_away_navbar_and_filters(open_page, accounts):
    page = open_page(PHONE)
    log_in(page, "rep")
    page.goto("/customers/accounts/")
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#mainNav")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()

    toggler.click()
    # Bootstrap marks a panel "show" once its opening transition ends; a click during the transition
    # can land on whatever the moving layout puts under the pointer.
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(menu).to_be_visible()
    expect(page.locator("#global-search")).to_be_visible()
    expect(page.locator("#user-menu")).to_be_visible()

    # The table comes first; the long filter form waits behind its button.
    expect(page.locator("#object-list tbody tr")).to_have_count(3)
    filters = page.locator("#filter-form")
    expect(filters).to_be_hidden()
    page.click("#filters-toggle")
    expect(page.locator("#list-filters")).to_have_class(re.compile(r"\bshow\b"))
    expect(filters).to_be_visible()
    page.select_option("#filter-form [name=value_tier]", ["small"])
    page.wait_for_function("() => window.htmx !== undefined")  # the form submits through htmx
    page.click("#filter-form button[type=submit]")
    expect(page.locator("#object-list tbody tr")).to_have_count(1)
    expect(page.locator("#object-list tbody")).to_contain_text("小微零售店")

    # The table scrolls inside its own box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
