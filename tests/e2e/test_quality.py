"""The duplicate review queue in a real browser: a manager merges one pair and rejects another."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.customers import services as customers
from guanxi.customers.models import Account
from guanxi.quality import services
from guanxi.quality.models import DedupeRun, DuplicatePair

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_review_queue_merge_and_reject(page, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_user("manager", role="sales_manager", display_name="陈经理")
    twins = []
    for i, name in enumerate(["星辰数据", "远航物流"]):
        a = customers.account_create(acting_user=manager, name=f"{name}有限公司")
        customers.phone_add(party=a, acting_user=manager, number=f"0571-8{i:03d}{i:04d}")
        b = customers.account_create(acting_user=manager, name=name)
        customers.phone_add(party=b, acting_user=manager, number=f"+86 571 8{i:03d} {i:04d}")
        twins.append((a, b))
    run = DedupeRun.objects.create(party="account", started_by=manager)
    services.dedupe_run(run)
    assert DuplicatePair.objects.filter(run=run).count() >= 2
    log_in(page, "manager")

    page.goto("/quality/review/?party=account")
    first = page.locator(f"#review-table tr[data-pair]", has_text="星辰数据有限公司")
    expect(first).to_contain_text("星辰数据")
    first.locator("[data-testid=accept]").click()
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("星辰数据")
    expect(page.locator("#review-table")).not_to_contain_text("星辰数据有限公司")
    assert not Account.objects.filter(pk=twins[0][1].pk).exists()

    second = page.locator("#review-table tr[data-pair]", has_text="远航物流有限公司")
    second.locator("[data-testid=reject]").click()
    expect(page.locator("#review-table")).to_contain_text("没有待审核的记录对")
    assert Account.objects.filter(pk=twins[1][1].pk).exists()
    assert DuplicatePair.objects.get(left_id=twins[1][0].pk).status == "rejected"
