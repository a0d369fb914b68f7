"""The dashboard's drill-down lists (visibility, pages, a link to fix each record), its trend chart and the
daily snapshot job."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from guanxi.customers import services as customers
from guanxi.customers.models import EmailAddress, PhoneNumber
from guanxi.quality.models import QualitySnapshot
from guanxi.quality.tasks import take_quality_snapshot

pytestmark = pytest.mark.django_db


def test_each_figure_opens_its_records_the_user_can_see(org, client_for, django_assert_max_num_queries):
    bare = customers.account_create(acting_user=org.rep, name="空白公司")
    PhoneNumber.objects.create(account=bare, number="0571-1234", kind="work")  # written before validation existed
    EmailAddress.objects.create(contact=org.other_contact, email="not-an-address", kind="work")
    dashboard = client_for(org.manager).get("/quality/").content.decode()
    assert 'href="/quality/issues/invalid_phones/"' in dashboard and 'href="/quality/issues/accounts_without_city/"' in dashboard
    manager = client_for(org.manager)
    phones = manager.get("/quality/issues/invalid_phones/").content.decode()
    assert "0571-1234" in phones and f"/customers/account/{bare.pk}/phone/" in phones
    assert "not-an-address" not in manager.get("/quality/issues/invalid_emails/").content.decode()  # the north's contact
    assert "not-an-address" in client_for(org.admin).get("/quality/issues/invalid_emails/").content.decode()
    without_city = manager.get("/quality/issues/accounts_without_city/").content.decode()
    assert "空白公司" in without_city and f"/customers/accounts/{bare.pk}/edit/" in without_city
    assert "北方重工" not in without_city
    assert manager.get("/quality/issues/nonsense/").status_code == 404
    assert client_for(org.other).get("/quality/issues/accounts_without_city/").status_code in (200, 403)


def test_issue_list_pages_with_a_fixed_number_of_queries(org, client_for, django_assert_max_num_queries):
    for i in range(60):
        customers.account_create(acting_user=org.rep, name=f"无城市{i:02d}")
    client = client_for(org.admin)
    client.get("/quality/issues/accounts_without_city/")  # warm the caches of the session and the user's scope
    with django_assert_max_num_queries(12):
        first = client.get("/quality/issues/accounts_without_city/").content.decode()
    assert first.count('data-testid="fix"') == 50 and "?page=2" in first
    second = client.get("/quality/issues/accounts_without_city/", {"page": 2}).content.decode()
    assert second.count('data-testid="fix"') >= 10


def test_trend_chart_and_daily_snapshot_job(org, client_for, django_capture_on_commit_callbacks):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    QualitySnapshot.objects.create(day=yesterday, figures={"accounts": 1, "invalid_phones": 3})
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(org.manager).get("/quality/")  # no snapshot today: the page queues the daily job
    assert DBTaskResult.objects.filter(task_path__endswith="take_quality_snapshot").exists()
    assert 'id="chart-quality-trend"' not in page.content.decode()  # one point is no trend yet
    take_quality_snapshot.call()  # what the worker (or cron's ``guanxi quality_snapshot``) does
    assert QualitySnapshot.objects.filter(day=timezone.localdate()).exists()
    html = client_for(org.manager).get("/quality/").content.decode()
    assert 'id="chart-quality-trend"' in html and yesterday.isoformat() in html
    take_quality_snapshot.call()  # run again the same day: replaced, not added
    assert QualitySnapshot.objects.count() == 2
