"""Who sees accounts, contacts and interactions, on every page that shows them.

Each test walks one user through every read path of a model (list, detail, edit form, history,
CSV and XLSX export, global search and its htmx partial, look-up) and checks that the user's
side of the visibility line is the same everywhere. See ``conftest.py`` for the matrix.
"""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Account, Contact, Interaction

from .conftest import BLIND_TO_THEIRS, SEES_MINE, SEES_THEIRS
from .pages import csv_rows, exported_ids, lookup_pks, row_pks, search_titles, text, xlsx_rows

EVERYONE = sorted(set(SEES_MINE) | set(SEES_THEIRS))


def _edit_status(user, model, sees: bool) -> int:
    """The edit form: 403 without the change permission, else 404 for a record out of sight."""
    if not user.has_perm(f"customers.change_{model._meta.model_name}"):
        return 403
    return 200 if sees else 404


def _sides(world, name):
    return {"mine": (world.mine, name in SEES_MINE), "theirs": (world.theirs, name in SEES_THEIRS)}


@pytest.mark.parametrize("name", EVERYONE)
def test_accounts_on_every_read_path(client_for, users, world, name):
    client = client_for(users[name])
    listed = row_pks(client.get("/customers/accounts/"))
    csv_ids = exported_ids(csv_rows(client.get("/customers/accounts/?export=csv")))
    xlsx_ids = exported_ids(xlsx_rows(client.get("/customers/accounts/?export=xlsx")))
    for side, (records, sees) in _sides(world, name).items():
        account = records.account
        assert (account.pk in listed) is sees, (name, side, "list")
        assert (account.pk in csv_ids) is sees, (name, side, "csv")
        assert (account.pk in xlsx_ids) is sees, (name, side, "xlsx")
        expected = 200 if sees else 404
        assert client.get(f"/customers/accounts/{account.pk}/").status_code == expected, (name, side, "detail")
        assert client.get(f"/customers/accounts/{account.pk}/?tab=details").status_code == expected
        assert client.get(f"/customers/accounts/{account.pk}/edit/").status_code == _edit_status(users[name], Account, sees)
        assert client.get(f"/history/customers/account/{account.pk}/").status_code == expected, (name, side, "history")
        query = account.name[:4]
        assert (account.name in search_titles(client.get("/customers/search/", {"q": query}))) is sees, (name, side, "search")
        partial = client.get("/customers/search/", {"q": query}, HTTP_HX_REQUEST="true")
        assert (account.name in search_titles(partial)) is sees, (name, side, "search partial")
        assert "<html" not in text(partial), "the htmx partial is a fragment, not a page"
        assert (account.pk in lookup_pks(client.get("/customers/accounts/lookup/", {"q": query}))) is sees, (name, side, "lookup")


@pytest.mark.parametrize("name", EVERYONE)
def test_contacts_on_every_read_path(client_for, users, world, name):
    client = client_for(users[name])
    listed = row_pks(client.get("/customers/contacts/"))
    csv_ids = exported_ids(csv_rows(client.get("/customers/contacts/?export=csv")))
    xlsx_ids = exported_ids(xlsx_rows(client.get("/customers/contacts/?export=xlsx")))
    for side, (records, sees) in _sides(world, name).items():
        contact = records.contact
        assert (contact.pk in listed) is sees, (name, side, "list")
        assert (contact.pk in csv_ids) is sees, (name, side, "csv")
        assert (contact.pk in xlsx_ids) is sees, (name, side, "xlsx")
        expected = 200 if sees else 404
        assert client.get(f"/customers/contacts/{contact.pk}/").status_code == expected, (name, side, "detail")
        assert client.get(f"/customers/contacts/{contact.pk}/edit/").status_code == _edit_status(users[name], Contact, sees)
        assert client.get(f"/history/customers/contact/{contact.pk}/").status_code == expected, (name, side, "history")
        assert (contact.name in search_titles(client.get("/customers/search/", {"q": contact.name}))) is sees, (name, side, "search")
        partial = client.get("/customers/search/", {"q": contact.name}, HTTP_HX_REQUEST="true")
        assert (contact.name in search_titles(partial)) is sees, (name, side, "search partial")
        assert (contact.pk in lookup_pks(client.get("/customers/contacts/lookup/", {"q": contact.name}))) is sees, (name, side, "lookup")


@pytest.mark.parametrize("name", EVERYONE)
def test_interactions_on_every_read_path(client_for, users, world, name):
    client = client_for(users[name])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the export's column names are translated
    listed = row_pks(client.get("/customers/interactions/"))
    csv_rows_ = csv_rows(client.get("/customers/interactions/?export=csv"))
    xlsx_ids = exported_ids(xlsx_rows(client.get("/customers/interactions/?export=xlsx")))
    for side, (records, sees) in _sides(world, name).items():
        interaction = records.interaction
        assert (interaction.pk in listed) is sees, (name, side, "list")
        assert (interaction.pk in exported_ids(csv_rows_)) is sees, (name, side, "csv")
        assert (interaction.pk in xlsx_ids) is sees, (name, side, "xlsx")
        assert any(records.account.name == row["account"] for row in csv_rows_) is sees
        expected = 200 if sees else 404
        assert client.get(f"/customers/interactions/{interaction.pk}/").status_code == expected, (name, side, "detail")
        assert client.get(f"/customers/interactions/{interaction.pk}/edit/").status_code == _edit_status(users[name], Interaction, sees)
        assert client.get(f"/history/customers/interaction/{interaction.pk}/").status_code == expected, (name, side, "history")
        # the account's 360° timeline lists the interaction only for those who see the account
        timeline = client.get(f"/customers/accounts/{records.account.pk}/")
        if sees:
            assert records.interaction.reason in text(timeline)


def test_list_html_names_only_visible_records(client_for, org, world):
    page = text(client_for(org.rep).get("/customers/accounts/"))
    assert "张三科技有限公司" in page
    assert "北方重工" not in page
    page = text(client_for(org.rep).get("/customers/contacts/"))
    assert "张三" in page and "李四" not in page
    page = text(client_for(org.rep).get("/customers/interactions/"))
    assert "报价-mine" in page and "报价-theirs" not in page


def test_filtering_cannot_widen_what_a_user_sees(client_for, org, world):
    """Filters narrow the visible rows; naming another owner or territory does not reach past them."""
    client = client_for(org.rep)
    assert row_pks(client.get("/customers/accounts/", {"owner": org.other.pk})) == set()
    assert row_pks(client.get("/customers/accounts/", {"q": "北方重工"})) == set()
    assert exported_ids(csv_rows(client.get("/customers/accounts/", {"owner": org.other.pk, "export": "csv"}))) == set()
    assert row_pks(client.get("/customers/interactions/", {"account": org.other_account.pk})) == set()
    assert row_pks(client.get("/customers/contacts/", {"account": org.other_account.pk})) == set()


# --- writes by outsiders ---------------------------------------------------------------------

def _snapshot(model, pk):
    return model.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("name", BLIND_TO_THEIRS)
def test_outsider_cannot_edit_an_account_contact_or_interaction(client_for, users, world, name):
    client = client_for(users[name])
    theirs = world.theirs
    audit_rows = AuditEntry.objects.count()
    before = {
        Account: _snapshot(Account, theirs.account.pk),
        Contact: _snapshot(Contact, theirs.contact.pk),
        Interaction: _snapshot(Interaction, theirs.interaction.pk),
    }
    response = client.post(f"/customers/accounts/{theirs.account.pk}/edit/", {"name": "被改了", "kind": "organisation",
                            "lifecycle_stage": "exploration", "value_tier": "vip", "currency": "CNY", "owner": users[name].pk})
    assert response.status_code == 404
    response = client.post(f"/customers/contacts/{theirs.contact.pk}/edit/", {"name": "被改了", "owner": users[name].pk})
    assert response.status_code == 404
    response = client.post(f"/customers/interactions/{theirs.interaction.pk}/edit/", {
        "account": theirs.account.pk, "direction": "inbound", "channel": "email",
        "started_at": "2025-01-01T10:00", "duration_seconds": 0, "reason": "被改了",
    })
    assert response.status_code == 404
    for model, values in before.items():
        assert _snapshot(model, values["id"]) == values
    assert AuditEntry.objects.count() == audit_rows


def test_outsider_with_delete_permission_gets_404_and_nothing_is_deleted(client_for, org, world):
    client = client_for(org.manager)  # may delete, but not 华北销售's records
    assert org.manager.has_perm("customers.delete_account")
    theirs = world.theirs
    for url in (f"/customers/accounts/{theirs.account.pk}/delete/", f"/customers/contacts/{theirs.contact.pk}/delete/",
                f"/customers/interactions/{theirs.interaction.pk}/delete/"):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert Account.objects.filter(pk=theirs.account.pk).exists()
    assert Contact.objects.filter(pk=theirs.contact.pk).exists()
    assert Interaction.objects.filter(pk=theirs.interaction.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_rep_without_delete_permission_is_refused_even_on_own_records(client_for, org, world):
    client = client_for(org.rep)
    assert client.post(f"/customers/accounts/{org.rep_account.pk}/delete/").status_code == 403
    assert Account.objects.filter(pk=org.rep_account.pk).exists()


def test_manager_deletes_a_record_of_the_team(client_for, org, world):
    client = client_for(org.manager)
    response = client.post(f"/customers/interactions/{world.mine.interaction.pk}/delete/")
    assert response.status_code == 302
    assert not Interaction.objects.filter(pk=world.mine.interaction.pk).exists()
    response = client.post(f"/customers/accounts/{org.rep_account.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/customers/accounts/"
    assert not Account.objects.filter(pk=org.rep_account.pk).exists()
    entry = AuditEntry.objects.filter(action="delete", object_id=str(org.rep_account.pk), content_type__model="account").get()
    assert entry.actor == org.manager and entry.source == "web"


def test_outsider_cannot_create_an_interaction_or_link_on_an_invisible_account(client_for, org, world):
    client = client_for(org.rep)
    count = Interaction.objects.count()
    response = client.post("/customers/interactions/add/", {
        "account": org.other_account.pk, "direction": "outbound", "channel": "phone",
        "started_at": "2025-01-01T10:00", "duration_seconds": 0, "reason": "偷偷记一笔",
    })
    assert response.status_code == 200
    assert "account" in response.context["form"].errors
    assert Interaction.objects.count() == count
    # nor link one of their own contacts to it
    response = client.post(f"/customers/contacts/{org.rep_contact.pk}/link/", {"account": org.other_account.pk, "role": "user"})
    assert response.status_code == 200 and "account" in response.context["form"].errors
    assert not org.rep_contact.account_links.filter(account=org.other_account).exists()
    # nor create a contact on it
    response = client.post("/customers/contacts/add/", {"name": "王五", "account": org.other_account.pk})
    assert response.status_code == 200 and "account" in response.context["form"].errors
    assert not Contact.objects.filter(name="王五").exists()


def test_timeline_pages_follow_account_visibility(client_for, org, world):
    url = f"/customers/accounts/{world.mine.account.pk}/timeline/?offset=0"
    assert client_for(org.other).get(url).status_code == 404
    assert client_for(org.rep).get(url).status_code == 200
