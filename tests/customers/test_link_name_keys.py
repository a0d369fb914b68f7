"""Searching by the start of a name as each way of visibility allows. A contact's links carry copies of its name keys (pinyin, initials), so that a search by the start of a
name finds the contacts a user sees through their accounts from one index range per owner or territory.
Every way a contact's name or links change keeps the copies in step, and the search finds exactly what
the plain visibility rule finds."""

from __future__ import annotations

import pytest

from guanxi.customers import services
from guanxi.customers.models import Account, AccountContact, Contact
from guanxi.customers.selectors import account_keys_by_name_start, contact_keys_by_name_start, contact_search
from guanxi.framework.search import prefix


def copies(contact) -> set[tuple[str, str]]:
    return set(AccountContact.objects.filter(contact=contact).values_list("contact_pinyin", "contact_initials"))



def test_new_links_take_the_contact_name_keys(org, shared):
    assert copies(shared) == {("zhouwei", "zw")}
    assert copies(org.rep_contact) == {("zhangsan", "zs")}


def test_renaming_a_contact_renames_its_links(org, shared):
    services.contact_update(contact=shared, acting_user=org.other, name="王芳")
    assert copies(shared) == {("wangfang", "wf")}
    assert AccountContact.objects.filter(contact=shared).count() == 2


def test_party_refresh_repairs_copies_written_by_other_means(org, shared):
    AccountContact.objects.filter(contact=shared).update(contact_pinyin="", contact_initials="")
    services.party_refresh(party=shared)
    assert copies(shared) == {("zhouwei", "zw")}
    assert services.contact_links_sync(contact=shared) == 0


def test_the_copies_stay_out_of_the_history(org, shared):
    from guanxi.core.models import AuditEntry

    link = AccountContact.objects.get(account=org.rep_account, contact=shared)
    entry = AuditEntry.objects.filter(object_id=str(link.pk), content_type__model="accountcontact").latest("pk")
    assert "contact_pinyin" not in entry.changes and "contact_initials" not in entry.changes


def test_a_merge_and_its_undo_keep_the_copies_of_each_contact(org, shared):
    from guanxi.quality import services as quality

    twin = services.contact_create(acting_user=org.rep, account=org.rep_account, name="王伟")
    merge = quality.merge_records(acting_user=org.admin, party="contact", survivor=shared, merged=twin, overrides={"name": "survivor"})
    shared.refresh_from_db()
    assert shared.name == "周伟"
    assert copies(shared) == {("zhouwei", "zw")}  # the merged one's link moved over and took the survivor's keys
    quality.merge_undo(merge=merge, acting_user=org.admin)
    assert copies(Contact.objects.get(pk=twin.pk)) == {("wangwei", "ww")}
    assert copies(shared) == {("zhouwei", "zw")}


USERS = ["rep", "manager", "director", "watcher", "other", "analyst", "admin"]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize(("field", "value"), [
    ("name_initials", "zw"), ("name_initials", "z"), ("name_initials", "ls"), ("name_pinyin", "zh"), ("name_pinyin", "zhouwei"),
    ("name_pinyin", "li"), ("name_pinyin", "w"),
])
def test_the_search_by_name_start_finds_what_visibility_allows(org, shared, username, field, value):
    """Contacts reached every way: owned, through an owned account, through a territory's account, and not at all."""
    services.contact_create(acting_user=org.other, account=org.other_account, name="张伟")  # the other rep's alone
    services.contact_create(acting_user=org.rep, name="赵文")  # the rep's, no account
    services.contact_create(acting_user=org.other, account=org.rep_account, name="李伟")  # owned by other, at the rep's account
    user = getattr(org, username)
    expected = set(Contact.objects.visible_to(user).filter(prefix(**{field: value})).values_list("pk", flat=True))
    for ordered in (True, False):
        found = contact_keys_by_name_start(user, field, value, ordered=ordered)
        if found is None:  # organisation-wide: the plain query is asked
            assert username in ("analyst", "admin")
            continue
        assert len(found) == len(set(found)), "each contact once"
        assert set(found) == expected
        if ordered:
            pinyin = dict(Contact.objects.filter(pk__in=found).values_list("pk", field))
            assert [pinyin[pk] for pk in found] == sorted(pinyin[pk] for pk in found)


def test_a_contact_seen_only_through_a_territory_is_found_by_its_initials(org, shared):
    # the watcher sees the rep's Shanghai account through the East territory, and so its contacts
    assert [c.pk for c in contact_search(user=org.watcher, query="zw")] == [shared.pk]
    assert contact_search(user=org.watcher, query="ls") == []  # 李四 is only at the other rep's account
    services.contact_update(contact=shared, acting_user=org.other, name="李松")
    assert [c.pk for c in contact_search(user=org.watcher, query="ls")] == [shared.pk]
    assert contact_search(user=org.watcher, query="zw") == []


def test_the_search_by_initials_asks_one_range_per_way(org, shared, django_assert_num_queries):
    # the rep: contacts owned (one range), contacts at the rep's accounts (one range), for the pinyin and the
    # initials, then the rows; no territory (the user's scope is read once per request, before)
    from guanxi.framework.visibility import scope_for

    scope_for(org.rep)
    with django_assert_num_queries(5):
        assert [c.pk for c in contact_search(user=org.rep, query="zw")] == [shared.pk]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize(("field", "value"), [("name_pinyin", "zh"), ("name_initials", "zs"), ("name_pinyin", "b"), ("name_initials", "n")])
def test_accounts_by_name_start_are_what_visibility_allows(org, username, field, value):
    """Owned, managed, through a territory, and not at all: the same accounts as ``visible_to``, in pinyin order."""
    services.account_create(acting_user=org.other, name="张家港北方物流")  # the other rep's, no territory
    services.account_create(acting_user=org.rep, name="南方制造")
    user = getattr(org, username)
    expected = set(Account.objects.visible_to(user).filter(prefix(**{field: value})).values_list("pk", flat=True))
    for ordered in (True, False):
        found = account_keys_by_name_start(user, field, value, ordered=ordered)
        if found is None:
            assert username in ("analyst", "admin")
            continue
        assert set(found) == expected and len(found) == len(expected)
        if ordered:
            keys = dict(Account.objects.filter(pk__in=found).values_list("pk", field))
            assert [keys[pk] for pk in found] == sorted(keys[pk] for pk in found)


@pytest.mark.parametrize("username", USERS)
def test_hanzi_starts_are_checked_on_the_contacts_found(org, shared, username):
    """"周伟" is asked as pinyin "zhouwei" with the characters checked on each contact: the homophone 周威 is not found."""
    homophone = services.contact_create(acting_user=org.rep, account=org.rep_account, name="周威")
    user = getattr(org, username)
    also = {"search_text__contains": "周伟"}
    expected = set(Contact.objects.visible_to(user).filter(prefix(name_pinyin="zhouwei"), **also).values_list("pk", flat=True))
    found = contact_keys_by_name_start(user, "name_pinyin", "zhouwei", also, ordered=True)
    if found is None:
        assert username in ("analyst", "admin")
        return
    assert set(found) == expected and homophone.pk not in found
    assert shared.pk in found  # every user left sees 周伟: the other rep owns it, the rest see it through the rep's account
