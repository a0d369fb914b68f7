"""CSV and XLSX exports of a visibility-filtered, filtered queryset (the list's own filterset)."""

from __future__ import annotations

import csv
import tempfile
from typing import Iterable

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .tables import resolve

XLSX_MAX_ROWS = 1_048_575


class _Echo:
    def write(self, value):
        return value


def _values(obj, fields: list[tuple[str, str]]) -> list:
    out = []
    for accessor, _label in fields:
        value = resolve(obj, accessor)
        if hasattr(value, "all"):
            value = ", ".join(str(v) for v in value.all())
        elif hasattr(value, "isoformat") and getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        out.append("" if value is None else str(value))
    return out


def csv_response(queryset, fields: list[tuple[str, str]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows() -> Iterable[str]:
        yield "\ufeff"  # so that Excel opens UTF-8 Chinese text correctly
        yield writer.writerow([str(label) for _a, label in fields])
        for obj in queryset.iterator(chunk_size=2000):
            yield writer.writerow(_values(obj, fields))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(queryset, fields: list[tuple[str, str]], filename: str, sheet: str) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=str(sheet)[:31])
    worksheet.append([str(label) for _a, label in fields])
    for n, obj in enumerate(queryset.iterator(chunk_size=2000)):
        if n >= XLSX_MAX_ROWS:
            break
        worksheet.append(_values(obj, fields))
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
