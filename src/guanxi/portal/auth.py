"""The portal's own session: who is logged in, for which account, and the guard around portal views.

The portal keeps its principal under its own session keys, never Django's ``_auth_user_id``, so
``request.user`` stays anonymous for a portal visitor (staff pages redirect to the staff log-in, the
staff API answers 401/403) and a staff session is no portal session. Logging in rotates the session
key and the CSRF token; a session that held a staff log-in is emptied first. The session also keeps
a hash of the password hash: changing the password or disabling the login ends every open session.
"""

from __future__ import annotations

import functools

from django.contrib.auth import SESSION_KEY as STAFF_SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from guanxi.framework.context import change_source, client_ip, current_source

from . import selectors
from .choices import PortalUserStatus
from .models import PortalUser

USER_KEY = "_portal_user_id"
HASH_KEY = "_portal_user_hash"
ACCOUNT_KEY = "_portal_account_id"


def _session_hash(portal_user: PortalUser) -> str:
    return salted_hmac("guanxi.portal.auth.session", portal_user.password, algorithm="sha256").hexdigest()


def log_in(request, portal_user: PortalUser) -> None:
    if STAFF_SESSION_KEY in request.session or request.session.get(USER_KEY) not in (None, portal_user.pk):
        request.session.flush()
    else:
        request.session.cycle_key()
    request.session[USER_KEY] = portal_user.pk
    request.session[HASH_KEY] = _session_hash(portal_user)
    if portal_user.language:
        request.session["guanxi_language"] = portal_user.language
    rotate_token(request)


def log_out(request) -> None:
    request.session.flush()


def portal_user_of(request) -> PortalUser | None:
    """The active portal user of this session, or None (a disabled login or changed password ends it)."""
    if hasattr(request, "_portal_user_cache"):
        return request._portal_user_cache
    portal_user = None
    pk = request.session.get(USER_KEY)
    if pk is not None:
        found = PortalUser.objects.select_related("contact").filter(pk=pk, status=PortalUserStatus.ACTIVE).first()
        if found is not None and constant_time_compare(request.session.get(HASH_KEY, ""), _session_hash(found)):
            portal_user = found
    request._portal_user_cache = portal_user
    return portal_user


def choose_account(request, portal_user: PortalUser):
    """The account the portal shows now: the one picked in this session if still linked, else the first."""
    accounts = list(selectors.portal_accounts(portal_user=portal_user))
    wanted = request.session.get(ACCOUNT_KEY)
    current = next((a for a in accounts if a.pk == wanted), accounts[0] if accounts else None)
    return current, accounts


def attach(request) -> bool:
    """Set ``request.portal_user``, ``portal_account`` and ``portal_accounts``; False when nobody usable is logged in."""
    portal_user = portal_user_of(request)
    if portal_user is None:
        return False
    account, accounts = choose_account(request, portal_user)
    if account is None:  # unlinked from every account since: nothing left to show
        return False
    request.portal_user, request.portal_account, request.portal_accounts = portal_user, account, accounts
    return True


def portal_login_required(view):
    """Portal pages: the portal log-in page for strangers (and for staff: their session is no portal session)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not attach(request):
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        with as_portal_user(request):
            return view(request, *args, **kwargs)

    return wrapper


def as_portal_user(request):
    """Writes made while serving this request are audited as the portal user's (no staff actor)."""
    source = current_source()
    detail = f"portal {request.portal_user.email} {request.method} {request.path}"[:200]
    return change_source(source.source, detail, client_ip(request))
