"""Settings: who may open which page, roles and their permissions, teams, territories."""

from __future__ import annotations

import pytest

from guanxi.core import services as core_services
from guanxi.core.models import AuditEntry, Role, Team, Territory, User

@pytest.mark.parametrize("url", ["/settings/users/", "/settings/roles/", "/settings/teams/", "/settings/visibility/"])
def test_a_rep_is_refused_the_administration_pages(client_for, org, url):
    assert client_for(org.rep).get(url).status_code == 403


def test_a_rep_cannot_open_edit_forms_of_users_teams_roles_or_territories(client_for, org):
    client = client_for(org.rep)
    role = Role.objects.get(code="sales_rep")
    for url in ("/settings/users/add/", f"/settings/users/{org.rep.pk}/edit/", "/settings/teams/add/",
                f"/settings/teams/{org.east.pk}/edit/", f"/settings/roles/{role.pk}/?edit=1",
                "/settings/territories/add/", f"/settings/territories/{org.region.pk}/edit/"):
        assert client.get(url).status_code in (403, 404), url
    response = client.post(f"/settings/users/{org.rep.pk}/edit/", {"username": "rep", "is_active": "on", "roles": [Role.objects.get(code="administrator").pk]})
    assert response.status_code in (403, 404)
    assert not User.objects.get(pk=org.rep.pk).groups.filter(role__code="administrator").exists(), "no self-promotion"


def test_settings_index_shows_only_what_the_user_may_open(client_for, org):
    page = client_for(org.rep).get("/settings/").content.decode()
    assert "/profile/" in page and "/password/" in page
    assert "/settings/users/" not in page and "/settings/roles/" not in page
    page = client_for(org.admin).get("/settings/").content.decode()
    for url in ("/settings/users/", "/settings/teams/", "/settings/roles/", "/settings/territories/", "/settings/visibility/"):
        assert url in page


def test_administrator_opens_every_settings_page(client_for, org):
    client = client_for(org.admin)
    role = Role.objects.get(code="sales_rep")
    for url in ["/settings/", "/settings/users/", f"/settings/users/{org.rep.pk}/", f"/settings/users/{org.rep.pk}/edit/",
                "/settings/users/add/", "/settings/teams/", f"/settings/teams/{org.east.pk}/", "/settings/teams/add/",
                "/settings/roles/", f"/settings/roles/{role.pk}/", f"/settings/roles/{role.pk}/?edit=1",
                "/settings/territories/", f"/settings/territories/{org.region.pk}/", "/settings/territories/add/",
                "/settings/visibility/", f"/history/core/team/{org.east.pk}/", f"/history/core/role/{role.pk}/", "/help/"]:
        assert client.get(url).status_code == 200, url


def test_administrator_removes_a_permission_and_it_takes_effect(client_for, org):
    rep_client = client_for(org.rep)
    assert rep_client.get("/customers/accounts/").status_code == 200
    role = Role.objects.get(code="sales_rep")
    url = f"/settings/roles/{role.pk}/"
    admin_client = client_for(org.admin)
    form = admin_client.get(url + "?edit=1").context["form"]
    kept = [p.pk for p in form.fields["permissions"].initial if p.codename != "view_account"]
    response = admin_client.post(url, {"name": role.name, "description": "不再看客户", "permissions": kept})
    assert response.status_code == 302 and response["Location"] == url
    assert rep_client.get("/customers/accounts/").status_code == 403
    assert rep_client.get(f"/customers/accounts/{org.rep_account.pk}/").status_code == 403
    assert rep_client.get("/customers/contacts/").status_code == 200, "the other permissions stay"
    entry = AuditEntry.objects.filter(content_type__model="role", object_id=str(role.pk), changes__has_key="permissions").get()
    old, new = entry.changes["permissions"]
    assert "view_account" in old and "view_account" not in new
    assert entry.actor == org.admin and entry.source == "web"
    role.refresh_from_db()
    assert role.description == "不再看客户"
    assert "不再看客户" in admin_client.get(f"/history/core/role/{role.pk}/").content.decode()


def test_administrator_grants_organisation_wide_access(client_for, org):
    role = Role.objects.get(code="sales_rep")
    perms = list(role.group.permissions.values_list("pk", flat=True))
    assert client_for(org.rep).get(f"/customers/accounts/{org.other_account.pk}/").status_code == 404
    client_for(org.admin).post(f"/settings/roles/{role.pk}/", {"name": role.name, "organisation_wide": "on", "permissions": perms})
    assert client_for(org.rep).get(f"/customers/accounts/{org.other_account.pk}/").status_code == 200


def test_only_administrators_change_roles(client_for, org):
    role = Role.objects.get(code="sales_rep")
    before = set(role.group.permissions.values_list("pk", flat=True))
    response = client_for(org.analyst).post(f"/settings/roles/{role.pk}/", {"name": "x", "permissions": []})
    assert response.status_code in (403, 404)
    assert set(role.group.permissions.values_list("pk", flat=True)) == before


def test_team_hierarchy_cycle_is_rejected_naming_parent(client_for, org):
    client = client_for(org.admin)
    url = f"/settings/teams/{org.sales.pk}/edit/"
    response = client.post(url, {"name": "销售部", "parent": org.east.pk, "manager": org.director.pk})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["parent"]
    assert 'data-field-error="parent"' in response.content.decode()
    assert Team.objects.get(pk=org.sales.pk).parent is None
    response = client.post(url, {"name": "销售部", "parent": org.sales.pk, "manager": org.director.pk})
    assert list(response.context["form"].errors) == ["parent"]
    assert Team.objects.get(pk=org.sales.pk).parent is None


def test_team_move_in_the_ui_is_audited_and_changes_who_sees_what(client_for, org):
    """Moving 华北销售 out from under 销售部 takes its records out of the director's sight."""
    client = client_for(org.admin)
    assert client_for(org.director).get(f"/customers/accounts/{org.other_account.pk}/").status_code == 200
    response = client.post(f"/settings/teams/{org.north.pk}/edit/", {"name": "华北销售", "parent": "", "manager": ""})
    assert response.status_code == 302
    assert Team.objects.get(pk=org.north.pk).parent is None
    entry = AuditEntry.objects.filter(content_type__model="team", object_id=str(org.north.pk), action="update").get()
    assert entry.changes == {"parent": [org.sales.pk, None]}
    assert client_for(org.director).get(f"/customers/accounts/{org.other_account.pk}/").status_code == 404


def test_territory_hierarchy_rules(client_for, org):
    client = client_for(org.admin)
    response = client.post("/settings/territories/add/", {"name": "华南", "code": "south", "level": "region", "parent": org.shanghai.pk})
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Territory.objects.filter(code="south").exists()
    response = client.post("/settings/territories/add/", {"name": "杭州", "code": "hangzhou", "level": "city",
                                                          "parent": org.region.pk, "provinces": "浙江省", "cities": "杭州市，宁波市",
                                                          "members": [org.rep.pk]})
    assert response.status_code == 302
    hangzhou = Territory.objects.get(code="hangzhou")
    assert hangzhou.cities == ["杭州市", "宁波市"] and list(hangzhou.members.all()) == [org.rep]
    response = client.post(f"/settings/territories/{org.region.pk}/edit/", {"name": "华东", "code": "east", "level": "region",
                                                                           "parent": hangzhou.pk, "is_active": "on"})
    assert response.status_code == 200 and "parent" in response.context["form"].errors


def test_administrator_creates_a_user_with_a_role(client_for, org):
    role = Role.objects.get(code="sales_rep")
    response = client_for(org.admin).post("/settings/users/add/", {
        "username": "newbie", "display_name": "新人", "team": org.east.pk, "roles": [role.pk],
        "password": "a-Long-enough-pass-99", "is_active": "on",
    })
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.team == org.east and user.has_perm("customers.view_account")
    entry = AuditEntry.objects.get(content_type__model="user", object_id=str(user.pk), action="create")
    assert entry.actor == org.admin and "password" not in entry.changes
    assert client_for(org.manager).get(f"/customers/accounts/{org.rep_account.pk}/").status_code == 200


def test_deactivated_user_loses_access(client_for, org):
    client = client_for(org.rep)
    core_services.user_update(user=org.rep, acting_user=org.admin, data={"is_active": False})
    assert client.get("/customers/accounts/").status_code == 302, "sent back to the log-in page"
