"""The public web-to-lead endpoint: an embeddable form on a customer's web site that creates leads.

Spam and abuse protection: a per-form secret key in the URL, a honeypot field people leave empty,
a rate limit per IP address (Django's cache), and an origin check — posts from web sites the form
does not list are refused. CSRF protection cannot apply (the page lives on another site), which is
why the origin check does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from guanxi.framework.context import change_source
from guanxi.framework.services import field_errors

from . import services
from .choices import LeadSource
from .forms import PublicLeadForm
from .models import WebToLeadForm

RATE_LIMIT = 5          # posts per IP address and form ...
RATE_WINDOW = 60 * 10   # ... in this many seconds


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _origin(request) -> str:
    origin = request.META.get("HTTP_ORIGIN") or ""
    if not origin or origin == "null":
        referer = request.META.get("HTTP_REFERER") or ""
        if referer:
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
    return origin.rstrip("/").lower()


def origin_allowed(request, form: WebToLeadForm) -> bool:
    """The post comes from one of the form's web sites, or from this server's own preview page."""
    origin = _origin(request)
    own = f"{request.scheme}://{request.get_host()}".lower()
    if not origin:
        return False
    return origin == own or origin in form.origins()


def _over_limit(request, form: WebToLeadForm) -> bool:
    key = f"sales:w2l:{form.pk}:{_client_ip(request)}"
    added = cache.add(key, 1, RATE_WINDOW)
    if added:
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, RATE_WINDOW)
        return False
    return count > RATE_LIMIT


@csrf_exempt
@xframe_options_exempt
def web_to_lead(request, key: str):
    form_record = WebToLeadForm.objects.filter(key=key, is_active=True).select_related("default_owner").first()
    if form_record is None:
        raise Http404
    context = {"record": form_record}
    if request.method != "POST":
        context["form"] = PublicLeadForm()
        return render(request, "sales/web_to_lead.html", context)
    if not origin_allowed(request, form_record):
        return HttpResponseForbidden(_("This form does not accept posts from that web site."))
    if _over_limit(request, form_record):
        return HttpResponse(_("Too many submissions; please try again later."), status=429)
    form = PublicLeadForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data.pop("website"):
            # A bot filled the honeypot: answer as if all went well, keep nothing.
            return render(request, "sales/web_to_lead.html", {**context, "done": True})
        try:
            with change_source("web", detail=f"web-to-lead {form_record.name}"):
                services.lead_create(
                    acting_user=None, default_owner=form_record.default_owner, source=LeadSource.WEB,
                    campaign=form_record.campaign, **data,
                )
        except ValidationError as exc:
            for field, reasons in field_errors(exc).items():
                for reason in reasons:
                    form.add_error(field if field in form.fields else None, reason)
        else:
            return render(request, "sales/web_to_lead.html", {**context, "done": True})
    return render(request, "sales/web_to_lead.html", {**context, "form": form}, status=400)
