"""Duplicate prevention: match keys kept in step with writes, the check's rules, visibility, API and form panel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.customers import services as customers
from guanxi.quality.matching import rebuild_all
from guanxi.quality.models import MatchKey
from guanxi.quality.selectors import likely_duplicates

pytestmark = pytest.mark.django_db


def _names(found):
    return [d.record.name for d in found]


def test_keys_follow_writes(org):
    account = customers.account_create(acting_user=org.rep, name="星辰数据有限公司")
    assert set(MatchKey.objects.filter(party="account", object_id=account.pk).values_list("kind", flat=True)) == {"name", "pinyin", "company"}
    phone = customers.phone_add(party=account, acting_user=org.rep, number="021-6234 5000")
    assert MatchKey.objects.filter(party="account", object_id=account.pk, kind="phone", value="+862162345000").exists()
    customers.phone_update(phone=phone, acting_user=org.rep, number="021-6234 5001")
    assert list(MatchKey.objects.filter(object_id=account.pk, party="account", kind="phone").values_list("value", flat=True)) == ["+862162345001"]
    customers.account_update(account=account, acting_user=org.rep, name="星辰云有限公司")
    assert MatchKey.objects.get(party="account", object_id=account.pk, kind="company").value == "星辰云"
    customers.child_delete(record=phone, acting_user=org.rep)
    assert not MatchKey.objects.filter(party="account", object_id=account.pk, kind="phone").exists()
    customers.account_delete(account=account, acting_user=org.rep)
    assert not MatchKey.objects.filter(party="account", object_id=account.pk).exists()


def test_rules(org):
    # org.rep_account: 张三科技有限公司, phone 138 1234 5678
    assert _names(likely_duplicates(user=org.rep, name="张三科技")) == ["张三科技有限公司"]  # same company without legal form
    assert _names(likely_duplicates(user=org.rep, name="张三科技股份有限公司")) == ["张三科技有限公司"]
    found = likely_duplicates(user=org.rep, name="别的名字", phones=["+86 138-1234-5678"])
    assert _names(found) == ["张三科技有限公司"] and found[0].score == 100
    assert "same phone" in found[0].reasons[0] or "电话" in found[0].reasons[0]
    assert _names(likely_duplicates(user=org.rep, name="张三")) == ["张三科技有限公司"]  # a name starting the same way
    assert likely_duplicates(user=org.rep, name="完全不同") == []
    assert likely_duplicates(user=org.rep, name="张三科技", exclude_id=org.rep_account.pk) == []  # editing itself
    # contacts: homophones by pinyin, e-mail case-insensitive
    customers.email_add(party=org.rep_contact, acting_user=org.rep, email="Zhang.San@Example.com")
    assert _names(likely_duplicates(user=org.rep, party="contact", name="章三")) == ["张三"]
    assert _names(likely_duplicates(user=org.rep, party="contact", name="", emails=["zhang.san@EXAMPLE.com"])) == ["张三"]


def test_only_visible_records_are_shown(org):
    assert _names(likely_duplicates(user=org.other, name="张三科技", phones=["13812345678"])) == []
    assert _names(likely_duplicates(user=org.manager, name="张三科技")) == ["张三科技有限公司"]
    assert _names(likely_duplicates(user=org.rep, name="北方重工")) == []  # other's account
    assert _names(likely_duplicates(user=org.admin, name="北方重工")) == ["北方重工股份有限公司"]


def test_the_check_is_a_few_queries(org):
    for i in range(20):
        customers.account_create(acting_user=org.rep, name=f"张三科技{i}分公司")
    with CaptureQueriesContext(connection) as queries:
        found = likely_duplicates(user=org.rep, name="张三科技", phones=["13812345678"], emails=["a@b.cn"])
    assert len(found) == 10
    # match keys (exact and prefix: one UNION on PostgreSQL, two on SQLite), scope (small, cached per request),
    # (id, name) of the visible candidates, the shown records with their owners: a fixed number however many match
    assert len(queries) <= 8


def test_rebuild_all(org):
    MatchKey.objects.all().delete()
    assert rebuild_all() >= 4
    assert _names(likely_duplicates(user=org.rep, name="张三科技")) == ["张三科技有限公司"]


def _api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_api_check(org):
    response = _api(org.rep).post("/api/duplicates/check/", {"party": "account", "name": "张三科技", "phones": ["13812345678"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"][0]["id"] == org.rep_account.pk and body["results"][0]["score"] == 100
    assert body["results"][0]["url"].endswith(f"/accounts/{org.rep_account.pk}/")
    assert _api(org.other).post("/api/duplicates/check/", {"party": "account", "name": "张三科技"}, format="json").json()["results"] == []
    bad = _api(org.rep).post("/api/duplicates/check/", {"party": "lead", "name": "x"}, format="json")
    assert bad.status_code == 400 and "party" in bad.json()["error"]["fields"]


def test_form_panel(org, client_for):
    client = client_for(org.rep)
    response = client.get("/quality/duplicates/", {"party": "account", "name": "张三科技"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"/customers/accounts/{org.rep_account.pk}/" in response.content.decode()
    page = client.get("/customers/accounts/add/").content.decode()
    assert 'id="duplicate-panel"' in page and "/quality/duplicates/" in page
    page = client.get("/customers/contacts/add/").content.decode()
    assert 'id="duplicate-panel"' in page
    assert client_for(org.other).get("/quality/duplicates/", {"party": "account", "name": "张三科技"}).content.decode().count("/customers/accounts/") == 0
