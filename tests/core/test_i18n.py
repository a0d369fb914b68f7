"""Both languages are complete: the zh-Hans catalogue has every string, and pages show no English."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.test import Client

import guanxi
from guanxi.customers import services as customer_services

CATALOGUES = sorted(Path(guanxi.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))

# Words that are the same in both languages, or data rather than interface text.
ALLOWED = {
    "Guanxi", "API", "CSV", "Excel", "VIP", "AAA", "BBB", "CNY", "REST", "IP", "ID", "SMS",
    "English",  # the language picker names each language in itself
    "Asia",  # time zone names (Asia/Shanghai) are identifiers
}


def test_there_is_a_project_catalogue():
    assert any(path.parts[-5:-3] == ("guanxi", "locale") for path in CATALOGUES), CATALOGUES


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.parent.parent.parent.parent.name))
def test_zh_hans_catalogue_is_complete_and_compiled(catalogue):
    po = polib.pofile(str(catalogue))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    mo = polib.mofile(str(catalogue.with_suffix(".mo")))
    assert {e.msgid for e in po if not e.obsolete} <= {e.msgid for e in mo}, "django.mo is older than django.po"


def english_words(html: str, data_words: set[str]) -> set[str]:
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    words = set(re.findall(r"[A-Za-z][A-Za-z'\-]{2,}", text))
    return {w for w in words if w not in ALLOWED and w.lower() not in data_words}


@pytest.fixture
def chinese_client(org):
    customer_services.interaction_create(
        acting_user=org.rep, account=org.rep_account, contact=org.rep_contact, channel="phone", direction="inbound",
        started_at="2026-11-20T10:00:00+08:00", reason="咨询报价", outcome="follow_up", satisfaction=4,
    )
    customer_services.account_update(account=org.rep_account, acting_user=org.rep, value_tier="vip", lifecycle_stage="formation")
    customer_services.email_add(party=org.rep_account, acting_user=org.rep, email="info@zhangsan.cn")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.admin)
    return client


def test_pages_in_chinese_show_no_untranslated_text(org, chinese_client):
    account, contact = org.rep_account, org.rep_contact
    interaction = account.interactions.first()
    # User names, e-mail parts and pinyin are data, not interface text.
    data_words = {u.username for u in (org.admin, org.director, org.manager, org.rep, org.other, org.watcher, org.analyst)}
    data_words |= {"info", "zhangsan", "cn", "admin", "east", "shanghai"}  # e-mail, territory codes
    pages = [
        "/workspace/", "/customers/accounts/", f"/customers/accounts/{account.pk}/",
        f"/customers/accounts/{account.pk}/?tab=details", "/customers/accounts/add/", f"/customers/accounts/{account.pk}/edit/",
        "/customers/contacts/", f"/customers/contacts/{contact.pk}/", "/customers/interactions/",
        f"/customers/interactions/{interaction.pk}/", f"/history/customers/account/{account.pk}/", "/customers/search/?q=zs",
        "/settings/", "/settings/users/", "/settings/teams/", "/settings/roles/", "/settings/territories/", "/help/",
        "/notifications/", "/activity/", "/customers/tags/", "/profile/", "/password/", "/customers/accounts/realign/",
    ]
    for url in pages:
        response = chinese_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html, url
        assert english_words(html, data_words) == set(), url


def test_login_page_in_chinese(db):
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get("/login/").content.decode()
    assert "登录" in html and "用户名" in html and "取消" in html
    assert english_words(html, set()) == set()


def test_english_user_sees_english(org):
    from guanxi.core import services as core_services

    core_services.user_update(user=org.rep, acting_user=org.rep, data={"language": "en"})
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.post("/login/", {"username": "rep", "password": "correct-horse-battery-42"})
    html = client.get("/workspace/").content.decode()
    assert '<html lang="en">' in html and "My workspace" in html
