"""Portal identities: a customer's contact who may log into the self-service portal.

A portal user is deliberately *not* a ``core.User``: it has its own table, its own session key and
its own login view, so staff credentials never open the portal and a portal session never passes
``login_required`` or the staff API (both read ``request.user``, which a portal log-in leaves anonymous).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BusinessModel

from .choices import PortalUserStatus


class PortalUser(BusinessModel):
    contact = models.OneToOneField("customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="portal_user")
    #: the log-in name; stored folded to lower case
    email = models.EmailField(_("e-mail"), unique=True)
    #: a Django password hash (``make_password``); unusable until the invitation is accepted
    password = models.CharField(_("password"), max_length=128, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=PortalUserStatus.choices, default=PortalUserStatus.INVITED)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    last_login = models.DateTimeField(_("last log-in"), null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed log-ins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    audit_exclude = ("created_at", "updated_at", "password", "last_login", "failed_logins")
    visibility_via = ("contact",)
    # Read by DRF and templates when a portal user is the request's principal (portal API only).
    is_authenticated = True
    is_anonymous = False

    class Meta:
        verbose_name = _("portal user")
        verbose_name_plural = _("portal users")
        ordering = ["email"]
        indexes = [models.Index(fields=["status", "email"], name="portal_user_status_idx")]

    def __str__(self) -> str:
        return self.email

    def audit_parent(self):
        return self.contact

    @property
    def is_active(self) -> bool:
        return self.status == PortalUserStatus.ACTIVE

    # What Django's PasswordResetTokenGenerator reads from a "user".
    def get_email_field_name(self) -> str:
        return "email"



class PortalApiToken(BusinessModel):
    """A personal token for the portal API (``Authorization: Bearer gxp_…``), made by the portal user.

    Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is made. It opens
    the portal API alone (``/portal/api/``), for its portal user's accounts, never a staff endpoint.
    """

    portal_user = models.ForeignKey(PortalUser, verbose_name=_("portal user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: the first characters of the token, so that its owner can tell tokens apart
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    audit_exclude = ("created_at", "updated_at", "key_hash", "last_used_at")
    visibility_via = ("portal_user",)

    class Meta:
        verbose_name = _("portal API token")
        verbose_name_plural = _("portal API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def audit_parent(self):
        return self.portal_user.contact
