"""Staff actions on a contact's portal access: invite, send the invitation again, disable, enable.

Shown as a panel on the contact page; each action is a POST through :mod:`guanxi.portal.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.customers.models import Contact
from guanxi.framework.services import field_errors

from . import services
from .forms import InviteForm
from .models import PortalUser
from .views import base_url


def _contact(request, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)


def _report(request, exc: ValidationError) -> None:
    for errors in field_errors(exc).values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
@permission_required("portal.add_portaluser", raise_exception=True)
def invite(request, pk: int):
    contact = _contact(request, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
        return redirect(contact.get_absolute_url())
    try:
        portal_user = services.portal_user_invite(contact=contact, acting_user=request.user, base_url=base_url(request), email=form.cleaned_data["email"])
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": portal_user.email})
    return redirect(contact.get_absolute_url())


def _portal_user(request, pk: int) -> PortalUser:
    contact = _contact(request, pk)
    return get_object_or_404(PortalUser.objects.select_related("contact"), contact=contact)


@login_required
@require_POST
@permission_required("portal.change_portaluser", raise_exception=True)
def resend(request, pk: int):
    portal_user = _portal_user(request, pk)
    try:
        services.portal_user_resend(portal_user=portal_user, acting_user=request.user, base_url=base_url(request))
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": portal_user.email})
    return redirect(portal_user.contact.get_absolute_url())


@login_required
@require_POST
@permission_required("portal.change_portaluser", raise_exception=True)
def disable(request, pk: int):
    portal_user = _portal_user(request, pk)
    services.portal_user_disable(portal_user=portal_user, acting_user=request.user)
    messages.success(request, _("Portal access of %(email)s is disabled.") % {"email": portal_user.email})
    return redirect(portal_user.contact.get_absolute_url())


@login_required
@require_POST
@permission_required("portal.change_portaluser", raise_exception=True)
def enable(request, pk: int):
    portal_user = _portal_user(request, pk)
    services.portal_user_enable(portal_user=portal_user, acting_user=request.user, base_url=base_url(request))
    messages.success(request, _("Portal access of %(email)s is enabled again.") % {"email": portal_user.email})
    return redirect(portal_user.contact.get_absolute_url())
