"""What a column can be imported into, how its text becomes a value, and which header means which field."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from guanxi.customers import choices as c
from guanxi.framework.text import fold

from ..choices import ImportKey, ImportTarget

PARTY, CHILD, LINK, KEY = "party", "child", "link", "key"


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    role: str = PARTY  # party: passed to the service; child: phone/e-mail/address; link: the contact's account
    kind: str = "text"  # text, choice, int, decimal, date, bool, user
    choices: type | None = None


ADDRESS_FIELDS = (
    Field("address", _("address (one line, parsed)"), CHILD),
    Field("province", _("province"), CHILD), Field("city", _("city"), CHILD), Field("district", _("district"), CHILD),
    Field("street", _("street"), CHILD), Field("postal_code", _("postal code"), CHILD),
)
COMMON = (
    Field("phone", _("phone"), CHILD), Field("email", _("e-mail"), CHILD), *ADDRESS_FIELDS,
    Field("owner", _("owner (user name)"), PARTY, "user"), Field("description", _("description"), PARTY),
    Field("id", _("ID (to update)"), KEY, "int"),
)
FIELDS: dict[str, tuple[Field, ...]] = {
    ImportTarget.ACCOUNTS: (
        Field("name", _("name")),
        Field("kind", _("type"), kind="choice", choices=c.AccountKind),
        Field("industry", _("industry"), kind="choice", choices=c.Industry),
        Field("source", _("source"), kind="choice", choices=c.AccountSource),
        Field("lifecycle_stage", _("lifecycle stage"), kind="choice", choices=c.LifecycleStage),
        Field("value_tier", _("value tier"), kind="choice", choices=c.ValueTier),
        Field("credit_rating", _("credit rating"), kind="choice", choices=c.CreditRating),
        Field("website", _("website")),
        Field("employees", _("employees"), kind="int"),
        Field("annual_revenue", _("annual revenue"), kind="decimal"),
        Field("currency", _("currency")),
        *COMMON,
    ),
    ImportTarget.CONTACTS: (
        Field("name", _("name")),
        Field("family_name", _("family name")),
        Field("given_name", _("given name")),
        Field("title", _("job title")),
        Field("department", _("department")),
        Field("gender", _("gender"), kind="choice", choices=c.Gender),
        Field("birthday", _("birthday"), kind="date"),
        Field("account", _("account (name)"), LINK),
        Field("account_id", _("account (ID)"), LINK, "int"),
        Field("role", _("role at the account"), LINK, "choice", c.ContactRole),
        *COMMON,
    ),
}
#: which keys a target may be matched by
KEYS = {
    ImportTarget.ACCOUNTS: (ImportKey.NAME, ImportKey.PHONE, ImportKey.EMAIL, ImportKey.ID),
    ImportTarget.CONTACTS: (ImportKey.PHONE, ImportKey.EMAIL, ImportKey.NAME, ImportKey.ID),
}

# Header words, folded, that suggest a field (English, Chinese, and common CRM export names).
SYNONYMS = {
    "name": ["name", "名称", "姓名", "客户名称", "公司名称", "客户", "公司", "full name", "company", "account name", "contact name"],
    "family_name": ["family name", "last name", "surname", "姓"],
    "given_name": ["given name", "first name", "名"],
    "title": ["title", "job title", "职位", "职务", "头衔"],
    "department": ["department", "部门"],
    "gender": ["gender", "sex", "性别"],
    "birthday": ["birthday", "date of birth", "dob", "生日", "出生日期"],
    "account": ["account", "company", "所属客户", "公司", "单位", "公司名称", "客户名称"],
    "account_id": ["account id", "客户编号", "客户id"],
    "role": ["role", "角色"],
    "phone": ["phone", "mobile", "tel", "telephone", "电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "座机"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件"],
    "province": ["province", "state", "省", "省份"],
    "city": ["city", "城市", "市"],
    "district": ["district", "county", "区", "区县", "县"],
    "address": ["address", "地址", "通讯地址", "联系地址", "公司地址", "办公地址"],
    "street": ["street", "详细地址", "街道"],
    "postal_code": ["postal code", "postcode", "zip", "zip code", "邮编", "邮政编码"],
    "owner": ["owner", "负责人", "所有者", "销售"],
    "description": ["description", "notes", "note", "备注", "描述", "说明"],
    "industry": ["industry", "行业"],
    "source": ["source", "lead source", "来源", "客户来源"],
    "kind": ["type", "account type", "类型", "客户类型"],
    "website": ["website", "web", "url", "网站", "网址"],
    "employees": ["employees", "员工数", "员工人数", "人数"],
    "annual_revenue": ["annual revenue", "revenue", "年收入", "年营业额", "营业额"],
    "currency": ["currency", "币种", "货币"],
    "lifecycle_stage": ["lifecycle stage", "stage", "生命周期", "阶段"],
    "value_tier": ["value tier", "tier", "价值等级", "客户等级"],
    "credit_rating": ["credit rating", "credit", "信用等级", "信用评级"],
    "id": ["id", "编号"],
}


def fields_for(target: str) -> tuple[Field, ...]:
    return FIELDS[target]


def field_map(target: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS[target]}


def guess_mapping(target: str, columns: list[str]) -> dict[str, str]:
    """column -> field for the headers that name a field of ``target``; each field used once."""
    names = field_map(target)
    if target == ImportTarget.ACCOUNTS:
        names.pop("account", None)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for column in columns:
        folded = fold(column).replace("_", " ")
        for field, words in SYNONYMS.items():
            if field in names and field not in taken and folded in words:
                # "公司" on a contacts sheet is the contact's account, not its name
                if field == "name" and target == ImportTarget.CONTACTS and folded in SYNONYMS["account"]:
                    continue
                out[column] = field
                taken.add(field)
                break
    return out


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S")


def _choice(field: Field, raw: str) -> str:
    wanted = fold(raw)
    for value, label in field.choices.choices:
        if wanted == fold(value):
            return value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                if wanted == fold(str(label)):
                    return value
    allowed = ", ".join(str(label) for _v, label in field.choices.choices)
    raise ValidationError({field.name: _("“%(value)s” is not one of: %(allowed)s.") % {"value": raw, "allowed": allowed}})


def convert(field: Field, raw: str, users: dict[str, object]):
    """The value of a cell for ``field``; a ``ValidationError`` naming the field when it cannot be read."""
    try:
        if field.kind == "choice":
            return _choice(field, raw)
        if field.kind == "int":
            return int(Decimal(raw.replace(",", "")))
        if field.kind == "decimal":
            return Decimal(re.sub(r"[,\s¥￥$]", "", raw))
        if field.kind == "date":
            for fmt in _DATE_FORMATS:
                try:
                    return datetime.datetime.strptime(raw, fmt).date()
                except ValueError:
                    continue
            raise ValueError(raw)
        if field.kind == "user":
            user = users.get(raw.casefold())
            if user is None:
                raise ValidationError({field.name: _("There is no active user “%(name)s”.") % {"name": raw}})
            return user
    except (ValueError, InvalidOperation, ArithmeticError):
        messages = {
            "int": _("“%(value)s” is not a whole number."),
            "decimal": _("“%(value)s” is not a number."),
            "date": _("“%(value)s” is not a date (write it as 2024-05-31)."),
        }
        raise ValidationError({field.name: messages[field.kind] % {"value": raw}}) from None
    return raw
