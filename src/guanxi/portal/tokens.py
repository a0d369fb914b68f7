"""One-time links for the portal: invitation (set your password) and password reset.

Django's ``PasswordResetTokenGenerator`` pattern with the portal user's own state in the hash: a link
stops working once it was used (the password hash changes), after a log-in, when the user is
disabled, when the e-mail changes, or after ``PASSWORD_RESET_TIMEOUT`` seconds.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class PortalTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "guanxi.portal.tokens.PortalTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{login}{timestamp}{user.email}{user.status}"


portal_tokens = PortalTokenGenerator()


def encode_uid(pk: int) -> str:
    return urlsafe_base64_encode(force_bytes(pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        return int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
