"""Normalizers for matching: Chinese addresses, company names, e-mail addresses.

Each is a pure function of its text, so the import, the duplicate check and the batch dedupe
compare the same keys. Phones, width folding and pinyin live in :mod:`guanxi.framework.text`.
"""

from .address import ParsedAddress, parse_address
from .company import company_key
from .email import InvalidEmail, email_key, normalize_email

__all__ = ["ParsedAddress", "parse_address", "company_key", "InvalidEmail", "email_key", "normalize_email"]
