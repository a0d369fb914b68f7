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
    first = page.locator("#review-table tr[data-pair]", has_text="星辰数据有限公司")
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


def test_merge_with_from_an_account_page(page, make_user, settings, tmp_path):
    """From an account's 360° page: “Merge with…”, find two more records by typing, compare the three side by
    side, take the name from one of them, merge, then undo the whole merge."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_user("manager", role="sales_manager", display_name="陈经理")
    keep = customers.account_create(acting_user=manager, name="海川智能有限公司")
    second = customers.account_create(acting_user=manager, name="海川智能科技", website="https://haichuan.example.cn")
    third = customers.account_create(acting_user=manager, name="海川智能（上海）")
    customers.phone_add(party=third, acting_user=manager, number="021-55550000")
    log_in(page, "manager")

    page.goto(f"/customers/accounts/{keep.pk}/")
    page.locator("[data-testid=merge-with]").click()
    expect(page.locator("#merge-chosen")).to_contain_text("海川智能有限公司")
    page.locator("#merge-search").fill("海川")
    page.locator(f"#merge-candidates [data-add='{second.pk}']").click()
    expect(page.locator("#merge-chosen")).to_contain_text("海川智能科技")
    page.locator("#merge-search").fill("海川智")
    page.locator(f"#merge-candidates [data-add='{third.pk}']").click()
    expect(page.locator("#merge-chosen")).to_contain_text("海川智能(上海)")  # stored with half-width brackets
    page.locator("[data-testid=compare]").click()

    expect(page.locator("#merge-table thead th[data-record]")).to_have_count(3)
    page.locator(f"#f-name-{second.pk}").check()
    page.locator("[data-testid=merge]").click()
    expect(page.locator("#merged-records")).to_contain_text("海川智能(上海)")
    survivor = Account.objects.get()
    assert survivor.pk == keep.pk and survivor.name == "海川智能科技" and survivor.website == "https://haichuan.example.cn"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#undo-merge").click()
    expect(page.locator(".alert-success").first).to_be_visible()
    assert Account.objects.count() == 3 and Account.objects.get(pk=keep.pk).name == "海川智能有限公司"
