"""Normalizers: addresses against the division reference, company keys, e-mail keys; properties with hypothesis."""

from __future__ import annotations


import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.customers.models import Contact
from guanxi.quality.normalizers import InvalidEmail, company_key, email_key, normalize_email, parse_address
from guanxi.quality.normalizers.address import reference, short_name
from guanxi.quality.normalizers.email import validate_email


@pytest.mark.parametrize("text, expected", [
    ("浙江省杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    ("上海市徐汇区虹漕路461号58号楼5楼", ("上海市", "上海市", "徐汇区", "虹漕路461号58号楼5楼")),
    ("徐汇区虹漕路461号", ("上海市", "上海市", "徐汇区", "虹漕路461号")),
    ("泉州市洛江区万安塘西工业区", ("福建省", "泉州市", "洛江区", "万安塘西工业区")),
    ("广西南宁青秀区民族大道", ("广西壮族自治区", "南宁市", "青秀区", "民族大道")),
    ("中国 北京 朝阳区 建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("湖北省仙桃市沙嘴街道", ("湖北省", "仙桃市", "", "沙嘴街道")),
    ("吉林省延边朝鲜族自治州延吉市", ("吉林省", "延边朝鲜族自治州", "延吉市", "")),
    ("淮海中路1号", ("", "", "", "淮海中路1号")),
    ("", ("", "", "", "")),
])
def test_parse_address(text, expected):
    parsed = parse_address(text)
    assert (parsed.province, parsed.city, parsed.district, parsed.street) == expected


def test_reference_is_complete_enough():
    ref = reference()
    assert len(ref.by_level["province"]) == 34
    assert len(ref.by_level["city"]) > 330
    assert len(ref.by_level["district"]) > 2800


_DISTRICTS = [d for d in reference().by_level["district"] if reference().by_code[d.parent].level == "city"]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(_DISTRICTS) - 1), st.sampled_from(["", "人民路1号", "科技园3栋201室"]),
       st.booleans(), st.booleans())
def test_any_full_address_parses_back_to_its_division(index, street, short, spaced):
    ref = reference()
    district = _DISTRICTS[index]
    city = ref.by_code[district.parent]
    province = ref.by_code[city.parent]
    names = [short_name(province.name), city.name, district.name] if short else [province.name, city.name, district.name]
    text = (" " if spaced else "").join(names) + street
    parsed = parse_address(text)
    assert (parsed.province, parsed.city, parsed.district) == (province.name, city.name, district.name)
    assert parsed.street == street
    assert parsed.adcode == district.code


_CORE = st.text(alphabet="张王李赵科技贸易华东星辰云端数据ABCXYZ", min_size=2, max_size=8)


@settings(max_examples=200, deadline=None)
@given(_CORE, st.sampled_from(["有限公司", "股份有限公司", "有限责任公司", "集团", "集团有限公司", " Co., Ltd.", " Inc.", " LLC", " GmbH", ""]),
       st.booleans())
def test_company_key_ignores_legal_form_width_and_case(core, form, wide):
    if not core.strip("有限公司集团"):
        return
    name = core + form
    if wide:
        name = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    assert company_key(name) == company_key(core)
    assert company_key(name) == company_key(company_key(name))  # idempotent


@pytest.mark.parametrize("a, b", [("张三科技有限公司", "张三科技（上海）股份有限公司"), ("ACME Co., Ltd.", "acme inc"), ("Siemens AG", "SIEMENS")])
def test_company_key_examples(a, b):
    assert company_key(a) == company_key(b)


_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-张三", min_size=1, max_size=20).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
_DOMAIN = st.sampled_from(["example.com", "Example.CN", "例子.中国", "mail.公司.cn", "xn--fsqu00a.xn--fiqs8s"])


@settings(max_examples=200, deadline=None)
@given(_LOCAL, _DOMAIN)
def test_email_key_is_case_insensitive_and_idempotent(local, domain):
    address = f"{local}@{domain}"
    key = email_key(address)
    assert key == email_key(address.upper()) == email_key(address.lower())
    assert key == email_key(key)
    assert key.isascii() or not local.isascii()
    assert validate_email(address)


def test_idn_domain_equals_its_punycode():
    assert email_key("张三@例子.中国") == email_key("张三@XN--FSQU00A.xn--fiqs8s")


@pytest.mark.parametrize("bad", ["", "plain", "a@b", "a@@b.cn", "a b@c.cn", "a@-bad-.cn", "a@b.123", "@b.cn", "a@"])
def test_bad_emails(bad):
    with pytest.raises(InvalidEmail):
        normalize_email(bad)
    with pytest.raises(ValidationError) as info:
        validate_email(bad)
    assert "email" in info.value.message_dict


@pytest.mark.django_db
def test_import_parses_one_line_addresses(org, import_file):
    rows = [["姓名", "地址", "邮箱"], ["地址人", "浙江杭州市西湖区文三路90号", "Di.Zhi@例子.中国"]]
    import_file(org.rep, rows)
    contact = Contact.objects.get(name="地址人")
    address = contact.address_set.get()
    assert (address.province, address.city, address.district, address.street) == ("浙江省", "杭州市", "西湖区", "文三路90号")
    assert contact.primary_email == "di.zhi@例子.中国"
