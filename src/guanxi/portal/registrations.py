"""What the portal app adds to the registry: the contact page's "Portal access" panel, the default
permissions of the standard roles, and the demo's portal login."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import DemoBuilder, Panel, registry


def _access_panel(request, contact):
    user = request.user
    if not user.has_perm("portal.view_portaluser"):
        return None
    from .forms import InviteForm
    from .models import PortalUser

    return {
        "contact": contact,
        "portal_user": PortalUser.objects.filter(contact=contact).first(),
        "can_invite": user.has_perm("portal.add_portaluser"),
        "can_change": user.has_perm("portal.change_portaluser"),
        "has_account": contact.account_links.exists(),
        "form": InviteForm(initial={"email": contact.primary_email}),
    }


registry.add_contact_panel(Panel("portal_access", _("Portal access"), "portal/staff/_access_panel.html", _access_panel, order=20))

ALL = ["portal.view_portaluser", "portal.add_portaluser", "portal.change_portaluser"]
registry.add_role_permissions("service_agent", ALL)
registry.add_role_permissions("supervisor", ALL)
registry.add_role_permissions("sales_manager", ALL)
registry.add_role_permissions("sales_rep", ALL)  # the account owner invites its customers' contacts
registry.add_role_permissions("cc_agent", ["portal.view_portaluser"])
registry.add_role_permissions("analyst", ["portal.view_portaluser"])


def _demo(org, rng, now):
    from .demo import build

    build(org, rng, now)


def _demo_logins() -> str:
    from .demo import login_report

    return login_report()


registry.add_demo_builder(DemoBuilder("portal", _demo, order=90))
registry.add_demo_login_report(_demo_logins)
