"""Writes of the portal: invitations, passwords, log-in with lockout, disabling and re-enabling.

Staff actions take a keyword-only ``acting_user`` and are audited like every service. What a
customer does in the portal is audited with no staff actor; the change source's detail names the
portal user (see :mod:`guanxi.portal.auth`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.customers.models import Contact
from guanxi.framework import services as base

from .choices import PortalUserStatus
from .models import PortalUser
from .tokens import encode_uid, portal_tokens


class LockedOut(Exception):
    """Too many failed log-ins in a row; ``until`` says when the portal user may try again."""

    def __init__(self, until: datetime.datetime):
        super().__init__(until)
        self.until = until


def failure_limit() -> int:
    return int(getattr(settings, "GUANXI_PORTAL_LOGIN_FAILURE_LIMIT", 5))


def lockout_minutes() -> int:
    return int(getattr(settings, "GUANXI_PORTAL_LOCKOUT_MINUTES", 15))


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# --- e-mail -------------------------------------------------------------------------------------

def _link(base_url: str, name: str, portal_user: PortalUser) -> str:
    path = reverse(name, args=[encode_uid(portal_user.pk), portal_tokens.make_token(portal_user)])
    return base_url.rstrip("/") + path


def _send(portal_user: PortalUser, template: str, context: dict) -> None:
    language = portal_user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"portal/email/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=[portal_user.email]).send()


def _send_invitation(portal_user: PortalUser, base_url: str) -> None:
    link = _link(base_url, "portal:set_password", portal_user)
    transaction.on_commit(lambda: _send(portal_user, "invitation", {"portal_user": portal_user, "link": link,
                                                                      "contact": portal_user.contact}))


# --- staff actions ------------------------------------------------------------------------------

@transaction.atomic
def portal_user_invite(*, contact: Contact, acting_user, base_url: str, email: str = "", send: bool = True) -> PortalUser:
    """Give ``contact`` portal access: an invited portal user and an e-mail with a set-password link.

    Inviting a contact who was invited before sends a fresh link (earlier ones stay valid until used
    or expired); a disabled or active login is changed only through enable/disable.
    """
    email = normalize_email(email or contact.primary_email)
    if not email:
        raise ValidationError({"email": _("The contact has no e-mail address; add one first.")})
    if not contact.account_links.exists():
        raise ValidationError({"contact": _("Link the contact to an account first: the portal shows an account's data.")})
    existing = PortalUser.objects.select_for_update().filter(contact=contact).first()
    if existing is not None:
        if existing.status != PortalUserStatus.INVITED:
            raise ValidationError({"status": _("This contact already has a portal login (%(status)s).") % {"status": existing.get_status_display()}})
        return portal_user_resend(portal_user=existing, acting_user=acting_user, base_url=base_url, email=email)
    if PortalUser.objects.filter(email=email).exists():
        raise ValidationError({"email": _("Another contact's portal login uses this e-mail address.")})
    portal_user = base.create(PortalUser(
        contact=contact, email=email, password=make_password(None), status=PortalUserStatus.INVITED, invited_at=timezone.now(),
        invited_by=acting_user if getattr(acting_user, "pk", None) else None,
    ), acting_user=acting_user)
    if send:
        _send_invitation(portal_user, base_url)
    return portal_user


@transaction.atomic
def portal_user_resend(*, portal_user: PortalUser, acting_user, base_url: str, email: str = "") -> PortalUser:
    """Send the invitation again (to a corrected address, when given)."""
    if portal_user.status != PortalUserStatus.INVITED:
        raise ValidationError({"status": _("Only an invitation that was not accepted yet can be sent again.")})
    data = {"invited_at": timezone.now(), "invited_by": acting_user if getattr(acting_user, "pk", None) else None}
    email = normalize_email(email)
    if email and email != portal_user.email:
        if PortalUser.objects.filter(email=email).exclude(pk=portal_user.pk).exists():
            raise ValidationError({"email": _("Another contact's portal login uses this e-mail address.")})
        data["email"] = email
    base.update(portal_user, acting_user=acting_user, data=data)
    _send_invitation(portal_user, base_url)
    return portal_user


@transaction.atomic
def portal_user_disable(*, portal_user: PortalUser, acting_user) -> dict:
    """Close the portal login at once: open sessions end on their next request, links stop working."""
    return base.update(portal_user, acting_user=acting_user, data={"status": PortalUserStatus.DISABLED})


@transaction.atomic
def portal_user_enable(*, portal_user: PortalUser, acting_user, base_url: str) -> dict:
    """Open a disabled login again: active when a password was set, else invited with a new link."""
    if portal_user.status != PortalUserStatus.DISABLED:
        return {}
    if portal_user.activated_at:
        return base.update(portal_user, acting_user=acting_user, data={"status": PortalUserStatus.ACTIVE, "locked_until": None})
    changes = base.update(portal_user, acting_user=acting_user, data={"status": PortalUserStatus.INVITED, "invited_at": timezone.now()})
    _send_invitation(portal_user, base_url)
    return changes


# --- the customer's own actions -----------------------------------------------------------------

@transaction.atomic
def portal_set_password(*, portal_user: PortalUser, password: str) -> PortalUser:
    """Set the password from an invitation or reset link; an invited login becomes active."""
    if portal_user.status == PortalUserStatus.DISABLED:
        raise ValidationError({"password": _("This portal login is disabled.")})
    try:
        validate_password(password, user=portal_user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    now = timezone.now()
    data = {"status": PortalUserStatus.ACTIVE, "locked_until": None}
    if portal_user.activated_at is None:
        data["activated_at"] = now
    base.update(portal_user, acting_user=None, data=data, derived={"password": make_password(password), "failed_logins": 0})
    return portal_user


def portal_authenticate(*, email: str, password: str) -> PortalUser | None:
    """The active portal user with this e-mail and password, else None; raises :class:`LockedOut`.

    Only portal logins are looked at, never staff users. After ``GUANXI_PORTAL_LOGIN_FAILURE_LIMIT``
    failures in a row the login is locked for ``GUANXI_PORTAL_LOCKOUT_MINUTES`` (a password reset
    unlocks it).
    """
    email = normalize_email(email)
    portal_user = PortalUser.objects.filter(email=email).select_related("contact").first() if email else None
    if portal_user is None or portal_user.status != PortalUserStatus.ACTIVE:
        make_password(password)  # as slow as a real check, so the answer time does not tell who exists
        return None
    now = timezone.now()
    if portal_user.locked_until and portal_user.locked_until > now:
        raise LockedOut(portal_user.locked_until)
    if not check_password(password, portal_user.password, setter=lambda raw: _rehash(portal_user, raw)):
        failures = portal_user.failed_logins + 1
        update = {"failed_logins": failures}
        if failures >= failure_limit():
            update.update(failed_logins=0, locked_until=now + datetime.timedelta(minutes=lockout_minutes()))
        PortalUser.objects.filter(pk=portal_user.pk).update(**update)
        if "locked_until" in update:
            raise LockedOut(update["locked_until"])
        return None
    PortalUser.objects.filter(pk=portal_user.pk).update(failed_logins=0, locked_until=None, last_login=now)
    portal_user.failed_logins, portal_user.locked_until, portal_user.last_login = 0, None, now
    return portal_user


def _rehash(portal_user: PortalUser, raw: str) -> None:
    portal_user.password = make_password(raw)
    PortalUser.objects.filter(pk=portal_user.pk).update(password=portal_user.password)


def portal_request_password_reset(*, email: str, base_url: str) -> None:
    """E-mail a reset link when an active login has this address; silent otherwise (no account probing)."""
    portal_user = PortalUser.objects.filter(email=normalize_email(email), status=PortalUserStatus.ACTIVE).first()
    if portal_user is None:
        return
    _send(portal_user, "password_reset", {"portal_user": portal_user, "link": _link(base_url, "portal:reset_confirm", portal_user)})


@transaction.atomic
def portal_set_language(*, portal_user: PortalUser, language: str) -> None:
    if language in dict(settings.LANGUAGES) and language != portal_user.language:
        PortalUser.objects.filter(pk=portal_user.pk).update(language=language)
        portal_user.language = language


# --- personal API tokens -----------------------------------------------------------------------

TOKEN_PREFIX = "gxp_"
MAX_TOKENS = 10


def hash_token(raw: str) -> str:
    import hashlib

    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def portal_token_create(*, portal_user: PortalUser, name: str) -> tuple["PortalApiToken", str]:
    """Make a personal API token; returns (the stored token, the raw token shown to its owner once)."""
    import secrets

    from .models import PortalApiToken

    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Name the token (what will use it).")})
    if PortalApiToken.objects.filter(portal_user=portal_user).count() >= MAX_TOKENS:
        raise ValidationError({"name": _("You have %(n)s tokens already; revoke one first.") % {"n": MAX_TOKENS}})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = base.create(PortalApiToken(portal_user=portal_user, name=name, key_hash=hash_token(raw), prefix=raw[:10]), acting_user=None)
    return token, raw


@transaction.atomic
def portal_token_revoke(*, portal_user: PortalUser, token_id) -> None:
    """Revoke (delete) one of the portal user's own tokens."""
    from .models import PortalApiToken

    token = PortalApiToken.objects.filter(portal_user=portal_user, pk=token_id).first()
    if token is None:
        raise ValidationError({"token": _("No such token.")})
    base.delete(token, acting_user=None)


def portal_token_user(raw: str) -> PortalUser | None:
    """The active portal user a raw token belongs to (and the token's last use noted), or None."""
    from .models import PortalApiToken

    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = PortalApiToken.objects.select_related("portal_user__contact").filter(key_hash=hash_token(raw)).first()
    if token is None or token.portal_user.status != PortalUserStatus.ACTIVE:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        PortalApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # not audited: a timestamp only
    return token.portal_user
