"""The interface speaks the user's language: the one picked in the profile, else the browser's."""

from __future__ import annotations

from django.test import Client

from guanxi.core import services as core_services

from ..conftest import PASSWORD


def _html_lang(response) -> str:
    page = response.content.decode()
    start = page.index("<html lang=\"") + len("<html lang=\"")
    return page[start: page.index("\"", start)]


def test_a_user_who_chose_english_sees_english_whatever_the_browser_says(org, make_user):
    make_user("anna", language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert client.post("/login/", {"username": "anna", "password": PASSWORD}).status_code == 302
    response = client.get("/workspace/")
    assert _html_lang(response) == "en"
    page = response.content.decode()
    assert "My workspace" in page and "Log out" in page


def test_without_a_choice_a_chinese_browser_gets_chinese(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    client.force_login(org.rep)
    response = client.get("/workspace/")
    assert _html_lang(response) == "zh-hans"
    page = response.content.decode()
    assert "客户" in page, "the Customers menu entry"
    assert "我的工作台" in page or "工作台" in page


def test_without_a_choice_an_english_browser_gets_english(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(org.rep)
    response = client.get("/customers/accounts/")
    assert _html_lang(response) == "en"
    assert "Customers" in response.content.decode()


def test_choosing_a_language_in_the_profile_applies_at_once(client_for, org):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.rep)
    form = client.get("/profile/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post("/profile/", {**data, "language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    org.rep.refresh_from_db()
    assert (org.rep.language, org.rep.time_zone) == ("en", "Europe/Berlin")
    assert _html_lang(client.get("/workspace/")) == "en"
    # back to following the browser
    client.post("/profile/", {**data, "language": "", "time_zone": ""})
    assert _html_lang(client.get("/workspace/")) == "zh-hans"


def test_profile_refuses_an_unknown_time_zone(client_for, org):
    client = client_for(org.rep)
    response = client.post("/profile/", {"display_name": "王小明", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and list(response.context["form"].errors) == ["time_zone"]
    org.rep.refresh_from_db()
    assert org.rep.time_zone == ""


def test_times_are_shown_in_the_user_time_zone(client_for, org):
    import datetime

    from django.utils import timezone

    from guanxi.customers import services

    started = datetime.datetime(2025, 3, 1, 2, 30, tzinfo=datetime.UTC)
    interaction = services.interaction_create(acting_user=org.rep, account=org.rep_account, channel="phone", started_at=started)
    client = client_for(org.rep)
    assert "2025-03-01 10:30" in client.get(f"/customers/interactions/{interaction.pk}/").content.decode(), "Asia/Shanghai"
    core_services.user_update(user=org.rep, acting_user=org.rep, data={"time_zone": "Europe/London"})
    assert "2025-03-01 02:30" in client.get(f"/customers/interactions/{interaction.pk}/").content.decode()
    assert timezone.get_current_timezone_name() != "Europe/London", "the request's zone does not leak out of it"
