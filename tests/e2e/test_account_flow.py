"""The sales rep's first day, in a real browser: log in, create an account and its contact,
find the account again by pinyin, and read its 360° view and history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers import services
from guanxi.customers.models import Account

from .conftest import log_in

pytestmark = pytest.mark.browser

ACCOUNT_NAME = "杭州测试科技有限公司"


def test_create_account_and_contact_then_find_them_by_pinyin(page, rep):
    log_in(page, "rep")

    # New account from the account list.
    page.goto("/customers/accounts/")
    page.click("#add-button")
    page.fill("#id_name", ACCOUNT_NAME)
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/accounts/\d+/$"))
    expect(page.locator("h1")).to_have_text(ACCOUNT_NAME)
    account = Account.objects.get(name=ACCOUNT_NAME)
    assert account.owner == rep

    # A contact with a phone, added from the account's 360° view, which it returns to.
    page.click("[data-testid=add-contact]")
    expect(page.locator("#id_account")).to_have_value(str(account.pk))
    page.fill("#id_name", "赵敏")
    page.fill("#id_phone", "139 1234 5678")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/customers/accounts/{account.pk}/$"))
    contacts = page.locator("#account-contacts")
    expect(contacts).to_contain_text("赵敏")
    expect(contacts).to_contain_text("139")

    # A phone number for the account itself, on the Details tab.
    page.goto(f"/customers/accounts/{account.pk}/?tab=details")
    page.click("[data-testid=add-phone]")
    page.fill("#id_number", "0571-8888 6666")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/customers/accounts/{account.pk}/"))

    # Find it from anywhere by full pinyin and by initials, through the navbar's htmx dropdown.
    page.goto("/workspace/")
    results = page.locator("#global-search-results")
    page.fill("#global-search", "hangzhouceshi")
    expect(results.get_by_role("link", name=re.compile(ACCOUNT_NAME))).to_be_visible()
    page.fill("#global-search", "hzcs")
    hit = results.get_by_role("link", name=re.compile(ACCOUNT_NAME))
    expect(hit).to_be_visible()
    hit.click()
    page.wait_for_url(re.compile(rf"/customers/accounts/{account.pk}/$"))

    # The 360° view shows the contact and the timeline.
    expect(page.locator("#account-contacts")).to_contain_text("赵敏")
    expect(page.locator("#timeline li").first).to_be_visible()

    # The History tab holds the creation and the changes made through the forms.
    page.click("#history-tab")
    page.wait_for_url(re.compile(r"/history/customers/account/\d+/$"))
    history = page.locator("#history")
    expect(history.locator("[data-action=create][data-model=account]")).to_have_count(1)
    expect(history.locator("[data-action=create][data-model=account]")).to_contain_text(ACCOUNT_NAME)
    expect(history.locator("[data-model=phonenumber]").first).to_contain_text("57188886666")
    expect(history.locator("[data-model=accountcontact]").first).to_contain_text("赵敏")


def test_contact_page_shows_account_and_phone(page, rep):
    account = services.account_create(acting_user=rep, name=ACCOUNT_NAME)
    contact = services.contact_create(acting_user=rep, account=account, name="赵敏")
    services.phone_add(party=contact, acting_user=rep, number="13912345678")

    log_in(page, "rep")
    page.goto(contact.get_absolute_url())
    expect(page.locator("h1")).to_have_text("赵敏")
    expect(page.get_by_role("link", name=ACCOUNT_NAME)).to_be_visible()
    expect(page.locator("a[href^='tel:']").first).to_contain_text("139")
