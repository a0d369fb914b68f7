"""E-mail addresses validated (internationalised domains too) and keyed case-insensitively.

The domain is checked label by label and converted to its ASCII (IDNA / punycode) form for the
key, so "张三@例子.中国" and "张三@xn--fsqu00a.xn--fiqs8s" compare equal; the local part keeps its
Unicode (RFC 6531) and is compared case-insensitively, as every mail system in use treats it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

_LOCAL = re.compile(r"^[^\s@\"(),:;<>\[\]\\]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidEmail(ValueError):
    pass


@lru_cache(maxsize=65_536)  # a pure function; an import sees the same few domains again and again
def _ascii_domain(domain: str) -> str:
    labels = domain.rstrip(".").split(".")
    if len(labels) < 2:
        raise InvalidEmail(domain)
    out = []
    for label in labels:
        try:
            ascii_label = label.encode("idna").decode("ascii") if not label.isascii() else label
        except UnicodeError:
            raise InvalidEmail(domain) from None
        if not _LABEL.match(ascii_label):
            raise InvalidEmail(domain)
        out.append(ascii_label)
    if out[-1].isdigit():
        raise InvalidEmail(domain)
    return ".".join(out)


def normalize_email(raw: str) -> str:
    """The address as it is stored: width folded, trimmed, domain lower-cased (Unicode kept for display)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".").replace("＠", "@")
    local, sep, domain = text.rpartition("@")
    if not sep or not local or not domain or len(text) > 254 or len(local) > 64 or not _LOCAL.match(local):
        raise InvalidEmail(raw)
    domain = domain.lower()
    _ascii_domain(domain)
    return f"{local}@{domain}"


def email_key(raw: str) -> str:
    """The comparison key: case-folded local part, ASCII domain."""
    address = normalize_email(raw)
    local, _sep, domain = address.rpartition("@")
    return f"{local.casefold()}@{_ascii_domain(domain)}"


_VALIDATOR = EmailValidator()
#: the validator's pattern of the local part, the same, compiled here: Django's is a lazy object, and a
#: use through its proxy costs more than the match itself (an import checks one address a row)
_USER_REGEX = re.compile(_VALIDATOR.user_regex.pattern, _VALIDATOR.user_regex.flags)


@lru_cache(maxsize=65_536)
def _domain_valid(domain: str) -> bool:
    """Django's ``EmailValidator`` test of the domain part, on its ASCII form (once per domain)."""
    ascii_domain = _ascii_domain(domain)
    return ascii_domain in _VALIDATOR.domain_allowlist or _VALIDATOR.validate_domain_part(ascii_domain)


def validate_email(raw: str) -> str:
    """``normalize_email`` with Django's validator on the ASCII form; a ``ValidationError`` naming ``email``.

    The validator's two tests are made separately (what ``EmailValidator()(…)`` does): the local part
    against its pattern (a non-ASCII local part stands in as "x", RFC 6531), the domain once per domain.
    """
    try:
        address = normalize_email(raw)
        local, _sep, domain = address.rpartition("@")
        if not _USER_REGEX.match(local if local.isascii() else "x") or not _domain_valid(domain):
            raise InvalidEmail(raw)
    except InvalidEmail:
        raise ValidationError({"email": _("“%(email)s” is not a valid e-mail address.") % {"email": raw}}) from None
    return address
