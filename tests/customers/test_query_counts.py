"""Pages answer in a fixed number of queries, however many rows they show (no N+1).

Each test builds a few rows, counts the queries of the page, builds ten times as many and
checks the page stays within the same count.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.customers import services

CEILING = 25  # no page needs more, whatever it shows


@pytest.fixture
def east_reps(org, make_user):
    return [org.rep] + [make_user(f"east{n}", team=org.east) for n in range(3)]


@pytest.fixture
def tags(org):
    return [services.tag_create(acting_user=org.admin, name=name) for name in ("重点", "老客户", "华东", "待跟进")]


def _count(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _add_accounts(org, reps, tags, start, stop):
    territories = itertools.cycle([org.shanghai, org.region, None])
    accounts = []
    for n in range(start, stop):
        rep = reps[n % len(reps)]
        account = services.account_create(acting_user=rep, name=f"测试客户{n:03d}", territory=next(territories),
                                          tags=tags[n % 3: n % 3 + 2], industry="retail")
        services.phone_add(party=account, acting_user=rep, number=f"1380000{n:04d}")
        contact = services.contact_create(acting_user=rep, account=account, name=f"联系人{n:03d}")
        services.interaction_create(acting_user=rep, account=account, contact=contact, channel="phone",
                                    started_at=timezone.now() - datetime.timedelta(minutes=n), reason=f"第{n}次")
        accounts.append(account)
    return accounts


# per_page=100 keeps 5 and 50 rows on one page, so both requests run the same queries.
LISTS = ["/customers/accounts/?per_page=100", "/customers/contacts/?per_page=100", "/customers/interactions/?per_page=100",
         "/customers/accounts/?per_page=100&sort=name&q=ceshi", "/customers/accounts/?export=csv",
         "/customers/contacts/?export=csv", "/customers/interactions/?export=xlsx"]


def test_lists_and_exports_do_not_grow_with_rows(client_for, org, east_reps, tags, django_assert_max_num_queries):
    client = client_for(org.manager)  # a scoped user: visibility is part of every query
    _add_accounts(org, east_reps, tags, 0, 5)
    few = {url: _count(client, url) for url in LISTS}
    assert max(few.values()) <= CEILING, few
    _add_accounts(org, east_reps, tags, 5, 50)
    for url in LISTS:
        client.get(url)
        with django_assert_max_num_queries(few[url], info=url):
            response = client.get(url)
        if "export" not in url:
            assert len(response.context["table"].objects) >= 50, url


def test_pages_leave_the_count_to_a_lazy_request(client_for, org, east_reps, tags, django_assert_max_num_queries):
    client = client_for(org.manager)
    _add_accounts(org, east_reps, tags, 0, 5)
    few = _count(client, "/customers/accounts/?per_page=25")
    _add_accounts(org, east_reps, tags, 5, 60)
    for page in (1, 2, 3):
        url = f"/customers/accounts/?per_page=25&page={page}"
        with django_assert_max_num_queries(few):  # no COUNT on the page itself
            response = client.get(url)
        assert response.context["page"].count is None
        html = response.content.decode()
        assert f'page={page}&_count=1' in html and 'hx-trigger="load"' in html
        with django_assert_max_num_queries(few):
            counted = client.get(url + "&_count=1", HTTP_HX_REQUEST="true")
        assert counted.context["page"].count == 61  # and rep's own account
        shown = {1: "1–25", 2: "26–50", 3: "51–61"}[page]
        text = counted.content.decode()
        assert shown in text and "61" in text and 'id="page-number" hx-swap-oob="true"' in text and f"{page} / 3" in text


def test_lazy_count_stops_at_the_list_cap(client_for, org, east_reps, tags, monkeypatch):
    from guanxi.framework import pagination

    monkeypatch.setattr(pagination.counted_page, "__defaults__", (40,))  # the cap, as 2,000 is at a million rows
    _add_accounts(org, east_reps, tags, 0, 60)
    counted = client_for(org.manager).get("/customers/accounts/?per_page=25&page=2&_count=1", HTTP_HX_REQUEST="true")
    page = counted.context["page"]
    assert (page.count, page.count_capped, page.has_next) == (40, True, True)
    text = counted.content.decode()
    assert "26–50" in text and "共超过 40 条" in text and "61" not in text  # the manager reads Chinese


def test_list_shows_owner_territory_and_tags_of_every_row(client_for, org, east_reps, tags):
    _add_accounts(org, east_reps, tags, 0, 6)
    page = client_for(org.manager).get("/customers/accounts/").content.decode()
    for name in ("王小明", "east0", "上海", "华东", "重点", "老客户"):
        assert name in page


def _busy_account(org, tags, interactions: int, contacts: int):
    account = services.account_create(acting_user=org.rep, name=f"大客户{interactions}", tags=tags[:2])
    services.address_add(party=account, acting_user=org.rep, province="上海市", city="上海市", street="南京西路")
    services.phone_add(party=account, acting_user=org.rep, number="13900000000")
    services.email_add(party=account, acting_user=org.rep, email="big@example.com")
    people = [services.contact_create(acting_user=org.rep, account=account, name=f"员工{n}") for n in range(contacts)]
    for person in people:
        services.phone_add(party=person, acting_user=org.rep, number=f"13711{people.index(person):06d}")
    for n in range(interactions):
        services.interaction_create(acting_user=org.rep, account=account, contact=people[n % contacts],
                                    channel=("phone", "email", "visit")[n % 3], satisfaction=1 + n % 5,
                                    started_at=timezone.now() - datetime.timedelta(hours=n), reason=f"事项{n}")
    for n in range(min(interactions, 8)):
        services.account_update(account=account, acting_user=org.rep, value_tier=("vip", "key")[n % 2])  # timeline events
        services.note_add(party=account, acting_user=org.rep, body=f"备注{n}")
        services.document_add(party=account, acting_user=org.rep, title=f"文件{n}",
                              file=SimpleUploadedFile(f"f{n}.txt", b"x", "text/plain"))
    return account


@pytest.mark.parametrize("tab", ["overview", "details"])
def test_account_360_view_does_not_grow_with_its_history(client_for, org, tags, django_assert_max_num_queries, tab):
    client = client_for(org.manager)
    small = _busy_account(org, tags, interactions=5, contacts=2)
    few = _count(client, f"/customers/accounts/{small.pk}/?tab={tab}")
    assert few <= CEILING
    big = _busy_account(org, tags, interactions=60, contacts=8)
    client.get(f"/customers/accounts/{big.pk}/?tab={tab}")
    with django_assert_max_num_queries(few):
        response = client.get(f"/customers/accounts/{big.pk}/?tab={tab}")
    if tab == "overview":
        assert len(response.context["timeline"]) == 20 and response.context["timeline_more"]
        assert response.context["figures"]["interactions"] == 60
        # "Show more" pages through the rest at the same cost per page, newest first, nothing twice.
        seen = [entry["object"] for entry in response.context["timeline"]]
        offset = 20
        while offset:
            with django_assert_max_num_queries(few):
                more = client.get(f"/customers/accounts/{big.pk}/timeline/?offset={offset}", HTTP_HX_REQUEST="true")
            assert more.status_code == 200
            seen += [entry["object"] for entry in more.context["timeline"]]
            offset = more.context["timeline_next"] if more.context["timeline_more"] else 0
        interactions = [o for o in seen if o._meta.model_name == "interaction"]
        assert len(interactions) == 60 and len(set(interactions)) == 60
        assert [i.started_at for i in interactions] == sorted((i.started_at for i in interactions), reverse=True)


def test_contact_page_and_history_do_not_grow(client_for, org, tags, django_assert_max_num_queries):
    client = client_for(org.manager)
    small = _busy_account(org, tags, interactions=5, contacts=2)
    contact = small.contact_links.first().contact
    urls = [f"/customers/contacts/{contact.pk}/", f"/history/customers/account/{small.pk}/", "/activity/", "/"]
    counts = {url: _count(client, url) for url in urls}
    big = _busy_account(org, tags, interactions=60, contacts=8)
    contact = big.contact_links.first().contact
    for url, few in counts.items():
        url = url.replace(f"/{small.pk}/", f"/{big.pk}/")
        url = url if "contacts" not in url else f"/customers/contacts/{contact.pk}/"
        client.get(url)
        with django_assert_max_num_queries(few):
            client.get(url)


def test_search_and_lookup_do_not_grow(client_for, org, east_reps, tags, django_assert_max_num_queries):
    client = client_for(org.manager)
    _add_accounts(org, east_reps, tags, 0, 3)
    counts = {url: _count(client, url) for url in ("/customers/search/?q=ceshi", "/customers/accounts/lookup/?q=ceshi")}
    _add_accounts(org, east_reps, tags, 3, 30)
    for url, few in counts.items():
        with django_assert_max_num_queries(few):
            client.get(url)
