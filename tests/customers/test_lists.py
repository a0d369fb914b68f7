"""List pages: search by pinyin, initials and phone fragments, bulk edit, saved filters, sorting."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from guanxi.core.models import AuditEntry, SavedFilter
from guanxi.customers import services
from guanxi.customers.filters import AccountFilterSet, ContactFilterSet
from guanxi.customers.models import Account, Contact

from .pages import row_pks, text


def _filter(filterset_class, model, user, query: str) -> set[int]:
    filterset = filterset_class(QueryDict(query), queryset=model.objects.visible_to(user))
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.mark.parametrize("query", ["zhangsan", "zs", "张三", "1381234", "+86 138-1234", "ＺＨＡＮＧＳＡＮ", "5678"])
def test_account_search_by_characters_pinyin_initials_and_phone_fragments(org, query):
    from urllib.parse import urlencode

    found = _filter(AccountFilterSet, Account, org.admin, urlencode({"q": query}))
    assert org.rep_account.pk in found
    assert org.other_account.pk not in found or query == "5678", "北方重工's number is 010-6234 5678"


@pytest.mark.parametrize("query", ["zhangsan", "zs", "张三"])
def test_contact_search_by_pinyin(org, query):
    from urllib.parse import urlencode

    found = _filter(ContactFilterSet, Contact, org.admin, urlencode({"q": query}))
    assert org.rep_contact.pk in found and org.other_contact.pk not in found


def test_search_finds_by_email_and_landline(org):
    services.email_add(party=org.other_account, acting_user=org.other, email="buy@beifang.example.com")
    assert _filter(AccountFilterSet, Account, org.admin, "q=beifang") == {org.other_account.pk}
    assert _filter(AccountFilterSet, Account, org.admin, "q=62345678") == {org.other_account.pk}
    assert _filter(AccountFilterSet, Account, org.admin, "q=beifangzhonggong") == {org.other_account.pk}
    assert _filter(AccountFilterSet, Account, org.admin, "q=nothing-like-this") == set()


def test_renaming_updates_the_search_keys(org):
    services.account_update(account=org.other_account, acting_user=org.other, name="南方轻工")
    assert _filter(AccountFilterSet, Account, org.admin, "q=nanfang") == {org.other_account.pk}
    assert _filter(AccountFilterSet, Account, org.admin, "q=beifang") == set()


def test_list_page_search_and_filters(client_for, org):
    client = client_for(org.admin)
    assert row_pks(client.get("/customers/accounts/", {"q": "zs"})) == {org.rep_account.pk}
    assert row_pks(client.get("/customers/accounts/", {"q": "+86 138-1234"})) == {org.rep_account.pk}
    assert row_pks(client.get("/customers/accounts/", {"territory": org.shanghai.pk})) == {org.rep_account.pk}
    assert row_pks(client.get("/customers/accounts/", {"owner": org.other.pk})) == {org.other_account.pk}
    assert row_pks(client.get("/customers/accounts/", {"industry": "technology"})) == {org.rep_account.pk}
    assert row_pks(client.get("/customers/contacts/", {"q": "zhangsan"})) == {org.rep_contact.pk}
    assert row_pks(client.get("/customers/contacts/", {"account": org.other_account.pk})) == {org.other_contact.pk}


def test_invalid_filter_shows_no_rows_and_says_why(client_for, org):
    response = client_for(org.admin).get("/customers/accounts/", {"owner": "999999"})
    assert response.status_code == 200
    assert row_pks(response) == set()
    assert response.context["filterset"].errors


def test_htmx_list_request_gets_only_the_table(client_for, org):
    response = client_for(org.admin).get("/customers/accounts/", {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in text(response) and 'id="object-list"' in text(response)
    assert row_pks(response) == {org.rep_account.pk}


def test_sorting_by_name_uses_pinyin(client_for, org):
    services.account_create(acting_user=org.admin, name="阿里测试公司")
    response = client_for(org.admin).get("/customers/accounts/", {"sort": "name"})
    names = [a.name for a in response.context["table"].objects]
    assert names == sorted(names, key=lambda n: Account.objects.get(name=n).name_pinyin)
    assert names[0] == "阿里测试公司"
    assert client_for(org.admin).get("/customers/accounts/", {"sort": "no_such_column"}).status_code == 200


def test_pagination_caps_the_page_and_offers_the_next(client_for, org):
    for n in range(27):
        services.account_create(acting_user=org.rep, name=f"分页公司{n:02d}")
    client = client_for(org.rep)
    first = client.get("/customers/accounts/", {"per_page": 25})
    assert len(first.context["table"].objects) == 25 and first.context["page"].has_next
    counted = client.get("/customers/accounts/", {"per_page": 25, "_count": "1"}, HTTP_HX_REQUEST="true")
    assert counted.context["page"].count == 28 and "1–25" in counted.content.decode()
    second = client.get("/customers/accounts/", {"per_page": 25, "page": 2})
    assert len(second.context["table"].objects) == 3 and not second.context["page"].has_next
    assert row_pks(first).isdisjoint(row_pks(second))
    assert client.get("/customers/accounts/", {"page": "x", "per_page": "y"}).status_code == 200


# --- bulk edit ----------------------------------------------------------------------------------

@pytest.fixture
def rep_accounts(org):
    return [org.rep_account] + [services.account_create(acting_user=org.rep, name=f"批量公司{n}") for n in range(3)]


def _bulk(client, **data):
    return client.post("/customers/accounts/bulk-edit/", {"_apply": "1", **data})


def _updates(accounts):
    return AuditEntry.objects.filter(content_type__model="account", action="update",
                                     object_id__in=[str(a.pk) for a in accounts])


def test_bulk_edit_form_counts_the_selection(client_for, org, rep_accounts):
    response = client_for(org.manager).post("/customers/accounts/bulk-edit/", {"pk": [a.pk for a in rep_accounts] + [org.other_account.pk]})
    assert response.status_code == 200
    assert response.context["count"] == 4, "the invisible account is not counted"


def test_bulk_owner_change_touches_only_visible_rows_with_one_audit_row_each(client_for, org, rep_accounts):
    client = client_for(org.manager)
    pks = [a.pk for a in rep_accounts] + [org.other_account.pk]
    response = _bulk(client, pk=pks, owner=org.manager.pk)
    assert response.status_code == 302
    assert set(Account.objects.filter(owner=org.manager).values_list("pk", flat=True)) == {a.pk for a in rep_accounts}
    assert Account.objects.get(pk=org.other_account.pk).owner == org.other
    entries = _updates(rep_accounts)
    assert entries.count() == 4
    assert all(e.changes["owner"] == [org.rep.pk, org.manager.pk] and e.actor == org.manager and e.source == "web" for e in entries)
    assert not _updates([org.other_account]).exists()


def test_bulk_edit_skips_rows_already_as_asked(client_for, org, rep_accounts):
    tag = services.tag_create(acting_user=org.admin, name="重点")
    services.account_update(account=rep_accounts[0], acting_user=org.rep, tags=[tag])
    before = _updates(rep_accounts).count()
    response = _bulk(client_for(org.manager), pk=[a.pk for a in rep_accounts], add_tags=[tag.pk])
    assert response.status_code == 302
    assert _updates(rep_accounts).count() == before + 3
    assert all(list(a.tags.all()) == [tag] for a in rep_accounts)
    response = _bulk(client_for(org.manager), pk=[a.pk for a in rep_accounts[:2]], remove_tags=[tag.pk])
    assert [list(a.tags.all()) for a in rep_accounts] == [[], [], [tag], [tag]]


def test_bulk_territory_assignment_locks_it(client_for, org, rep_accounts):
    response = _bulk(client_for(org.manager), pk=[rep_accounts[1].pk], territory=org.region.pk)
    assert response.status_code == 302
    account = Account.objects.get(pk=rep_accounts[1].pk)
    assert account.territory == org.region and account.territory_locked
    entry = _updates([account]).get()
    assert entry.changes == {"territory": [None, org.region.pk], "territory_locked": [False, True]}


def test_bulk_edit_all_matching_applies_the_list_filter_within_visibility(client_for, org, rep_accounts):
    services.account_create(acting_user=org.other, name="批量公司华北")
    client = client_for(org.manager)
    response = _bulk(client, all_matching="1", query="q=piliang", owner=org.manager.pk)
    assert response.status_code == 302
    assert response["Location"] == "/customers/accounts/?q=piliang"
    changed = set(Account.objects.filter(owner=org.manager).values_list("name", flat=True))
    assert changed == {"批量公司0", "批量公司1", "批量公司2"}
    assert Account.objects.get(name="批量公司华北").owner == org.other, "outside the manager's scope"
    assert Account.objects.get(pk=org.rep_account.pk).owner == org.rep, "outside the filter"


def test_bulk_edit_without_a_change_is_refused(client_for, org, rep_accounts):
    response = _bulk(client_for(org.manager), pk=[rep_accounts[0].pk])
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not _updates(rep_accounts).exists()


def test_bulk_edit_needs_the_change_permission(client_for, org, rep_accounts):
    response = _bulk(client_for(org.analyst), pk=[rep_accounts[0].pk], owner=org.analyst.pk)
    assert response.status_code == 403
    assert Account.objects.get(pk=rep_accounts[0].pk).owner == org.rep


# --- saved filters --------------------------------------------------------------------------------

def test_saved_filter_save_apply_and_delete(client_for, org):
    services.account_update(account=org.rep_account, acting_user=org.rep, value_tier="vip")
    services.account_create(acting_user=org.rep, name="普通客户")
    client = client_for(org.rep)
    response = client.post("/filters/save/", {"list_name": "customers.account", "name": "我的VIP",
                                              "query": "value_tier=vip&page=3", "next": "/customers/accounts/"})
    assert response.status_code == 302 and response["Location"] == "/customers/accounts/"
    saved = SavedFilter.objects.get(user=org.rep, name="我的VIP")
    assert saved.query == "value_tier=vip", "the page number is not part of a filter"

    listing = client.get("/customers/accounts/")
    assert [f.name for f in listing.context["saved_filters"]] == ["我的VIP"]
    assert f'href="/customers/accounts/?{saved.query}"' in text(listing)
    assert row_pks(client.get(f"/customers/accounts/?{saved.query}")) == {org.rep_account.pk}

    # saving under the same name replaces it
    client.post("/filters/save/", {"list_name": "customers.account", "name": "我的VIP", "query": "value_tier=key"})
    assert SavedFilter.objects.get(user=org.rep, name="我的VIP").query == "value_tier=key"

    # only its owner deletes it
    assert client_for(org.other).post(f"/filters/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/filters/{saved.pk}/delete/", {"next": "/customers/accounts/"}).status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saved_filter_needs_a_name(client_for, org):
    response = client_for(org.rep).post("/filters/save/", {"list_name": "customers.account", "name": " ", "query": "q=x"}, follow=True)
    assert not SavedFilter.objects.exists()
    assert any("Name" in str(m) or "名称" in str(m) for m in response.context["messages"])


def test_shared_filters_are_offered_to_everyone_private_ones_are_not(client_for, org):
    client_for(org.manager).post("/filters/save/", {"list_name": "customers.account", "name": "团队共享", "query": "value_tier=vip", "shared": "on"})
    client_for(org.manager).post("/filters/save/", {"list_name": "customers.account", "name": "经理私用", "query": "value_tier=key"})
    names = {f.name for f in client_for(org.rep).get("/customers/accounts/").context["saved_filters"]}
    assert names == {"团队共享"}
    names = {f.name for f in client_for(org.rep).get("/customers/contacts/").context["saved_filters"]}
    assert names == set(), "a filter belongs to its list"


def test_a_shared_filter_does_not_widen_visibility(client_for, org):
    client_for(org.other).post("/filters/save/", {"list_name": "customers.account", "name": "北方", "query": "q=beifang", "shared": "on"})
    assert row_pks(client_for(org.rep).get("/customers/accounts/?q=beifang")) == set()


def test_a_percent_sign_or_underscore_in_the_search_is_literal(org):
    """SQLite's trigram index treats them as wildcards; the exact test after it must not."""
    services.email_add(party=org.rep_account, acting_user=org.rep, email="a_b.sales@zhangsan.example.com")
    services.email_add(party=org.other_account, acting_user=org.other, email="axb.sales@beifang.example.com")
    assert _filter(AccountFilterSet, Account, org.admin, "q=a_b.sales") == {org.rep_account.pk}
    assert _filter(AccountFilterSet, Account, org.admin, "q=a%25b.sales") == set()
    assert _filter(AccountFilterSet, Account, org.admin, "q=b.sales") == {org.rep_account.pk, org.other_account.pk}


def test_ranked_search_takes_name_starts_first_and_substrings_only_when_they_are_few(org, django_assert_num_queries):
    from guanxi.customers.selectors import contact_search

    starts = [services.contact_create(acting_user=org.rep, account=org.rep_account, name=f"张伟{n}") for n in range(3)]
    inside = services.contact_create(acting_user=org.rep, account=org.rep_account, name="欧阳张伟")
    homophone = services.contact_create(acting_user=org.rep, account=org.rep_account, name="章伟")
    # fewer starts than asked for: the substring match comes too, ranked after them; the homophone never
    assert contact_search(user=org.rep, query="张伟", limit=5) == [*starts, inside]
    # in pinyin the homophone is a start too (and the shortest); the substring still comes last
    assert contact_search(user=org.rep, query="zhangwei", limit=5) == [homophone, *starts, inside]
    # enough starts to fill the page: a query for the keys of each way the rep sees contacts (owned, through the
    # rep's accounts), one for the rows; the trigram index is not asked
    with django_assert_num_queries(3):
        assert contact_search(user=org.rep, query="张伟", limit=3) == starts
    assert contact_search(user=org.other, query="张伟", limit=3) == []  # visibility as before
