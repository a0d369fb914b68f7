"""Scopes and permission sets are cached between requests and retired by any change that alters them."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core import services as core_services
from guanxi.core.models import User
from guanxi.customers.models import Account
from guanxi.framework.visibility import scope_for


def fresh(user):
    """The user as the next request loads it: no per-object caches."""
    return User.objects.get(pk=user.pk)


def visible_names(user):
    return set(Account.objects.visible_to(fresh(user)).values_list("name", flat=True))


def test_second_request_reads_scope_and_permissions_from_the_cache(org, client_for):
    client = client_for(org.manager)
    client.get("/customers/accounts/")
    with CaptureQueriesContext(connection) as second:
        assert client.get("/customers/accounts/").status_code == 200
    sql = " ".join(q["sql"] for q in second.captured_queries)
    assert "core_team" not in sql, "the team tree came from the cache"
    assert "auth_permission" not in sql, "the permission set came from the cache"


def test_moving_a_rep_into_a_managed_team_shows_the_manager_its_accounts_at_once(org):
    before = visible_names(org.manager)
    assert "北方重工股份有限公司" not in before
    other = fresh(org.other)
    other.team = org.east
    other.save()
    assert "北方重工股份有限公司" in visible_names(org.manager)


def test_joining_and_leaving_a_territory_is_seen_at_once(org):
    territory = org.shanghai
    assert not scope_for(fresh(org.other)).territory_ids & {territory.pk}
    territory.members.add(org.other)
    assert territory.pk in scope_for(fresh(org.other)).territory_ids
    territory.members.remove(org.other)
    assert territory.pk not in scope_for(fresh(org.other)).territory_ids


def test_an_organisation_wide_role_granted_and_taken_back(org, roles):
    assert not scope_for(fresh(org.rep)).everything
    org.rep.groups.add(roles["analyst"].group)
    assert scope_for(fresh(org.rep)).everything
    org.rep.groups.remove(roles["analyst"].group)
    assert not scope_for(fresh(org.rep)).everything


def test_a_permission_removed_from_a_role_is_refused_on_the_next_request(org, roles, client_for):
    client = client_for(org.rep)
    assert client.get("/customers/accounts/").status_code == 200
    view = Permission.objects.get(codename="view_account", content_type__app_label="customers")
    roles["sales_rep"].group.permissions.remove(view)
    assert client.get("/customers/accounts/").status_code == 403
    roles["sales_rep"].group.permissions.add(view)
    assert client.get("/customers/accounts/").status_code == 200


def test_deactivating_a_user_through_the_service_empties_its_scope(org):
    core_services.user_update(user=fresh(org.rep), acting_user=org.admin, data={"is_active": False})
    assert not visible_names(org.rep)


def test_a_login_does_not_retire_the_cache(org, client_for):
    from guanxi.core import access_cache

    before = access_cache.generation()
    client_for(org.rep).get("/customers/accounts/")
    user = fresh(org.rep)
    from django.contrib.auth.models import update_last_login

    update_last_login(None, user)
    assert access_cache.generation() == before
