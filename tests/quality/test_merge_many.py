"""Merging three or more records at once: per-field values from any record, every app's rows moved, one undo;
visibility; the “Merge with…” pages, the review queue's clusters and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.customers import services as customers
from guanxi.customers.models import Account, AccountContact, EmailAddress, Interaction, Note, PhoneNumber
from guanxi.quality import services
from guanxi.quality.models import DedupeRun, DuplicatePair, MatchKey, MergeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def triplets(org):
    """rep's account and two duplicates of it, each with rows of several apps pointing at it."""
    first = customers.account_create(acting_user=org.rep, name="张三科技", website="https://zs.example.cn", do_not_call=True)
    customers.phone_add(party=first, acting_user=org.rep, number="021-62340000")
    contact = customers.contact_create(acting_user=org.rep, account=first, name="王五")
    note = customers.note_add(party=first, acting_user=org.rep, body="老客户")
    second = customers.account_create(acting_user=org.rep, name="Zhangsan Tech", description="第二条记录的较长描述")
    customers.email_add(party=second, acting_user=org.rep, email="info@zs.example.cn")
    interaction = customers.interaction_create(acting_user=org.rep, account=second, channel="phone", direction="inbound",
                                               started_at=timezone.now() - datetime.timedelta(days=1), reason="询价")
    from guanxi.sales import services as sales
    from guanxi.service import services as service

    sales.pipeline_create(acting_user=org.admin, name="标准销售流程", is_default=True,
                          stages=(("初步接洽", 10, False, False), ("赢单", 100, True, False), ("输单", 0, False, True)))
    deal = sales.opportunity_create(acting_user=org.rep, account=first, name="年度采购", amount=Decimal("1000"),
                                    expected_close_date=timezone.localdate())
    case = service.case_create(acting_user=org.rep, account=second, subject="发票问题", auto_assign=False)
    return {"first": first, "second": second, "contact": contact, "note": note, "interaction": interaction, "deal": deal, "case": case}


def test_three_way_merge_moves_rows_of_every_app_then_undo_restores_all(org, triplets):
    survivor, first, second = org.rep_account, triplets["first"], triplets["second"]
    before = {"industry": survivor.industry, "website": survivor.website, "name": survivor.name}
    record = services.merge_many(acting_user=org.admin, party="account", survivor=survivor, others=[first, second],
                                 values={"name": second.pk})
    assert record.head_id is None and [s.merged_id for s in services.merge_steps(record)] == [first.pk, second.pk]
    assert not Account.objects.filter(pk__in=[first.pk, second.pk]).exists()
    survivor.refresh_from_db()
    # the name chosen from the third record; the empty website from the second; the longest description; flags kept
    assert survivor.name == "Zhangsan Tech" and survivor.website == "https://zs.example.cn"
    assert survivor.description == "第二条记录的较长描述" and survivor.do_not_call is True and survivor.industry == "technology"
    assert set(PhoneNumber.objects.filter(account=survivor).values_list("number", flat=True)) == {"+8613812345678", "+862162340000"}
    assert EmailAddress.objects.filter(account=survivor, email="info@zs.example.cn").exists()
    assert Note.objects.get(pk=triplets["note"].pk).account_id == survivor.pk
    assert Interaction.objects.get(pk=triplets["interaction"].pk).account_id == survivor.pk
    for key in ("deal", "case"):
        triplets[key].refresh_from_db()
        assert triplets[key].account_id == survivor.pk
    assert AccountContact.objects.filter(account=survivor, contact=triplets["contact"]).exists()
    assert MatchKey.objects.filter(party="account", object_id=survivor.pk, kind="email", value="info@zs.example.cn").exists()

    services.merge_undo(merge=record, acting_user=org.admin)
    survivor.refresh_from_db()
    assert {k: getattr(survivor, k) for k in before} == before and survivor.description == "" and not survivor.do_not_call
    back1, back2 = Account.objects.get(pk=first.pk), Account.objects.get(pk=second.pk)
    assert (back1.name, back1.do_not_call, back2.description) == ("张三科技", True, "第二条记录的较长描述")
    assert list(PhoneNumber.objects.filter(account=survivor).values_list("number", flat=True)) == ["+8613812345678"]
    assert list(PhoneNumber.objects.filter(account=back1).values_list("number", flat=True)) == ["+862162340000"]
    assert Note.objects.get(pk=triplets["note"].pk).account_id == first.pk
    assert Interaction.objects.get(pk=triplets["interaction"].pk).account_id == second.pk
    triplets["deal"].refresh_from_db()
    triplets["case"].refresh_from_db()
    assert (triplets["deal"].account_id, triplets["case"].account_id) == (first.pk, second.pk)
    assert all(s.undone_at for s in MergeRecord.objects.all())
    with pytest.raises(ValidationError):
        services.merge_undo(merge=MergeRecord.objects.get(merged_id=second.pk), acting_user=org.admin)


def test_a_user_cannot_merge_records_out_of_sight(org, triplets):
    with pytest.raises(ValidationError) as info:
        services.merge_many(acting_user=org.manager, party="account", survivor=org.rep_account,
                            others=[triplets["first"], org.other_account])
    assert "merged" in info.value.message_dict
    assert Account.objects.filter(pk=triplets["first"].pk).exists()
    with pytest.raises(ValidationError) as info:
        services.merge_many(acting_user=org.admin, party="account", survivor=org.rep_account, others=[triplets["first"]],
                            values={"name": org.other_account.pk})
    assert "values" in info.value.message_dict
    # the pages and the API agree: no candidate, no comparison, no merge of a record one cannot see
    manager = _api(org.manager)
    response = manager.post("/api/merges/", {"party": "account", "survivor": org.rep_account.pk,
                                             "merged_ids": [triplets["first"].pk, org.other_account.pk]}, format="json")
    assert response.status_code == 400 and "merged_ids" in response.json()["error"]["fields"]
    assert Account.objects.filter(pk=org.other_account.pk).exists()


def test_merge_with_pages(org, triplets, client_for):
    client = client_for(org.manager)
    survivor, first, second = org.rep_account, triplets["first"], triplets["second"]
    page = client.get(f"/customers/accounts/{survivor.pk}/")
    assert f"/quality/merge/account/pick/?ids={survivor.pk}" in page.content.decode()
    pick = client.get("/quality/merge/account/pick/", {"ids": survivor.pk})
    assert pick.status_code == 200 and "张三科技" in pick.content.decode()  # a likely duplicate is suggested
    found = client.get("/quality/merge/account/pick/", {"ids": survivor.pk, "q": "北方"}, HTTP_HX_REQUEST="true")
    assert "北方重工" not in found.content.decode()  # the manager of east does not see the north's account
    found = client.get("/quality/merge/account/pick/", {"ids": survivor.pk, "q": "Zhangsan"}, HTTP_HX_REQUEST="true")
    assert f'data-add="{second.pk}"' in found.content.decode()
    ids = [survivor.pk, first.pk, second.pk]
    compare = client.get("/quality/merge/account/", {"ids": ids})
    html = compare.content.decode()
    assert compare.status_code == 200 and all(f'data-record="{pk}"' in html for pk in ids)
    assert client.get("/quality/merge/account/", {"ids": [survivor.pk, org.other_account.pk]}).status_code == 404
    response = client.post("/quality/merge/account/", {"ids": ids, "survivor": first.pk, "rule": "most_complete",
                                                      "field_name": survivor.pk})
    assert response.status_code == 302
    assert set(Account.objects.filter(pk__in=ids).values_list("pk", flat=True)) == {first.pk}
    assert Account.objects.get(pk=first.pk).name == "张三科技有限公司"
    head = MergeRecord.objects.get(head__isnull=True)
    detail = client.get(f"/quality/merges/{head.pk}/").content.decode()
    assert "Zhangsan Tech" in detail and "张三科技有限公司" in detail
    part = MergeRecord.objects.get(head=head)
    assert client.get(f"/quality/merges/{part.pk}/").status_code == 302
    listing = client.get("/quality/merges/").content.decode()
    assert listing.count(f"/quality/merges/{head.pk}/") == 1 and f"/quality/merges/{part.pk}/" not in listing
    assert client.post(f"/quality/merges/{head.pk}/undo/").status_code == 302
    assert Account.objects.filter(pk__in=ids).count() == 3


def test_review_queue_cluster_merges_at_once(org, client_for):
    records = [customers.account_create(acting_user=org.rep, name=name) for name in ("星辰数据有限公司", "星辰数据", "星辰数据公司")]
    run = DedupeRun.objects.create(party="account", started_by=org.admin)
    a, b, c = (r.pk for r in records)
    for left, right in ((a, b), (a, c), (b, c)):
        DuplicatePair.objects.create(run=run, party="account", left_id=left, right_id=right, probability=Decimal("0.97"), cluster="k1")
    client = client_for(org.manager)
    queue = client.get("/quality/review/", {"party": "account"}).content.decode()
    assert 'data-cluster="k1"' in queue and f"ids={a}&amp;ids={b}&amp;ids={c}" in queue
    response = client.post("/quality/merge/account/", {"ids": [a, b, c], "survivor": a})
    assert response.status_code == 302
    assert not DuplicatePair.objects.filter(status="open").exists()
    assert DuplicatePair.objects.filter(status="merged").count() >= 2
    assert 'data-cluster="k1"' not in client.get("/quality/review/", {"party": "account"}).content.decode()


def _api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_api_merges_several_and_undoes_them(org, triplets):
    api = _api(org.admin)
    first, second = triplets["first"], triplets["second"]
    response = api.post("/api/merges/", {"party": "account", "survivor": org.rep_account.pk, "merged_ids": [first.pk, second.pk],
                                         "rule": "most_recent", "values": {"website": org.rep_account.pk}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [s["merged_id"] for s in body["steps"]] == [first.pk, second.pk]
    assert Account.objects.get(pk=org.rep_account.pk).website == ""
    listed = api.get("/api/merges/").json()
    assert [m["id"] for m in listed["results"]] == [body["id"]]
    assert api.post(f"/api/merges/{body['id']}/undo/").status_code == 200
    assert Account.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
