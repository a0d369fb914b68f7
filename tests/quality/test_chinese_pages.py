"""The data-quality pages in Chinese show no English interface text."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.core.test_i18n import english_words

from .conftest import upload

pytestmark = pytest.mark.django_db


def test_import_pages_in_chinese(org, import_file):
    done = import_file(org.admin, [["姓名", "手机"], ["中文页", "13966667777"], ["坏", "1"]], name="lianxiren.csv")
    waiting = upload(org.admin, [["姓名", "手机"], ["中文页", "13966667777"]], name="lianxiren.csv")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.admin)
    # file names, encodings, user names (owners in the lists), and the command named on the dashboard (guanxi quality_snapshot)
    data_words = {"lianxiren", "csv", "utf-8", "utf", "utf-", "admin", "other", "gbk", "xlsx", "guanxi", "quality", "snapshot"}
    for url in ("/quality/imports/", "/quality/imports/new/", f"/quality/imports/{done.pk}/", f"/quality/imports/{waiting.pk}/map/",
                "/quality/imports/mappings/", "/quality/review/?party=account", "/quality/review/?party=contact", "/quality/",
                "/quality/issues/invalid_phones/", "/quality/issues/accounts_without_city/", "/quality/issues/contacts_unreachable/",
                f"/quality/merge/account/pick/?ids={org.rep_account.pk}"):
        response = client.get(url)
        assert response.status_code == 200, url
        # the menu holds other apps' entries; this test answers for this app's pages
        main = re.sub(r"<nav.*?</nav>", " ", response.content.decode(), count=1, flags=re.S)
        assert english_words(main, data_words) == set(), url


def test_merge_pages_in_chinese(org):
    from guanxi.customers import services as customers
    from guanxi.quality import services

    dup = customers.account_create(acting_user=org.admin, name="张三科技", website="https://zs.cn", description="重复")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.admin)
    third = customers.account_create(acting_user=org.admin, name="张三科技（北京）")
    three = client.get(f"/quality/merge/account/?ids={org.rep_account.pk}&ids={dup.pk}&ids={third.pk}")
    assert three.status_code == 200
    assert english_words(re.sub(r"<nav.*?</nav>", " ", three.content.decode(), count=1, flags=re.S), {"admin", "https"}) == set()
    screen = client.get(f"/quality/merge/account/?a={org.rep_account.pk}&b={dup.pk}")
    merge = services.merge_records(acting_user=org.admin, party="account", survivor=org.rep_account, merged=dup)
    for url, response in (("merge", screen), ("list", client.get("/quality/merges/")), ("detail", client.get(f"/quality/merges/{merge.pk}/"))):
        assert response.status_code == 200, url
        main = re.sub(r"<nav.*?</nav>", " ", response.content.decode(), count=1, flags=re.S)
        assert english_words(main, {"admin", "https"}) == set(), url  # the website is data
