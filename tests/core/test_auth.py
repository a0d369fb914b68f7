"""Log-in, lockout after repeated failures (django-axes), log-out and password change."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.test import Client

from guanxi.core.models import AuditEntry

from ..conftest import PASSWORD


@pytest.fixture
def browser():
    """An anonymous visitor whose browser asks for English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_page_has_the_fields_and_buttons(browser, db):
    response = browser.get("/login/")
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("User name", "Password", "Log in", "Cancel"):
        assert label in page
    assert 'name="username"' in page and 'name="password"' in page and 'type="password"' in page


def test_pages_need_a_log_in(browser, db):
    for url in ("/", "/workspace/", "/customers/accounts/", "/settings/", "/activity/", "/customers/search/?q=x"):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_login_with_the_right_password_opens_the_workspace(browser, org):
    response = _login(browser, "rep", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    assert browser.get("/workspace/").status_code == 200


def test_login_follows_a_safe_next_only(browser, org):
    response = browser.post("/login/?next=/customers/accounts/", {"username": "rep", "password": PASSWORD, "next": "/customers/accounts/"})
    assert response["Location"] == "/customers/accounts/"
    browser.post("/logout/")
    response = browser.post("/login/", {"username": "rep", "password": PASSWORD, "next": "https://evil.example.com/"})
    assert response["Location"] == "/workspace/"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(browser, org):
    response = _login(browser, "rep", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in browser.session


def test_five_failures_lock_the_account_even_against_the_right_password(browser, org):
    for attempt in range(4):
        response = _login(browser, "rep", f"wrong-{attempt}")
        assert response.status_code == 200, f"attempt {attempt + 1} is an ordinary failure"
    assert _login(browser, "rep", "wrong-5").status_code == 429, "the fifth failure locks"
    locked = _login(browser, "rep", PASSWORD)
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert "_auth_user_id" not in browser.session
    assert AccessAttempt.objects.get(username="rep").failures_since_start >= 5
    # the lock is per user name: a colleague still logs in
    assert _login(Client(), "other", PASSWORD).status_code == 302
    # an administrator's reset lifts it
    axes_reset(username="rep")
    assert _login(browser, "rep", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(browser, org):
    for attempt in range(4):
        _login(browser, "rep", "wrong")
    assert _login(browser, "rep", PASSWORD).status_code == 302
    browser.post("/logout/")
    for attempt in range(4):
        assert _login(browser, "rep", "wrong").status_code == 200
    assert _login(browser, "rep", PASSWORD).status_code == 302


def test_logout_is_a_post(client_for, org):
    client = client_for(org.rep)
    assert client.get("/logout/").status_code == 405, "a link or an image cannot log a user out"
    assert client.get("/workspace/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/workspace/").status_code == 302


def test_change_password(browser, org):
    _login(browser, "rep", PASSWORD)
    assert browser.get("/password/").status_code == 200
    new = "another-Long-passw0rd-77"
    response = browser.post("/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    assert browser.get("/workspace/").status_code == 200, "the session survives its own password change"
    entry = AuditEntry.objects.filter(content_type__model="user", object_id=str(org.rep.pk), action="update").latest("id")
    assert "password" in entry.changes and PASSWORD not in str(entry.changes) and new not in str(entry.changes)
    assert entry.actor == org.rep and entry.source == "web"
    browser.post("/logout/")
    assert _login(browser, "rep", PASSWORD).status_code == 200
    assert _login(browser, "rep", new).status_code == 302


def test_change_password_errors_name_the_field(browser, org):
    _login(browser, "rep", PASSWORD)
    response = browser.post("/password/", {"old_password": "wrong", "new_password1": "x-Long-pass-1234", "new_password2": "x-Long-pass-1234"})
    assert response.status_code == 200 and list(response.context["form"].errors) == ["old_password"]
    response = browser.post("/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert list(response.context["form"].errors) == ["new_password2"]
    browser.post("/logout/")
    assert _login(browser, "rep", PASSWORD).status_code == 302, "the old password still works"
