"""Authentication of the portal API: the portal's own session (with Django's CSRF check on writes).

Staff tokens and staff sessions are not accepted here, and a portal session is not accepted by the
staff API (whose authentication reads Django's ``request.user``).
"""

from __future__ import annotations

from rest_framework import exceptions, permissions
from rest_framework.authentication import SessionAuthentication

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


class IsPortalUser(permissions.BasePermission):
    def has_permission(self, request, view):
        if not isinstance(request.user, PortalUser):
            raise exceptions.NotAuthenticated()
        return True
