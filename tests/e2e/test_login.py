"""The log-in page: a wrong password is refused with a message, and the language can be switched."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_wrong_password_shows_an_error_and_keeps_the_user_name(page, rep):
    page.goto("/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("#id_username")).to_have_value("rep")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#user-menu")).to_have_count(0)

    log_in(page, "rep")
    expect(page.locator("#user-menu")).to_have_text("王小明")


def test_language_switcher_on_the_login_page(page, rep):
    page.goto("/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    # Each language is offered under its own name, whatever the page's language.
    expect(page.locator("#language-switcher button[value=en]")).to_have_text("English")

    page.click("#language-switcher button[value=en]")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#language-switcher button[value=zh-hans]")).to_have_text("简体中文")
    expect(page.locator("#login-submit")).to_have_text("Log in")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("#language-switcher button[value=en]")).to_have_class(re.compile(r"\bfw-bold\b"))

    page.click("#language-switcher button[value=zh-hans]")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#login-submit")).not_to_have_text("Log in")
    expect(page.locator("#language-switcher button[value=zh-hans]")).to_have_class(re.compile(r"\bfw-bold\b"))

    # The choice made before logging in carries into the application.
    page.click("#language-switcher button[value=en]")
    log_in(page, "rep")
    expect(html).to_have_attribute("lang", "en")
