"""Reading CSV and XLSX files: encoding detection and rows as lists of strings.

Chinese Excel exports are often GBK; a BOM says UTF-8; otherwise UTF-8 is tried strictly, then
charset-normalizer's guess, and GB18030 (a superset of GBK and GB2312) as the fallback.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from itertools import islice
from typing import IO, Iterator

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024
CHINESE = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936"}


class UnreadableFile(ValueError):
    pass


def is_xlsx(name: str, head: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or head[:4] == b"PK\x03\x04"


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file from its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        _decode_prefix(sample, "utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    guess = (best.encoding if best else "").lower().replace("-", "_")
    if guess in CHINESE or not guess:
        return "gb18030"
    try:
        text = _decode_prefix(sample, "gb18030")
    except UnicodeDecodeError:
        return guess
    # A legacy Chinese encoding decodes to hanzi; another legacy code page would read them as mojibake.
    return "gb18030" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else guess


def _decode_prefix(sample: bytes, encoding: str) -> str:
    """Decode ``sample``, allowing it to end in the middle of a character (it is a prefix of the file)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    return decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Table:
    """A file's header and its data rows (row 1 is the header; data rows are numbered from 2, as in Excel)."""

    def __init__(self, handle: IO[bytes], name: str, encoding: str | None = None):
        self.handle = handle
        self.name = name
        head = handle.read(SAMPLE_BYTES)
        handle.seek(0)
        self.xlsx = is_xlsx(name, head)
        self.encoding = "" if self.xlsx else (encoding or detect_encoding(head))
        self._workbook = None

    def _raw_rows(self) -> Iterator[list[str]]:
        self.handle.seek(0)
        if self.xlsx:
            from openpyxl import load_workbook

            try:
                self._workbook = load_workbook(self.handle, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a damaged file
                raise UnreadableFile(str(exc)) from exc
            sheet = self._workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [_cell(v).strip() for v in row]
            return
        text = io.TextIOWrapper(self.handle, encoding=self.encoding, errors="replace", newline="")
        try:
            sample = text.read(8192)
            text.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            for row in csv.reader(text, dialect):
                yield [c.strip() for c in row]
        finally:
            try:
                text.detach()  # leave the caller's file open
            except ValueError:  # the caller closed it while this generator was suspended
                pass

    def header(self) -> list[str]:
        for row in self._raw_rows():
            return _unique(row)
        raise UnreadableFile("empty file")

    def rows(self, start: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the data rows after the first ``start``; blank rows are counted but skipped."""
        raw = self._raw_rows()
        next(raw, None)
        for index, row in enumerate(islice(raw, start, None), start=start):
            if any(row):
                yield index + 2, row

    def count(self) -> int:
        return sum(1 for _ in islice(self._raw_rows(), 1, None))

    def preview(self, limit: int = 5) -> list[list[str]]:
        return [row for _n, row in islice(self.rows(), limit)]


def _unique(header: list[str]) -> list[str]:
    """Column names, blank ones named by position and repeated ones numbered, so a mapping can name each."""
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(header, start=1):
        name = name.strip() or f"#{index}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
