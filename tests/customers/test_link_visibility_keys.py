"""A contact is visible through any of its accounts: the links carry copies of each account's owner
and territory, and every service that changes an account's owner or territory keeps them in step."""

from __future__ import annotations


from guanxi.customers import services
from guanxi.customers.models import AccountContact, Contact


def visible(user, contact) -> bool:
    return Contact.objects.visible_to(user).filter(pk=contact.pk).exists()



def test_a_new_link_takes_the_account_keys(org, shared):
    link = AccountContact.objects.get(account=org.rep_account, contact=shared)
    assert (link.account_owner_id, link.account_territory_id) == (org.rep.pk, org.rep_account.territory_id)
    assert org.rep_account.territory_id == org.shanghai.pk
    assert visible(org.rep, shared) and visible(org.manager, shared) and visible(org.watcher, shared)


def test_changing_the_account_owner_moves_the_contact_with_it(org, shared):
    services.account_update(account=org.rep_account, acting_user=org.admin, owner=org.other, territory=None, territory_locked=True)
    link = AccountContact.objects.get(account=org.rep_account, contact=shared)
    assert (link.account_owner_id, link.account_territory_id) == (org.other.pk, None)
    assert not visible(org.rep, shared)  # neither its account nor the contact is the rep's any more
    assert not visible(org.watcher, shared)  # the account left the watcher's territory
    assert visible(org.other, shared)


def test_a_move_of_place_moves_the_territory_key(org, shared):
    from guanxi.core import services as core_services

    beijing = core_services.territory_create(acting_user=org.admin, name="北京", code="beijing", level="province", provinces=["北京市"])
    services.account_update(account=org.rep_account, acting_user=org.rep, province="北京市", city="北京市")
    link = AccountContact.objects.get(account=org.rep_account, contact=shared)
    assert link.account_territory_id == beijing.pk
    assert not visible(org.watcher, shared) and visible(org.rep, shared)


def test_bulk_reassignment_keeps_the_keys_in_step(org, shared):
    services.accounts_bulk_update(accounts=[org.rep_account], acting_user=org.admin, owner=org.other, territory=org.region)
    assert set(AccountContact.objects.filter(account=org.rep_account).values_list("account_owner_id", "account_territory_id")) == {
        (org.other.pk, org.region.pk)
    }
    assert not visible(org.rep, shared) and visible(org.watcher, shared)


def test_account_links_sync_repairs_keys_written_by_other_means(org, shared):
    AccountContact.objects.filter(account=org.rep_account).update(account_owner=None, account_territory=None)
    assert not visible(org.rep, shared)
    assert services.account_links_sync(account=org.rep_account) == 2
    assert visible(org.rep, shared)
    assert services.account_links_sync(account=org.rep_account) == 0


def test_link_keys_stay_out_of_the_history(org, shared):
    link = AccountContact.objects.get(account=org.rep_account, contact=shared)
    from guanxi.core.models import AuditEntry

    entry = AuditEntry.objects.filter(object_id=str(link.pk), content_type__model="accountcontact").latest("pk")
    assert "account_owner" not in entry.changes and "account_territory" not in entry.changes
