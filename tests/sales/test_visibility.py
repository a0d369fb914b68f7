"""Leads, opportunities and their stage history are seen and changed only within the user's scope:
through the list, the detail page, the edit and action pages, the export, search, History and the API.

One test per path and model walks every user, so the shared fixtures are built once a test.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from guanxi.sales.models import Lead, Opportunity

from ..customers.pages import csv_rows, exported_ids, row_pks, search_titles
from .conftest import BLIND_TO_THEIRS, SEES_MINE, SEES_THEIRS

EVERYONE = ("rep", "manager", "director", "watcher", "analyst", "admin", "other")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _expected(name, sales, model):
    attr = "lead" if model is Lead else "opportunity"
    return {getattr(side, attr).pk for side, who in ((sales.mine, SEES_MINE), (sales.theirs, SEES_THEIRS)) if name in who}


def test_lists_exports_and_details_show_only_records_in_scope(users, sales, client_for):
    for name in EVERYONE:
        client = client_for(users[name])
        for model, prefix in ((Lead, "leads"), (Opportunity, "opportunities")):
            expected = _expected(name, sales, model)
            assert row_pks(client.get(f"/sales/{prefix}/")) == expected, (name, prefix)
            assert exported_ids(csv_rows(client.get(f"/sales/{prefix}/?export=csv"))) == expected, (name, prefix)
            for side in (sales.mine, sales.theirs):
                record = getattr(side, "lead" if model is Lead else "opportunity")
                status = 200 if record.pk in expected else 404
                assert client.get(f"/sales/{prefix}/{record.pk}/").status_code == status, (name, prefix)
                assert client.get(f"/history/sales/{model._meta.model_name}/{record.pk}/").status_code == status, (name, prefix)


def test_api_reads_only_records_in_scope(users, sales):
    for name in EVERYONE:
        api = _api(users[name])
        for model, prefix in ((Lead, "leads"), (Opportunity, "opportunities")):
            expected = _expected(name, sales, model)
            listed = api.get(f"/api/{prefix}/").json()["results"]
            assert {row["id"] for row in listed} == expected, (name, prefix)
            theirs = getattr(sales.theirs, "lead" if model is Lead else "opportunity")
            assert api.get(f"/api/{prefix}/{theirs.pk}/").status_code == (200 if theirs.pk in expected else 404)
        changes = {row["opportunity"] for row in api.get("/api/stage-changes/").json()["results"]}
        assert changes == _expected(name, sales, Opportunity), name


def test_search_finds_leads_in_scope_only(users, sales, client_for):
    for name in EVERYONE:
        titles = search_titles(client_for(users[name]).get("/customers/search/?q=赵大勇"))
        assert ("赵大勇" in titles) == (name in SEES_THEIRS), name


def test_outsiders_can_change_nothing(users, sales, stages, client_for):
    lead, opportunity = sales.theirs.lead, sales.theirs.opportunity
    for name in BLIND_TO_THEIRS:
        client, api = client_for(users[name]), _api(users[name])
        posts = {
            f"/sales/leads/{lead.pk}/edit/": {"name": "偷改", "source": "web", "currency": "CNY"},
            f"/sales/leads/{lead.pk}/status/": {"status": "working"},
            f"/sales/leads/{lead.pk}/disqualify/": {"reason": "spam"},
            f"/sales/leads/{lead.pk}/convert/": {"account_name": "偷转"},
            f"/sales/leads/{lead.pk}/delete/": {},
            f"/sales/opportunities/{opportunity.pk}/edit/": {"name": "偷改"},
            f"/sales/opportunities/{opportunity.pk}/move/": {"stage": stages["方案报价"].pk},
            f"/sales/opportunities/{opportunity.pk}/close/": {"stage": stages["赢单"].pk},
            f"/sales/opportunities/{opportunity.pk}/delete/": {},
        }
        for url, data in posts.items():
            assert client.post(url, data).status_code in (403, 404), (name, url)
        assert api.patch(f"/api/leads/{lead.pk}/", {"name": "偷改"}, format="json").status_code == 404
        assert api.post(f"/api/leads/{lead.pk}/convert/", {}, format="json").status_code in (403, 404)
        assert api.post(f"/api/opportunities/{opportunity.pk}/move/", {"stage": stages["方案报价"].pk}, format="json").status_code in (403, 404)
        assert api.delete(f"/api/opportunities/{opportunity.pk}/").status_code in (403, 404)
        # Nothing can be attached to an account out of scope either.
        created = api.post("/api/opportunities/", {"account": opportunity.account_id, "name": "x", "expected_close_date": "2030-01-01"}, format="json")
        assert created.status_code == 400 and "account" in created.json()["error"]["fields"], name
    lead.refresh_from_db()
    opportunity.refresh_from_db()
    assert lead.name == "赵大勇" and lead.status == "new"
    assert opportunity.name == "北方重工扩容" and opportunity.stage == stages["初步接洽"]
