"""The menu: the entries that exist, and only those the user may open."""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.test import Client

from guanxi.core import services as core_services
from guanxi.core.models import Role
from guanxi.framework.navigation import menu
from guanxi.framework.registry import NavItem, registry

NOT_YET_BUILT = ("/marketing/", "/contactcenter/", "/contact-center/", "/analytics/", "/portal/")


def nav_links(response) -> list[str]:
    page = response.content.decode()
    nav = page[page.index('<nav class="navbar'): page.index("</nav>")]
    return re.findall(r'href="([^"#]+)"', nav)


def english(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_administrator_menu_lists_what_exists(org):
    entries = menu(org.admin, "/")
    assert [e["key"] for e in entries] == ["workspace", "customers", "sales", "service", "field_service", "quality", "settings", "help"]
    customers = entries[1]
    assert [c["key"] for c in customers["children"]][:3] == ["accounts", "contacts", "interactions"]


def test_every_menu_link_opens_and_none_leads_to_a_missing_module(org):
    client = english(org.admin)
    links = nav_links(client.get("/workspace/"))
    assert "/customers/accounts/" in links and "/customers/contacts/" in links and "/customers/interactions/" in links
    for url in set(links):
        assert not url.startswith(NOT_YET_BUILT), url
        assert client.get(url).status_code == 200, url
    page = client.get("/workspace/").content.decode()
    nav = page[page.index('<nav class="navbar'): page.index("</nav>")]
    for label in ("Marketing", "Contact center", "Analytics"):
        assert label not in nav, label


def test_an_entry_whose_page_does_not_exist_is_left_out(org, monkeypatch):
    monkeypatch.setitem(registry.nav, "marketing", NavItem("marketing", "Marketing", "marketing:campaign_list", order=30))
    assert "marketing" not in [e["key"] for e in menu(org.admin, "/")]
    assert "Marketing" not in english(org.admin).get("/workspace/").content.decode()


def test_a_user_without_customer_permissions_sees_no_customer_entries(org, make_user):
    nobody = make_user("nobody", role=None)
    assert [e["key"] for e in menu(nobody, "/")] == ["workspace", "settings", "help"]
    links = nav_links(english(nobody).get("/workspace/"))
    assert not [url for url in links if url.startswith("/customers/")]
    assert english(nobody).get("/customers/accounts/").status_code == 403


def test_children_are_hidden_without_their_permission(org, make_user):
    role = Role.objects.get(code="service_agent")
    wanted = Permission.objects.filter(content_type__app_label="customers", codename__in=["view_account", "view_contact"])
    core_services.role_update(role=role, acting_user=org.admin, name=role.name, description="", organisation_wide=False,
                              permissions=list(wanted))
    agent = make_user("agent", role="service_agent")
    [customers] = [e for e in menu(agent, "/") if e["key"] == "customers"]
    assert [c["key"] for c in customers["children"]] == ["accounts", "contacts"]
    links = nav_links(english(agent).get("/workspace/"))
    assert "/customers/contacts/" in links and "/customers/interactions/" not in links


def test_the_current_section_is_marked_active(org):
    entries = {e["key"]: e for e in menu(org.admin, "/customers/contacts/12/")}
    assert entries["customers"]["active"] and not entries["workspace"]["active"] and not entries["settings"]["active"]
    entries = {e["key"]: e for e in menu(org.admin, "/settings/users/")}
    assert entries["settings"]["active"] and not entries["customers"]["active"]


def test_anonymous_pages_have_no_menu(db):
    response = Client().get("/login/")
    assert '<nav class="navbar' not in response.content.decode()
