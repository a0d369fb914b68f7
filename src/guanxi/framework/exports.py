"""CSV and XLSX exports of a visibility-filtered, filtered queryset (the list's own filterset).

Small exports stream straight to the browser; large ones run as a background job
(``INLINE_ROWS``) that writes the same file and notifies the user when it is ready.
"""

from __future__ import annotations

import csv
import tempfile
from typing import Callable, Iterable

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .tables import resolve

XLSX_MAX_ROWS = 1_048_575
INLINE_ROWS = 10_000
CHUNK = 2000


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


def _header(fields) -> list[str]:
    return [str(label) for _a, label in fields]


def csv_rows(queryset, fields) -> Iterable[list[str]]:
    for obj in queryset.iterator(chunk_size=CHUNK):
        yield _values(obj, fields)


def csv_response(queryset, fields: list[tuple[str, str]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows() -> Iterable[str]:
        yield "\ufeff"  # so that Excel opens UTF-8 Chinese text correctly
        yield writer.writerow(_header(fields))
        for row in csv_rows(queryset, fields):
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_csv(handle, queryset, fields, on_row: Callable[[int], None] | None = None) -> int:
    """Write a UTF-8 (with BOM) CSV to the binary ``handle``; returns the row count."""
    import io

    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(_header(fields))
    count = 0
    for count, row in enumerate(csv_rows(queryset, fields), start=1):
        writer.writerow(row)
        if on_row and count % CHUNK == 0:
            on_row(count)
    text.flush()
    text.detach()
    return count


def write_xlsx(handle, queryset, fields, sheet: str, on_row: Callable[[int], None] | None = None) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=str(sheet)[:31])
    worksheet.append(_header(fields))
    count = 0
    for obj in queryset.iterator(chunk_size=CHUNK):
        if count >= XLSX_MAX_ROWS:
            break
        worksheet.append(_values(obj, fields))
        count += 1
        if on_row and count % CHUNK == 0:
            on_row(count)
    workbook.save(handle)
    return count


def xlsx_response(queryset, fields: list[tuple[str, str]], filename: str, sheet: str) -> FileResponse:
    handle = tempfile.TemporaryFile()
    write_xlsx(handle, queryset, fields, sheet)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
