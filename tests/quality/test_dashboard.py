"""The data-quality dashboard: figures over visible records, the daily snapshot and its trend."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from guanxi.customers import services as customers
from guanxi.customers.models import EmailAddress, PhoneNumber
from guanxi.quality.dashboard import figures_for, take_snapshot
from guanxi.quality.models import QualitySnapshot

pytestmark = pytest.mark.django_db


def _figures(user):
    return {f.key: f.count for f in figures_for(user)}


def test_figures_count_visible_records_only(org):
    # org: rep_account (phone, city 上海市) with 张三 (no phone/e-mail); other_account (phone, no city) with 李四
    bare = customers.account_create(acting_user=org.rep, name="空白公司")
    customers.email_add(party=bare, acting_user=org.rep, email="ok@example.cn")
    # legacy rows written before validation existed
    PhoneNumber.objects.create(account=bare, number="0571-1234", kind="work")
    EmailAddress.objects.create(account=bare, email="not-an-address", kind="work")
    rep = _figures(org.rep)
    assert (rep["accounts"], rep["contacts"]) == (2, 1)
    assert rep["invalid_phones"] == 1 and rep["invalid_emails"] == 1
    assert rep["accounts_without_phone"] == 1 and rep["accounts_without_city"] == 1
    assert rep["contacts_unreachable"] == 1
    admin = _figures(org.admin)
    assert (admin["accounts"], admin["contacts"]) == (3, 2)
    assert _figures(org.other)["invalid_phones"] == 0


def test_snapshot_and_dashboard_page(org, client_for):
    call_command("quality_snapshot")
    take_snapshot()  # the same day is replaced, not added
    assert QualitySnapshot.objects.count() == 1
    assert QualitySnapshot.objects.get().figures["accounts"] == 2
    page = client_for(org.manager).get("/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="accounts_without_city"' in html and 'id="quality-trend"' in html
