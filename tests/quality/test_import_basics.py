"""Importing contacts and accounts: encodings, mapping, modes, bad rows, dry run."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Account, Contact, PhoneNumber
from guanxi.quality import services
from guanxi.quality.importer.reading import detect_encoding

from .conftest import upload

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "邮箱", "公司", "职位"]


def test_gbk_file_is_detected_and_imported(org, import_file):
    rows = [HEADER, ["王五", "139 0000 1111", "WANG@Example.com", "张三科技有限公司", "采购经理"], ["赵六", "13900002222", "", "", "工程师"]]
    batch = import_file(org.rep, rows, encoding="gbk", name="联系人.csv")
    assert batch.encoding == "gb18030"
    assert batch.mapping == {"姓名": "name", "手机": "phone", "邮箱": "email", "公司": "account", "职位": "title"}
    assert (batch.created_count, batch.error_count, batch.status) == (2, 0, "done")
    wang = Contact.objects.get(name="王五")
    assert wang.primary_phone == "+8613900001111"
    assert wang.primary_email == "wang@example.com"
    assert wang.title == "采购经理"
    assert wang.account_links.get().account == org.rep_account
    assert wang.name_pinyin == "wangwu"


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_encodings(encoding, expected):
    sample = "姓名,电话\n张三,13812345678\n李四𠀀,13812345679\n".encode(encoding) if encoding == "gb18030" else "姓名,电话\n张三,13812345678\n".encode(encoding)
    assert detect_encoding(sample) == expected


def test_bad_rows_are_reported_and_good_rows_land(org, import_file):
    rows = [HEADER, ["好人", "13900003333", "", "", ""], ["坏号码", "12345", "", "", ""], ["", "13900004444", "", "", ""],
            ["没客户", "", "", "不存在公司", ""], ["好人二", "", "bad-email", "", ""]]
    batch = import_file(org.rep, rows)
    assert batch.created_count == 1
    assert batch.error_count == 4
    errors = {(e.row_number, e.field.split(" (")[0]) for e in batch.row_errors.all()}
    assert errors == {(3, "手机"), (4, "姓名"), (5, "公司"), (6, "邮箱")}
    assert Contact.objects.filter(name="好人").exists()
    assert not Contact.objects.filter(name__in=["坏号码", "没客户", "好人二"]).exists()  # a bad row leaves nothing half-written


def test_error_report_names_row_field_and_reason(org, import_file, client_for):
    batch = import_file(org.rep, [HEADER, ["坏号码", "12345", "", "", ""]])
    response = client_for(org.rep).get(f"/quality/imports/{batch.pk}/errors.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "2,手机 (" in text and "12345" in text


def test_import_equals_what_the_services_produce(org, import_file):
    rows = [["name", "phone", "email", "province", "city", "street"], ["Ｗｉｄｇｅｔ　Ｃｏ", "(021) 6234-5678", "Sales@Widget.CN", "上海市", "上海市", "南京西路1号"]]
    batch = import_file(org.rep, rows, target="accounts", name="a.csv")
    imported = Account.objects.get(pk=batch.records.get(model="account").object_id)
    by_hand = customers.account_create(acting_user=org.rep, name="Ｗｉｄｇｅｔ　Ｃｏ")
    customers.phone_add(party=by_hand, acting_user=org.rep, number="(021) 6234-5678")
    customers.email_add(party=by_hand, acting_user=org.rep, email="Sales@Widget.CN")
    customers.address_add(party=by_hand, acting_user=org.rep, province="上海市", city="上海市", street="南京西路1号")
    by_hand.refresh_from_db()
    keys = ("name", "name_pinyin", "name_initials", "search_text", "primary_phone", "primary_email", "province", "city", "territory_id", "owner_id")
    assert {k: getattr(imported, k) for k in keys} == {k: getattr(by_hand, k) for k in keys}
    assert imported.name == "Widget Co"
    from guanxi.quality.models import MatchKey

    def keys(account):
        return sorted(MatchKey.objects.filter(party="account", object_id=account.pk).values_list("kind", "value"))

    assert keys(imported) == keys(by_hand) and ("phone", "+862162345678") in keys(imported)
    entry = AuditEntry.objects.filter(object_id=str(imported.pk), content_type__model="account", action="create").get()
    assert entry.source == "import" and f"batch {batch.pk}" in entry.source_detail


def test_skip_duplicates_by_phone(org, import_file):
    rows = [HEADER, ["张三", "13812345678", "", "", ""], ["新人", "13900005555", "", "", ""], ["新人重复", "139 0000 5555", "", "", ""]]
    batch = import_file(org.rep, rows, target="contacts", mode="skip", key="phone")
    # 13812345678 belongs to an account, not a contact: the contact 张三 has no phone, so row 2 is new
    assert (batch.created_count, batch.skipped_count) == (2, 1)
    assert PhoneNumber.objects.filter(number="+8613900005555").count() == 1


def test_update_by_key_records_old_values(org, import_file):
    customers.email_add(party=org.rep_contact, acting_user=org.rep, email="zhangsan@example.com")
    rows = [["email", "title", "department"], ["ZhangSan@example.com", "董事长", "总部"], ["new@example.com", "", ""]]
    batch = import_file(org.rep, rows, mode="update", key="email", mapping={"email": "email", "title": "title", "department": "department"})
    assert (batch.updated_count, batch.error_count) == (1, 1)  # the second row has no name to create with
    org.rep_contact.refresh_from_db()
    assert (org.rep_contact.title, org.rep_contact.department) == ("董事长", "总部")
    record = batch.records.get(action="updated")
    assert record.changes["title"] == ["总经理", "董事长"]


def test_update_cannot_reach_records_outside_scope(org, import_file):
    """rep cannot see 李四 (other's contact): matching by name finds nothing, so a new contact is created."""
    rows = [["name", "title"], ["李四", "被改了"]]
    batch = import_file(org.rep, rows, mode="update", key="name")
    assert (batch.updated_count, batch.created_count) == (0, 1)
    org.other_contact.refresh_from_db()
    assert org.other_contact.title == ""


def test_dry_run_writes_nothing_but_reports(org, import_file):
    rows = [HEADER, ["干跑", "13900006666", "", "", ""], ["坏", "123", "", "", ""]]
    before = Contact.objects.count()
    batch = import_file(org.rep, rows, dry_run=True)
    assert (batch.created_count, batch.error_count, batch.dry_run) == (1, 1, True)
    assert Contact.objects.count() == before
    assert not batch.records.exists()


def test_mapping_errors_name_the_field(org):
    batch = upload(org.rep, [["a", "b"], ["1", "2"]])
    with pytest.raises(Exception) as info:
        services.batch_configure(batch=batch, acting_user=org.rep, mapping={"a": "title", "zz": "name"}, mode="update", key="phone")
    errors = info.value.message_dict
    assert "mapping" in errors and "key" in errors


def test_xlsx(org, import_file):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "生日"])
    import datetime

    sheet.append(["表格人", 13900007777, datetime.datetime(1990, 5, 17)])
    handle = io.BytesIO()
    book.save(handle)
    batch = import_file(org.rep, handle.getvalue(), name="c.xlsx", mapping={"姓名": "name", "手机": "phone", "生日": "birthday"})
    contact = Contact.objects.get(name="表格人")
    assert contact.primary_phone == "+8613900007777"
    assert contact.birthday.isoformat() == "1990-05-17"
    assert batch.encoding == ""
