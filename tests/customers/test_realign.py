"""Territory realignment: the preview, the apply job, the API, permissions, visibility and query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.core import services as core_services
from guanxi.core.models import AuditEntry, Notification
from guanxi.customers import services
from guanxi.customers.models import Account, AccountContact
from guanxi.customers.realign import realign_plan
from guanxi.framework import jobs

URL = "/customers/accounts/realign/"
API = "/api/account-realignment/"


@pytest.fixture
def land(org):
    """Accounts placed before the criteria changed: three would move, the rest stay."""
    pudong = core_services.territory_create(acting_user=org.admin, name="浦东", code="pudong", level="city", parent=org.shanghai,
                                            provinces=["上海市"], postal_codes=["2001"])
    make = lambda name, **data: services.account_create(acting_user=org.rep, name=name, **data)  # noqa: E731
    a = dict(
        to_shanghai=make("上海甲", province="上海市", city="上海市", postal_code="200030", territory=org.region),
        to_region=make("杭州乙", province="浙江省", city="杭州市"),
        locked=make("上海锁定", province="上海市", city="上海市", territory=org.region, territory_locked=True),
        unmatched=make("北京丙", province="北京市", city="北京市", territory=org.shanghai),
        placed=make("上海丁", province="上海市", city="上海市", postal_code="200031", territory=org.shanghai),
        to_pudong=make("浦东戊", province="上海市", city="上海市", postal_code="200120", territory=org.shanghai),
    )
    Account.objects.filter(pk=a["to_region"].pk).update(territory=None)  # placed before 华东 had 浙江省
    a["to_region"].refresh_from_db()
    services.contact_create(acting_user=org.rep, account=a["to_shanghai"], name="甲联系人")
    return dict(a, pudong=pudong)


def _pairs(plan):
    return {(p.old.code if p.old else None, p.new.code): p.count for p in plan.pairs}


def test_preview_counts_pairs_and_leaves_locked_and_unmatched(org, land):
    plan = realign_plan(user=org.admin)
    assert _pairs(plan) == {("east", "shanghai"): 1, (None, "east"): 1, ("shanghai", "pudong"): 1}
    assert plan.total == 3
    assert set(plan.moving().values_list("name", flat=True)) == {"上海甲", "杭州乙", "浦东戊"}


def test_preview_scopes(org, land):
    assert _pairs(realign_plan(user=org.admin, from_territory=org.region)) == {("east", "shanghai"): 1}
    assert _pairs(realign_plan(user=org.admin, to_territory=org.region)) == {(None, "east"): 1}
    assert set(realign_plan(user=org.admin, to_territory=land["pudong"]).moving().values_list("name", flat=True)) == {"浦东戊"}


def test_matcher_is_the_rule_of_territory_for(org, land):
    for account in Account.objects.all():
        expected = core_services.territory_for(province=account.province, city=account.city, postal_code=account.postal_code, industry=account.industry)
        got = core_services.TerritoryMatcher.load().match(province=account.province, city=account.city,
                                                          postal_code=account.postal_code[:4], industry=account.industry)
        assert got == expected


def test_apply_moves_exactly_the_previewed_accounts_once(org, land):
    before = {a.pk: a.territory_id for a in Account.objects.all()}
    previewed = set(realign_plan(user=org.admin).moving().values_list("pk", flat=True))
    assert services.accounts_realign(acting_user=org.admin, batch_size=2) == 3
    after = {a.pk: a.territory_id for a in Account.objects.all()}
    assert {pk for pk in after if after[pk] != before[pk]} == previewed
    assert after[land["to_shanghai"].pk] == org.shanghai.pk and after[land["to_region"].pk] == org.region.pk
    assert after[land["to_pudong"].pk] == land["pudong"].pk
    assert after[land["locked"].pk] == org.region.pk and after[land["unmatched"].pk] == org.shanghai.pk
    link = AccountContact.objects.get(account=land["to_shanghai"])
    assert link.account_territory_id == org.shanghai.pk and link.account_owner_id == org.rep.pk
    entry = AuditEntry.objects.filter(object_id=str(land["to_shanghai"].pk), action="update").latest("pk")
    assert entry.changes == {"territory": [org.region.pk, org.shanghai.pk]} and entry.actor == org.admin
    assert AuditEntry.objects.filter(changes__has_key="territory", actor=org.admin).count() == 3
    assert services.accounts_realign(acting_user=org.admin) == 0
    assert realign_plan(user=org.admin).total == 0


def test_page_previews_and_starts_the_job(org, land, django_capture_on_commit_callbacks):
    client = _english(org.admin)
    assert "Realign accounts" in client.get("/settings/territories/").content.decode()
    page = client.get(URL).content.decode()
    assert "3 accounts would move" in page and "上海甲" in page and "浦东戊" in page and "上海锁定" not in page
    scoped = client.get(URL, {"from_territory": org.region.pk}).content.decode()
    assert "1 account would move" in scoped and "上海甲" in scoped and "浦东戊" not in scoped
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(URL, {"from_territory": "", "to_territory": "", "owners": "keep"})
    job = org.admin.jobs.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    jobs.run_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 3 and job.total == 3, job.error
    assert Notification.objects.filter(recipient=org.admin, url=job.get_absolute_url()).exists()
    assert realign_plan(user=org.admin).total == 0


def test_page_paginates(org, land):
    for n in range(60):
        services.account_create(acting_user=org.rep, name=f"迁移{n:02d}", province="浙江省", city="宁波市", territory=org.shanghai)
    client = _english(org.admin)
    first = client.get(URL).content.decode()
    assert "63 accounts would move" in first and "Page 1 of 2" in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second and second.count("/customers/accounts/") - first.count("/customers/accounts/") < 0


def test_refused_without_both_permissions(org, land):
    manager = _english(org.manager)  # changes accounts, not territories
    assert "Realign accounts" not in manager.get("/settings/territories/").content.decode()
    assert manager.get(URL).status_code == 403
    assert manager.post(URL, {}).status_code == 403
    assert _api(org.manager).get(API).status_code == 403
    assert _api(org.manager).post(API, {}, format="json").status_code == 403
    with pytest.raises(Exception):
        services.accounts_realign(acting_user=org.manager)
    assert Account.objects.get(pk=land["to_shanghai"].pk).territory_id == org.region.pk


def test_only_visible_accounts_are_realigned(org, land, make_user):
    """A territory administrator inside the 华东 team previews and moves only the accounts they can see."""
    theirs = services.account_create(acting_user=org.other, name="他人浙江", province="浙江省", city="温州市", territory=org.shanghai)
    org.manager.user_permissions.add(Permission.objects.get(codename="change_territory", content_type__app_label="core"))
    manager = type(org.manager).objects.get(pk=org.manager.pk)
    assert theirs.pk not in set(realign_plan(user=manager).moving().values_list("pk", flat=True))
    assert theirs.pk in set(realign_plan(user=org.admin).moving().values_list("pk", flat=True))
    assert _api(manager).get(API).json()["total"] == 3 and _api(org.admin).get(API).json()["total"] == 4
    page = _english(manager).get(URL).content.decode()
    assert "3 accounts would move" in page and "他人浙江" not in page
    assert services.accounts_realign(acting_user=manager) == 3
    theirs.refresh_from_db()
    assert theirs.territory_id == org.shanghai.pk


def test_api_summary_and_start(org, land, django_capture_on_commit_callbacks):
    body = _api(org.admin).get(API).json()
    assert body["total"] == 3
    assert {(p["old_territory_name"], p["new_territory_name"], p["count"]) for p in body["pairs"]} == {
        ("华东", "上海", 1), (None, "华东", 1), ("上海", "浦东", 1)}
    assert _api(org.admin).get(API, {"to_territory": land["pudong"].pk}).json()["total"] == 1
    bad = _api(org.admin).get(API, {"to_territory": 999999})
    assert bad.status_code == 400 and "to_territory" in bad.json()["error"]["fields"]
    bad = _api(org.admin).post(API, {"owners": "nobody"}, format="json")
    assert bad.status_code == 400 and "owners" in bad.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=False):
        started = _api(org.admin).post(API, {"from_territory": org.region.pk}, format="json")
    assert started.status_code == 202, started.content
    jobs.run_job.call(started.json()["job"])
    assert Account.objects.get(pk=land["to_shanghai"].pk).territory_id == org.shanghai.pk
    assert Account.objects.get(pk=land["to_pudong"].pk).territory_id == org.shanghai.pk  # outside the scope


def test_apply_can_give_moved_accounts_to_the_new_territorys_members(org, land, make_user):
    """华东 has one member (watcher), 浦东 two in turn, 上海 none: its incoming accounts keep their owner."""
    first, second = make_user("pd1"), make_user("pd2")
    core_services.territory_update(territory=land["pudong"], acting_user=org.admin, data={}, members=[second, first])
    services.contact_create(acting_user=org.rep, account=land["to_region"], name="乙联系人")
    for n in range(3):
        services.account_create(acting_user=org.rep, name=f"浦东{n}", province="上海市", city="上海市", postal_code=f"20012{n}", territory=org.shanghai)
    assert services.accounts_realign(acting_user=org.admin, owners="members", batch_size=2) == 6
    region_account = Account.objects.get(pk=land["to_region"].pk)
    assert region_account.owner == org.watcher
    assert AccountContact.objects.get(account=region_account).account_owner_id == org.watcher.pk
    assert Account.objects.get(pk=land["to_shanghai"].pk).owner == org.rep
    pudong_owners = list(Account.objects.filter(territory=land["pudong"]).order_by("pk").values_list("owner_id", flat=True))
    assert pudong_owners == [first.pk, second.pk, first.pk, second.pk]
    entry = AuditEntry.objects.filter(object_id=str(region_account.pk), action="update").latest("pk")
    assert entry.changes == {"territory": [None, org.region.pk], "owner": [org.rep.pk, org.watcher.pk]}
    with pytest.raises(ValidationError):
        services.accounts_realign(acting_user=org.admin, owners="nobody")


def _page_queries(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_preview_page_queries_do_not_grow_with_accounts(org, land):
    client = _english(org.admin)
    few = _page_queries(client)
    for n in range(40):
        services.account_create(acting_user=org.rep, name=f"批量{n:02d}", province=["浙江省", "上海市"][n % 2],
                                city=f"城市{n % 7}", postal_code=f"2001{n:02d}", territory=None)
    assert _page_queries(client) <= few


def _english(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_preview_page_in_chinese_has_no_english(org, land):
    from django.test import Client

    from tests.core.test_i18n import english_words

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(org.admin)
    html = client.get(URL).content.decode()
    assert "将有 3 个客户变更区域" in html and "当前区域" in html and "移动 3 个客户" in html
    assert english_words(html, {"admin", "rep"}) == set()
