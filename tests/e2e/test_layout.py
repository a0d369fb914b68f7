"""The main screens at desktop and phone width: they render without server or script errors,
static files load, and nothing pushes the page wider than the screen.

Set ``GUANXI_E2E_SCREENSHOTS=<dir>`` to keep a full-page screenshot of each screen for a look.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.customers import services

from .conftest import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("GUANXI_E2E_SCREENSHOTS", "")


@pytest.fixture
def busy_account(org):
    """The rep's account with what a 360° view shows: contacts, phones, tags, interactions, notes."""
    rep, account, contact = org.rep, org.rep_account, org.rep_contact
    tag = services.tag_create(acting_user=org.admin, name="重点客户", color="danger")
    services.account_update(account=account, acting_user=rep, tags=[tag], value_tier="vip", website="https://zhangsan-tech.example.cn")
    services.email_add(party=account, acting_user=rep, email="info@zhangsan-tech.example.cn")
    services.phone_add(party=contact, acting_user=rep, number="13987654321")
    services.email_add(party=contact, acting_user=rep, email="zhangsan@zhangsan-tech.example.cn")
    second = services.contact_create(acting_user=rep, account=account, name="欧阳娜娜", title="采购部经理")
    services.phone_add(party=second, acting_user=rep, number="021-6888 8888", kind="work", extension="8021")
    now = timezone.now()
    services.interaction_create(acting_user=rep, account=account, contact=contact, channel="phone", direction="outbound",
                                started_at=now - timedelta(days=2), duration_seconds=420, reason="年度合同续签沟通，确认报价单与交付时间表",
                                outcome="follow_up", satisfaction=4)
    services.interaction_create(acting_user=rep, account=account, contact=second, channel="visit", direction="outbound",
                                started_at=now - timedelta(hours=3), reason="上门拜访", satisfaction=5)
    services.note_add(party=account, acting_user=rep, body="客户希望下季度扩大采购规模，请关注华东区库存情况。")
    return account


SCREENS = [
    ("workspace", "/workspace/"),
    ("search", "/workspace/"),
    ("account-list", "/customers/accounts/"),
    ("account-360", "{account}"),
    ("account-details", "{account}?tab=details"),
    ("account-history", "{account_history}"),
    ("contact", "{contact}"),
    ("account-edit-error", "{account_edit}"),
    ("settings", "/settings/"),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_screens_fit_the_viewport(open_page, org, busy_account, viewport):
    page = open_page(viewport)
    urls = {
        "account": busy_account.get_absolute_url(),
        "account_history": f"/history/customers/account/{busy_account.pk}/",
        "contact": org.rep_contact.get_absolute_url(),
        "account_edit": f"/customers/accounts/{busy_account.pk}/edit/",
    }
    page.goto("/login/")
    expect(page.locator("#login-submit")).to_be_visible()
    _check(page, "login", viewport)
    log_in(page, "admin")

    for name, url in SCREENS:
        page.goto(url.format(**urls))
        if name == "search":
            if viewport == PHONE:
                page.click(".navbar-toggler")
            page.fill("#global-search", "zhangsan")
            results = page.locator("#global-search-results .list-group")
            expect(results).to_contain_text(busy_account.name)
            box = results.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"], f"search results stick out: {box}"
        elif name == "account-history":
            expect(page.locator("#history [data-action=create][data-model=account]")).to_have_count(1)
        elif name == "account-edit-error":
            page.fill("#id_name", "")
            page.click("[data-testid=save]")
            expect(page.locator("[data-field-error=name]")).to_be_visible()
            # The rejected field is marked and has the cursor, so it is in view on a long form.
            expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#id_name")).to_be_focused()
        _check(page, name, viewport)


def _check(page, name: str, viewport: dict) -> None:
    # Bootstrap's stylesheet loaded: the body takes its system font stack, not the browser's default.
    assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")
    width = page.evaluate("document.documentElement.scrollWidth")
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        label = "desktop" if viewport == DESKTOP else "phone"
        page.screenshot(path=str(folder / f"{label}-{name}.png"), full_page=True)
    assert width <= viewport["width"], f"{name} is {width}px wide on a {viewport['width']}px screen"
