"""The bulk path's writer (COPY on PostgreSQL, executemany elsewhere) and the fast normalizers it uses."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Account, Address, Contact, EmailAddress, PhoneNumber, TimelineEvent
from guanxi.framework.text import InvalidPhone, normalize_phone, phone_kind, phone_search_keys, pinyin_keys
from guanxi.quality import services
from guanxi.quality.importer import bulk, runner, tables
from guanxi.quality.models import ImportedRecord, MatchKey
from guanxi.quality.normalizers.email import validate_email
from guanxi.quality.normalizers.phone import _is_plain_mobile, fast_cn_mobile, kind_and_search_keys, to_e164
from guanxi.quality.normalizers.pinyin import name_pinyin_keys

from .conftest import fail_insert, resume, run_queued, upload

HEADER = ["姓名", "手机", "邮箱", "公司", "职位", "地址", "生日", "性别"]
ROWS = [
    HEADER,
    ["王 五", "139 0000 1111", "WANG@Example.com", "张三科技有限公司", "采购经理", "上海市徐汇区漕溪北路88号", "1990-05-31", "男"],
    ["Li Lei", "+86 (21) 6481 2345", "li@例子.中国", "", "", "杭州西湖区文三路1号", "", ""],
    ["单于平", "0086-137-1234-5678", "", "", "工程师", "", "1985/1/2", "female"],
]


def _rows_of(contact_ids):
    """Everything the import wrote for these contacts, ids and times left out, in a comparable form."""
    def values(qs, *fields):
        return sorted(tuple(str(v) for v in row) for row in qs.values_list(*fields))

    order = {pk: i for i, pk in enumerate(sorted(contact_ids))}
    contacts = Contact.objects.filter(pk__in=contact_ids).order_by("pk")
    fields = [f.attname for f in Contact._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")]
    return {
        "contacts": [tuple(getattr(c, f) for f in fields) for c in contacts],
        "phones": values(PhoneNumber.objects.filter(contact_id__in=contact_ids), "number", "kind", "is_primary", "extension"),
        "emails": values(EmailAddress.objects.filter(contact_id__in=contact_ids), "email", "kind", "is_primary"),
        "addresses": values(Address.objects.filter(contact_id__in=contact_ids), "province", "city", "district", "street", "country", "kind"),
        "keys": sorted((order[o], k, v) for o, k, v in MatchKey.objects.filter(
            party="contact", object_id__in=contact_ids).values_list("object_id", "kind", "value")),
        "audit": [(e.action, e.source, e.changes) for e in sorted(AuditEntry.objects.filter(
            content_type__model="contact", object_id__in=[str(i) for i in contact_ids]), key=lambda e: int(e.object_id))],
        "timeline": sorted((t.kind, t.title, t.data["name"], t.actor_id) for t in TimelineEvent.objects.filter(
            url__in=[c.get_absolute_url() for c in contacts])),
    }


@pytest.mark.django_db
def test_copy_writes_the_same_rows_as_the_portable_path(org, import_file, monkeypatch):
    copied = import_file(org.rep, ROWS, name="copy.csv")
    copied_ids = list(copied.records.filter(model="contact").values_list("object_id", flat=True))
    first = _rows_of(copied_ids)
    for pk in copied_ids:
        customers.contact_delete(contact=Contact.objects.get(pk=pk), acting_user=org.rep)
    monkeypatch.setattr(tables, "COPY", False)
    portable = import_file(org.rep, ROWS, name="portable.csv")
    portable_ids = list(portable.records.filter(model="contact").values_list("object_id", flat=True))
    assert (copied.created_count, portable.created_count, portable.error_count) == (3, 3, 0)
    second = _rows_of(portable_ids)
    # the audit rows name the record; everything else is equal field by field
    for a, b in zip(first["audit"], second["audit"]):
        assert a == b
    assert first == second
    contact = Contact.objects.get(pk__in=portable_ids, name="王 五")
    assert (contact.birthday.isoformat(), contact.gender, contact.primary_phone) == ("1990-05-31", "male", "+8613900001111")
    assert contact.created_at is not None and contact.created_at == contact.updated_at


@pytest.mark.django_db
def test_reserved_ids_are_never_reused(org, import_file):
    gone = customers.contact_create(acting_user=org.rep, name="删掉的")
    gone_pk = gone.pk
    customers.contact_delete(contact=gone, acting_user=org.rep)
    batch = import_file(org.rep, ROWS)
    ids = sorted(batch.records.values_list("object_id", flat=True))
    assert ids[0] > gone_pk and len(set(ids)) == 3
    later = customers.contact_create(acting_user=org.rep, name="之后的")  # the table's own ids go on after them
    assert later.pk > ids[-1]


@pytest.mark.django_db
def test_checks_name_the_field_and_keep_the_good_rows(org, import_file):
    rows = [["姓名", "地址", "生日", "性别", "职位"],
            ["好人", "上海市徐汇区" + "长" * 210, "", "", ""],
            ["坏生日", "", "1990-13-40", "", ""],
            ["坏性别", "", "", "外星人", ""],
            ["长职位", "", "", "", "经理" * 60],
            ["好人二", "上海市徐汇区漕溪北路88号", "", "", "经理"]]
    batch = import_file(org.rep, rows)
    assert (batch.created_count, batch.error_count) == (1, 4)
    errors = {e.row_number: (e.field, e.reason) for e in batch.row_errors.all()}
    assert errors[2][0].startswith("地址") and "200" in errors[2][1]
    assert errors[3][0].startswith("生日") and errors[4][0].startswith("性别")
    assert errors[5][0].startswith("职位") and "100" in errors[5][1]
    assert list(Contact.objects.filter(pk__in=batch.records.values("object_id")).values_list("name", flat=True)) == ["好人二"]


@pytest.mark.django_db
def test_account_checks_and_derived_fields(org, import_file):
    rows = [["名称", "网站", "员工数", "地址", "电话"],
            ["新世界贸易有限公司", "https://example.cn", "120", "浙江省杭州市西湖区文三路1号", "0571-8888 1234"],
            ["坏网站公司", "not a url", "", "", ""],
            ["负员工公司", "", "-5", "", ""]]
    batch = import_file(org.rep, rows, target="accounts", name="a.csv")
    assert (batch.created_count, batch.error_count) == (1, 2)
    assert {e.field.split(" (")[0] for e in batch.row_errors.all()} == {"网站", "员工数"}
    account = Account.objects.get(name="新世界贸易有限公司")
    assert (account.province, account.city, account.primary_phone) == ("浙江省", "杭州市", "+8657188881234")
    assert account.phonenumber_set.get().kind == phone_kind("+8657188881234")
    entry = AuditEntry.objects.get(content_type__model="account", object_id=str(account.pk))
    assert entry.changes["employees"] == [None, 120] and entry.changes["website"] == [None, "https://example.cn"]
    assert ("company", "新世界贸易") in MatchKey.objects.filter(party="account", object_id=account.pk).values_list("kind", "value")


@pytest.mark.django_db
@pytest.mark.parametrize("crash_at", [AuditEntry, ImportedRecord], ids=["audit", "records"])
def test_crash_at_the_last_writes_of_a_chunk_resumes_without_duplicates(org, monkeypatch, django_capture_on_commit_callbacks, crash_at):
    monkeypatch.setattr(runner, "CHUNK_ROWS", 10)
    rows = [["姓名", "手机"]] + [[f"续传{i:03d}", f"136{i:08d}"] for i in range(25)]
    batch = upload(org.rep, rows)
    services.batch_configure(batch=batch, acting_user=org.rep, mapping=batch.mapping, mode="skip", key="phone")
    restore_insert = fail_insert(monkeypatch, crash_at, 2)
    job = run_queued(django_capture_on_commit_callbacks, lambda: services.batch_start(batch=batch, acting_user=org.rep))
    assert job.status == "failed"
    assert Contact.objects.filter(name__startswith="续传").count() == 10
    batch.refresh_from_db()
    restore_insert()
    batch = resume(django_capture_on_commit_callbacks, batch, org.rep)
    assert (batch.created_count, batch.skipped_count) == (25, 0)
    assert Contact.objects.filter(name__startswith="续传").count() == 25
    assert PhoneNumber.objects.filter(number__startswith="+861360000").count() == 25
    assert batch.records.count() == 25
    assert AuditEntry.objects.filter(content_type__model="contact", object_id__in=[
        str(i) for i in batch.records.values_list("object_id", flat=True)]).count() == 25


# --- the fast normalizers give the library's answers ---------------------------------------------

def test_fast_mobile_path_equals_phonenumbers_on_every_prefix():
    rng = random.Random(5)
    fast = 0
    for prefix in range(130, 200):
        for _ in range(40):
            number = f"{prefix}{rng.randint(0, 10**8 - 1):08d}"
            for text in (number, f"+86 {number[:3]} {number[3:7]} {number[7:]}", f"0086-{number}", f"{number[:3]}.{number[3:]}",
                         "１３９００００１１１１" if prefix == 139 else number):
                try:
                    expected = normalize_phone(text)
                except InvalidPhone:
                    expected = None
                got = fast_cn_mobile(text)
                if got is not None:
                    fast += 1
                    assert got == expected, text
                    assert kind_and_search_keys(got) == (phone_kind(got), phone_search_keys(got))
                assert (to_e164(text) if expected else None) == expected
    assert fast > 5000  # most Chinese mobiles take the fast path


def _plain_mobile_by_each_pattern(national: str) -> bool:
    """The CN metadata's test written out: general and mobile match, none of the other types does."""
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")

    def matches(desc):
        if desc is None or desc.national_number_pattern is None:
            return False
        lengths = desc.possible_length
        if lengths and lengths != (-1,) and len(national) not in lengths:
            return False
        return re.fullmatch(desc.national_number_pattern, national) is not None

    others = [meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip, meta.personal_number, meta.pager,
              meta.uan, meta.voicemail, meta.fixed_line]
    return matches(meta.general_desc) and matches(meta.mobile) and not any(matches(d) for d in others)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.from_regex(r"[0-9]{5,13}", fullmatch=True)))
def test_combined_patterns_decide_as_each_pattern_does(national):
    _is_plain_mobile.cache_clear()
    assert _is_plain_mobile(national) == _plain_mobile_by_each_pattern(national)
    assert _is_plain_mobile(national) == _plain_mobile_by_each_pattern(national)  # and again, from the cache


@pytest.mark.parametrize("text", ["021-6481 2345", "+1 650 253 0000", "12345", "139 0000 1111 ext. 12", "86 139 0000 1111"])
def test_other_numbers_go_through_the_library(text):
    try:
        expected = normalize_phone(text)
    except InvalidPhone:
        with pytest.raises(InvalidPhone):
            to_e164(text)
    else:
        assert to_e164(text) == expected
        assert kind_and_search_keys(expected) == (phone_kind(expected), phone_search_keys(expected))


_CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=4)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_CJK, st.sampled_from(["单于", "重庆", "曾", "银行行长", "长乐", "王 五", "Li Lei", "张3", "尉迟恭", "ＡＢＣ"]), st.text(max_size=6)))
def test_pinyin_fast_path_equals_pinyin_keys(name):
    assert name_pinyin_keys(name) == pinyin_keys(name)


@pytest.mark.parametrize("raw", ["a@b.cn", "A.B+c@Example.COM", "张三@例子.中国", "bad@", "x@-bad.com", "x@1.2", "a b@c.cn",
                                 "x@[127.0.0.1]", "quote\"@x.cn", "u@xn--fsqu00a.xn--fiqs8s"])
def test_email_validation_is_djangos(raw):
    from django.core.exceptions import ValidationError
    from django.core.validators import EmailValidator

    from guanxi.quality.normalizers.email import _ascii_domain, normalize_email

    try:
        address = normalize_email(raw)
        local, _sep, domain = address.rpartition("@")
        EmailValidator()(f"{local if local.isascii() else 'x'}@{_ascii_domain(domain)}")
        expected = address
    except Exception:
        expected = None
    try:
        got = validate_email(raw)
    except ValidationError:
        got = None
    assert got == expected


@pytest.mark.django_db
def test_match_key_statistics_are_refreshed_during_a_keyed_import(org, import_file, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(runner, "CHUNK_ROWS", 2)
    monkeypatch.setattr(runner, "ANALYZE_EVERY", 2)
    rows = [["姓名", "手机"]] + [[f"统计{i}", f"135{i:08d}"] for i in range(7)]
    with CaptureQueriesContext(connection) as queries:
        batch = import_file(org.rep, rows, mode="skip", key="phone")
    assert batch.created_count == 7
    analyzed = [q for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    # after the first chunk and every second one (chunks 1, 2, 4 of 4); PostgreSQL only
    assert len(analyzed) == (3 if connection.vendor == "postgresql" else 0)


@pytest.mark.django_db
def test_a_chunk_the_database_refuses_is_redone_row_by_row(org, import_file, monkeypatch):
    real_insert = bulk._insert

    def refusing_insert(model, rows):
        if model is PhoneNumber:  # a NULL number: the database refuses the whole write
            i = tables.table(PhoneNumber).index["number"]
            rows = [row[:i] + [None] + row[i + 1:] for row in rows]
        return real_insert(model, rows)

    monkeypatch.setattr(bulk, "_insert", refusing_insert)
    batch = import_file(org.rep, [["姓名", "手机"], ["拒绝一", "13400000001"], ["拒绝二", "13400000002"], ["拒绝三", "bad"]])
    assert (batch.created_count, batch.error_count) == (2, 1)
    assert set(PhoneNumber.objects.filter(number__startswith="+86134000000").values_list("number", flat=True)) == {
        "+8613400000001", "+8613400000002"}
    assert Contact.objects.filter(name__startswith="拒绝").count() == 2
    # written through the services this time: the phones have audit rows of their own
    assert AuditEntry.objects.filter(content_type__model="phonenumber", action="create").count() >= 2
