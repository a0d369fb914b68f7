"""Lists: the UI's filtersets and search, indexed ordering, capped pagination, constant query
counts, and an OpenAPI schema that generates."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.customers import services as customers


@pytest.mark.parametrize("query", ["张三", "zhangsan", "ZhangSan", "zskj", "13800138", "0013 8000", "张三科技"])
def test_account_search_by_characters_pinyin_initials_and_phone(api, org, world, ids, query):
    assert ids(api(org.rep_a).get("/api/accounts/", {"q": query})) == [world.acct_a.pk]


def test_contact_search_by_pinyin_and_email(api, org, world, ids):
    client = api(org.rep_a)
    assert ids(client.get("/api/contacts/", {"q": "lisi"})) == [world.contact_a.pk]
    assert ids(client.get("/api/contacts/", {"q": "lisi@example"})) == [world.contact_a.pk]


def test_filters_are_the_list_pages_filters(api, org, world, ids):
    client = api(org.admin)
    assert ids(client.get("/api/accounts/", {"province": "上海"})) == [world.acct_t.pk]
    assert set(ids(client.get("/api/accounts/", {"owner": org.rep_b.pk}))) == {world.acct_b.pk, world.acct_t.pk}
    assert ids(client.get("/api/accounts/", {"territory": org.shanghai.pk})) == [world.acct_t.pk]
    assert ids(client.get("/api/contacts/", {"account": world.acct_a.pk})) == [world.contact_a.pk]
    assert ids(client.get("/api/interactions/", {"channel": "phone", "account": world.acct_a.pk})) == [world.interaction_a.pk]
    assert ids(client.get("/api/phone-numbers/", {"account": world.acct_t.pk})) == [world.phone_t.pk]
    response = client.get("/api/accounts/", {"value_tier": "platinum"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["value_tier"]


def test_ordering_only_by_indexed_fields(api, org, world, ids):
    client = api(org.admin)
    by_name = ids(client.get("/api/accounts/", {"ordering": "name"}))
    assert by_name == [world.acct_t.pk, world.acct_b.pk, world.acct_a.pk]  # shanghai, wangwu, zhangsan
    assert ids(client.get("/api/accounts/", {"ordering": "-name"})) == by_name[::-1]
    response = client.get("/api/accounts/", {"ordering": "description"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["ordering"]


def test_pagination_reports_counts_and_links(api, org, world):
    body = api(org.admin).get("/api/accounts/", {"page_size": 2}).json()
    assert body["count"] is None and body["count_is_capped"] is False  # counted only when asked
    counted = api(org.admin).get("/api/accounts/", {"page_size": 2, "count": "true"}).json()
    assert counted["count"] == 3 and counted["count_is_capped"] is False and counted["results"] == body["results"]
    assert api(org.admin).get("/api/accounts/", {"page_size": 5}).json()["count"] == 3  # one page: counted for free
    assert api(org.admin).get("/api/accounts/", {"page_size": 2, "count": "maybe"}).status_code == 400
    assert len(body["results"]) == 2 and "page=2" in body["next"] and "page_size=2" in body["next"]
    assert body["previous"] is None
    second = api(org.admin).get(body["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]
    response = api(org.admin).get("/api/accounts/", {"page": "x"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["page"]


def _many_accounts(org, count):
    tag = customers.tag_create(acting_user=org.admin, name=f"批次{count}")
    for n in range(count):
        account = customers.account_create(acting_user=org.rep_a, name=f"客户{n}号", province="上海", tags=[tag])
        contact = customers.contact_create(acting_user=org.rep_a, account=account, name=f"联系人{n}", tags=[tag])
        customers.phone_add(party=contact, acting_user=org.rep_a, number=f"1380000{n:04d}")


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("url", ["/api/accounts/?page_size=100", "/api/contacts/?page_size=100", "/api/interactions/"])
def test_list_queries_do_not_grow_with_rows(api, org, world, url):
    client = api(org.manager)  # a scoped user: the visibility filter is in the query
    client.get(url)  # the first request fills the access cache (scope, permissions); both counts below use it
    few, few_rows = _queries(client, url)
    _many_accounts(org, 25)
    many, many_rows = _queries(client, url)
    assert many_rows > few_rows or "interactions" in url
    assert many == few


def test_account_list_query_count(api, org, world, django_assert_max_num_queries):
    _many_accounts(org, 30)
    client = api(org.manager)
    # token, permissions (2), scope (role, managed teams, team tree, members, territories), the page, tags
    with django_assert_max_num_queries(12):
        response = client.get("/api/accounts/?page_size=100&q=kehu")
    assert len(response.json()["results"]) == 30


def test_contact_list_query_count(api, org, world, django_assert_max_num_queries):
    _many_accounts(org, 30)
    client = api(org.manager)
    with django_assert_max_num_queries(12):
        response = client.get("/api/contacts/?page_size=100")
    assert len(response.json()["results"]) == 31
    assert all(row["primary_account"] for row in response.json()["results"])


def test_schema_and_swagger_ui(api, org, client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/accounts/" in paths and "/api/accounts/{id}/" in paths
    assert {"get", "post"} <= set(paths["/api/accounts/"])
    assert "/api/audit/" in paths and "/api/documents/{id}/download/" in paths
    assert client.get("/api/docs/").status_code == 200
