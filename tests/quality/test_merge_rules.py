"""Merge by source priority (how each record came in), and the customers' public ``party_refresh``."""

from __future__ import annotations

import pytest

from guanxi.customers import services as customers
from guanxi.customers.models import Contact, PhoneNumber
from guanxi.framework.context import Source, change_source
from guanxi.quality import merging, services

from .test_merge import _api

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    """An imported contact (the survivor) and one typed in by hand with a newer title but no department."""
    with change_source(Source.IMPORT, detail="batch 1 old-crm.csv"):
        imported = customers.contact_create(acting_user=org.rep, name="钱七", title="经理", department="采购部")
    with change_source(Source.WEB):
        manual = customers.contact_create(acting_user=org.rep, name="钱七", title="采购总监", description="展会上认识")
    return imported, manual


def test_record_source_is_how_the_record_came_in(pair):
    imported, manual = pair
    assert (merging.record_source(imported), merging.record_source(manual)) == ("import", "web")


def test_source_priority_prefers_the_more_trusted_record_unless_its_value_is_empty(org, pair):
    imported, manual = pair
    services.merge_records(acting_user=org.rep, party="contact", survivor=imported, merged=manual, rule="source_priority",
                           overrides={"description": "survivor"})
    imported.refresh_from_db()
    assert imported.title == "采购总监"  # manual (web) outranks import
    assert imported.department == "采购部"  # the manual record has none: the imported one's is kept
    assert imported.description == ""  # the per-field override wins over the rule


def test_source_priority_is_configurable(org, pair, settings):
    settings.GUANXI_MERGE_SOURCE_PRIORITY = ["import", "web"]
    imported, manual = pair
    assert merging.picks("contact", imported, manual, "source_priority")["title"] == "survivor"
    assert merging.picks("contact", manual, imported, "source_priority")["title"] == "merged"
    settings.GUANXI_MERGE_SOURCE_PRIORITY = ["web", "import"]
    assert merging.picks("contact", imported, manual, "source_priority")["title"] == "merged"


def test_source_priority_on_the_merge_screen_and_api(org, pair, client_for):
    imported, manual = pair
    page = client_for(org.admin).get("/quality/merge/contact/", {"a": imported.pk, "b": manual.pk, "rule": "source_priority"})
    assert page.status_code == 200 and 'value="source_priority" selected' in page.content.decode()
    response = _api(org.admin).post("/api/merges/", {"party": "contact", "survivor": imported.pk, "merged": manual.pk,
                                                     "rule": "source_priority"}, format="json")
    assert response.status_code == 201, response.content
    assert Contact.objects.get(pk=imported.pk).title == "采购总监"


def test_party_refresh_recomputes_keys_after_rows_moved_by_other_means(org):
    contact = customers.contact_create(acting_user=org.rep, name="孙八")
    other = customers.contact_create(acting_user=org.rep, name="周九")
    phone = customers.phone_add(party=other, acting_user=org.rep, number="13955556666")
    PhoneNumber.objects.filter(pk=phone.pk).update(contact=contact)  # moved without the services
    contact.refresh_from_db()
    assert contact.primary_phone == ""
    customers.party_refresh(party=contact)
    customers.party_refresh(party=other)
    contact.refresh_from_db(), other.refresh_from_db()
    assert contact.primary_phone == "+8613955556666" and "13955556666" in contact.search_text
    assert other.primary_phone == "" and "13955556666" not in other.search_text
