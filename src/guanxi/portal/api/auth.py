"""Authentication of the portal API: the portal's own session (with Django's CSRF check on writes), or a
portal user's personal token (``Authorization: Bearer gxp_…``).

Staff tokens and staff sessions are not accepted here, and neither a portal session nor a portal token is
accepted by the staff API (whose authentication reads Django's ``request.user`` and staff tokens).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from .. import auth
from ..models import PortalUser


class PortalSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        django_request = request._request
        portal_user = auth.portal_user_of(django_request)
        if portal_user is None:
            return None
        self.enforce_csrf(request)
        account, accounts = auth.choose_account(django_request, portal_user)
        if account is None:
            return None
        django_request.portal_user, django_request.portal_account, django_request.portal_accounts = portal_user, account, accounts
        return portal_user, None

    def authenticate_header(self, request):
        return 'Session realm="guanxi-portal"'


class PortalTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        from ..services import portal_token_user

        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give one token after Bearer."))
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        portal_user = portal_token_user(raw)
        if portal_user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        django_request = request._request
        account, accounts = auth.choose_account(django_request, portal_user)
        if account is None:
            raise exceptions.AuthenticationFailed(_("This portal user is linked to no account."))
        django_request.portal_user, django_request.portal_account, django_request.portal_accounts = portal_user, account, accounts
        return portal_user, None

    def authenticate_header(self, request):
        return 'Bearer realm="guanxi-portal"'


class IsPortalUser(permissions.BasePermission):
    def has_permission(self, request, view):
        if not isinstance(request.user, PortalUser):
            raise exceptions.NotAuthenticated()
        return True
