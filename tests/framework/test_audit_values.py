"""How the audit log writes field values."""

from __future__ import annotations


from guanxi.customers.models import Document
from guanxi.framework.audit import _plain


def test_an_empty_file_field_is_recorded_as_none_and_a_file_by_its_name():
    document = Document()
    assert _plain(document.file) is None  # reading .url of an empty file raises; the audit must not
    document.file.name = "documents/合同.pdf"
    assert _plain(document.file) == "documents/合同.pdf"
