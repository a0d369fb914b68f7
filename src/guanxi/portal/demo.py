"""The demo's portal login: the main contact of the first demo account that has cases."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.customers.models import AccountContact

from . import services
from .models import PortalUser

DEMO_EMAIL = "portal@demo.guanxi.example"


def build(org, rng, now) -> None:
    from guanxi.demo.org import DEMO_PASSWORD

    if PortalUser.objects.filter(email=DEMO_EMAIL).exists():
        return
    link = AccountContact.objects.filter(account__cases__isnull=False).select_related("contact").order_by("account_id", "-is_primary", "id").first()
    if link is None:
        return
    portal_user = services.portal_user_invite(contact=link.contact, acting_user=org.admin, base_url="http://127.0.0.1:8000/",
                                              email=DEMO_EMAIL, send=False)
    services.portal_set_password(portal_user=portal_user, password=DEMO_PASSWORD)


def login_report() -> str:
    from guanxi.demo.org import DEMO_PASSWORD

    portal_user = PortalUser.objects.filter(email=DEMO_EMAIL).select_related("contact").first()
    if portal_user is None:
        return ""
    return _("Customer portal (/portal/): %(email)s, password %(password)s (contact %(contact)s)") % {
        "email": portal_user.email, "password": DEMO_PASSWORD, "contact": portal_user.contact}
