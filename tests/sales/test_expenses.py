"""Expense claims: lines and totals, submit to the manager, approve or reject with a comment,
notifications, receipts only for those who see the claim, visibility (UI, export, API) and queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from django.contrib.auth.models import Permission

from guanxi.core.models import Notification
from guanxi.sales import services
from guanxi.sales.models import ExpenseClaim

from ..customers.pages import csv_rows, exported_ids, row_pks

D = Decimal
EVERYONE = ("rep", "manager", "director", "watcher", "analyst", "admin", "other")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _claim(org, owner, lines=(("120.50", "meals"), ("880.00", "lodging"))):
    claim = services.expense_claim_create(acting_user=owner, title=f"{owner} 出差", account=org.rep_account if owner == org.rep else None)
    for amount, category in lines:
        services.expense_line_add(claim=claim, acting_user=owner, date=timezone.localdate(), category=category, amount=D(amount))
    return claim


def test_lines_total_submit_approve_with_notifications(org, media, client_for):
    claim = _claim(org, org.rep)
    assert claim.total == D("1000.50")
    services.expense_claim_submit(claim=claim, acting_user=org.rep)
    assert (claim.status, claim.approver) == ("submitted", org.manager)
    assert Notification.objects.filter(recipient=org.manager).count() == 1
    with pytest.raises(ValidationError):  # submitted: lines are frozen
        services.expense_line_add(claim=claim, acting_user=org.rep, date=timezone.localdate(), category="other", amount=D("1"))
    with pytest.raises(ValidationError):  # the claimant does not decide
        services.expense_claim_decide(claim=claim, acting_user=org.rep, approve=True)
    with pytest.raises(ValidationError):  # another team's people do not either
        services.expense_claim_decide(claim=claim, acting_user=org.other, approve=True)
    with pytest.raises(ValidationError) as exc:
        services.expense_claim_decide(claim=claim, acting_user=org.manager, approve=False, comment=" ")
    assert "comment" in exc.value.message_dict
    response = client_for(org.manager).post(f"/sales/expenses/{claim.pk}/reject/", {"comment": "缺少发票"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.decision_comment, claim.decided_by) == ("rejected", "缺少发票", org.manager)
    services.expense_line_add(claim=claim, acting_user=org.rep, date=timezone.localdate(), category="other", amount=D("0.01"),
                              receipt=SimpleUploadedFile("发票.pdf", b"%PDF-1.4 receipt", content_type="application/pdf"))
    services.expense_claim_submit(claim=claim, acting_user=org.rep)
    services.expense_claim_decide(claim=claim, acting_user=org.director, approve=True)  # a manager above may decide too
    claim.refresh_from_db()
    assert (claim.status, claim.total) == ("approved", D("1000.51"))
    assert Notification.objects.filter(recipient=org.rep).count() == 2


def test_bad_input_names_the_field(org, stages):
    with pytest.raises(ValidationError) as exc:
        services.expense_claim_submit(claim=services.expense_claim_create(acting_user=org.rep, title="空"), acting_user=org.rep)
    assert "lines" in exc.value.message_dict
    claim = services.expense_claim_create(acting_user=org.rep, title="x")
    with pytest.raises(ValidationError) as exc:
        services.expense_line_add(claim=claim, acting_user=org.rep, date=timezone.localdate() + datetime.timedelta(days=2),
                                  category="meals", amount=D("1"))
    assert "date" in exc.value.message_dict
    deal = services.opportunity_create(acting_user=org.rep, account=org.rep_account, name="d", amount=D("1"),
                                       expected_close_date=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.expense_claim_create(acting_user=org.rep, title="y", account=org.other_account, opportunity=deal)
    assert "opportunity" in exc.value.message_dict
    linked = services.expense_claim_create(acting_user=org.rep, title="z", opportunity=deal)
    assert linked.account == org.rep_account


def test_claims_and_receipts_are_seen_within_scope_only(org, users, media, client_for):
    mine = _claim(org, org.rep)
    services.expense_line_add(claim=mine, acting_user=org.rep, date=timezone.localdate(), category="other", amount=D("1"),
                              receipt=SimpleUploadedFile("r.png", b"\x89PNG", content_type="image/png"))
    line = mine.lines.exclude(receipt="").get()
    theirs = _claim(org, org.other)
    everyone = {mine.pk, theirs.pk}
    # Analysts have no expense permission by default: expenses are not sales data they report on.
    sees = {"rep": {mine.pk}, "manager": {mine.pk}, "director": everyone, "watcher": set(), "analyst": set(), "admin": everyone,
            "other": {theirs.pk}}
    for name in EVERYONE:
        client = client_for(users[name])
        page = client.get("/sales/expenses/")
        if page.status_code == 200:
            assert row_pks(page) == sees[name], name
            assert exported_ids(csv_rows(client.get("/sales/expenses/?export=csv"))) == sees[name], name
        else:
            assert page.status_code == 403 and not sees[name], name
        for pk in (mine.pk, theirs.pk):
            assert client.get(f"/sales/expenses/{pk}/").status_code in ((200,) if pk in sees[name] else (403, 404)), name
        receipt = client.get(f"/sales/expenses/{mine.pk}/lines/{line.pk}/receipt/")
        assert receipt.status_code == (200 if mine.pk in sees[name] else 404) or receipt.status_code == 403 and not sees[name], name
        response = _api(users[name]).get("/api/expense-claims/")
        listed = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
        assert listed == sees[name], name


def test_finance_permission_sees_every_claim(org, make_user, client_for):
    mine, theirs = _claim(org, org.rep), _claim(org, org.other)
    finance = make_user("finance")
    finance.user_permissions.add(*Permission.objects.filter(codename__in=("view_expenseclaim", "view_all_expenseclaim", "approve_expenseclaim")))
    assert row_pks(client_for(finance).get("/sales/expenses/")) == {mine.pk, theirs.pk}
    services.expense_claim_submit(claim=theirs, acting_user=org.other)
    services.expense_claim_decide(claim=theirs, acting_user=finance, approve=True)
    assert theirs.status == "approved"


def test_api_creates_and_moves_a_claim(org):
    created = _api(org.rep).post("/api/expense-claims/", {"title": "API 报销", "account": org.rep_account.pk}, format="json")
    assert created.status_code == 201, created.content
    claim = ExpenseClaim.objects.get(pk=created.json()["id"])
    assert claim.owner == org.rep
    services.expense_line_add(claim=claim, acting_user=org.rep, date=timezone.localdate(), category="meals", amount=D("10"))
    assert _api(org.rep).post(f"/api/expense-claims/{claim.pk}/submit/").status_code == 200
    bad = _api(org.manager).post(f"/api/expense-claims/{claim.pk}/reject/", {"comment": ""}, format="json")
    assert bad.status_code == 400
    assert _api(org.manager).post(f"/api/expense-claims/{claim.pk}/approve/", {}, format="json").json()["status"] == "approved"
    hidden = _api(org.rep).post("/api/expense-claims/", {"title": "x", "account": org.other_account.pk}, format="json")
    assert hidden.status_code == 400


def test_expense_pages_queries_do_not_grow(org, client_for):
    def count(url):
        client = client_for(org.manager)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    claim = _claim(org, org.rep, lines=(("1", "meals"),))
    few_list, few_detail = count("/sales/expenses/"), count(f"/sales/expenses/{claim.pk}/")
    for n in range(4):
        _claim(org, org.rep)
        services.expense_line_add(claim=claim, acting_user=org.rep, date=timezone.localdate(), category="meals", amount=D(n + 1))
    assert count("/sales/expenses/") == few_list
    assert count(f"/sales/expenses/{claim.pk}/") == few_detail
