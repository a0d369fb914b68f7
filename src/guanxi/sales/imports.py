"""Lead import from CSV (any encoding: UTF-8, GBK … detected) or Excel: each row through ``lead_create``.

Columns are matched by header, in English or Chinese (``name``/``姓名``, ``company``/``公司`` …).
A bad row is reported with its line number and the field's reason; the good rows are kept. Every
lead is audited with the source "import" and assigned by the rules like any other new lead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source
from guanxi.framework.services import field_errors

from . import services
from .choices import LeadRating, LeadSource

MAX_ROWS = 5000
HEADERS = {
    "name": ("name", "姓名", "联系人"), "company": ("company", "公司", "公司名称", "单位"), "title": ("title", "job title", "职务", "职位"),
    "phone": ("phone", "mobile", "电话", "手机", "手机号"), "email": ("email", "e-mail", "邮箱", "电子邮箱"),
    "source": ("source", "来源"), "campaign": ("campaign", "活动", "营销活动"), "rating": ("rating", "评级"),
    "industry": ("industry", "行业"), "employees": ("employees", "员工人数"), "budget": ("budget", "预算"),
    "province": ("province", "省份", "省"), "city": ("city", "城市", "市"), "description": ("description", "notes", "备注", "描述"),
}
LOOKUP = {alias.casefold(): key for key, aliases in HEADERS.items() for alias in aliases}


@dataclass
class ImportResult:
    created: int = 0
    errors: list[dict] = field(default_factory=list)


def _rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    best = from_bytes(data).best()
    text = str(best) if best is not None else data.decode("utf-8", errors="replace")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _choice(value: str, choices) -> str:
    folded = value.strip().casefold()
    for key, label in choices:
        if folded in (key.casefold(), str(label).casefold()):
            return key
    return value.strip()


def import_leads(*, acting_user, data: bytes, filename: str) -> ImportResult:
    result = ImportResult()
    rows = _rows(data, filename)
    if not rows:
        result.errors.append({"line": 1, "field": "", "message": _("The file is empty.")})
        return result
    columns = [LOOKUP.get(h.strip().casefold()) for h in rows[0]]
    if "name" not in columns:
        result.errors.append({"line": 1, "field": "name", "message": _("No “name” (姓名) column in the first row.")})
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append({"line": 1, "field": "", "message": _("At most %(max)d rows at a time.") % {"max": MAX_ROWS}})
        return result
    with change_source("import", detail=filename[:100]):
        for number, row in enumerate(rows[1:], start=2):
            values = {key: (row[i] if i < len(row) else "").strip() for i, key in enumerate(columns) if key}
            if not any(values.values()):
                continue
            data_ = {k: v for k, v in values.items() if v != ""}
            try:
                if "source" in data_:
                    data_["source"] = _choice(data_["source"], LeadSource.choices)
                else:
                    data_["source"] = LeadSource.IMPORT
                if "rating" in data_:
                    data_["rating"] = _choice(data_["rating"], LeadRating.choices)
                for key, kind in (("employees", int), ("budget", Decimal)):
                    if key in data_:
                        try:
                            data_[key] = kind(data_[key].replace(",", ""))
                        except (ValueError, InvalidOperation):
                            raise ValidationError({key: _("“%(value)s” is not a number.") % {"value": data_[key]}}) from None
                with transaction.atomic():
                    services.lead_create(acting_user=acting_user, **data_)
            except ValidationError as exc:
                for name, reasons in field_errors(exc).items():
                    for reason in reasons:
                        result.errors.append({"line": number, "field": name, "message": reason})
            else:
                result.created += 1
    return result
