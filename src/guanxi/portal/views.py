"""Portal pages for customers' contacts: log-in and passwords, home, cases, knowledge base.

Every page past the log-in runs under :func:`guanxi.portal.auth.portal_login_required`, which sets
``request.portal_user`` and ``request.portal_account``; reads come from :mod:`guanxi.portal.selectors`
(scoped to that account), writes go through the service app's services.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from guanxi.framework.services import field_errors
from guanxi.service import services as service_services
from guanxi.service.choices import CaseChannel, CaseStatus

from . import auth, selectors, services
from .auth import portal_login_required
from .forms import CaseForm, LoginForm, PasswordResetForm, ReplyForm, RmaRequestForm, SetPasswordForm, SurveyForm, TokenForm
from .models import PortalUser
from .tokens import decode_uid, portal_tokens

PAGE_SIZE = 20


def base_url(request) -> str:
    """Where links in portal e-mails point: ``GUANXI_PORTAL_URL`` when set, else this request's host."""
    return getattr(settings, "GUANXI_PORTAL_URL", "") or request.build_absolute_uri("/")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()) and target.startswith("/portal/"):
        return target
    return fallback


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in field_errors(exc).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


# --- log-in, passwords, language ----------------------------------------------------------------

@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    if auth.attach(request):
        return redirect("portal:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_user = services.portal_authenticate(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
        except services.LockedOut as locked:
            minutes = max(1, int((locked.until - timezone.now()).total_seconds() // 60) + 1)
            form.add_error(None, _("Too many failed log-ins. Try again in %(minutes)d minutes, or reset your password.") % {"minutes": minutes})
        else:
            if portal_user is None:
                form.add_error(None, _("The e-mail address or the password is wrong."))
            elif not selectors.portal_accounts(portal_user=portal_user).exists():
                form.add_error(None, _("Your login is not linked to a customer account any more; please contact us."))
            else:
                auth.log_in(request, portal_user)
                return HttpResponseRedirect(_safe_next(request, reverse("portal:home")))
    return render(request, "portal/login.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
def logout(request):
    auth.log_out(request)
    messages.info(request, _("You have logged out."))
    return redirect("portal:login")


@csrf_protect
@never_cache
def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.portal_request_password_reset(email=form.cleaned_data["email"], base_url=base_url(request))
        messages.info(request, _("If a portal login uses this address, we have sent it a link to set a new password."))
        return redirect("portal:login")
    return render(request, "portal/password_reset.html", {"form": form})


def _token_user(uidb64: str, token: str) -> PortalUser | None:
    pk = decode_uid(uidb64)
    portal_user = PortalUser.objects.filter(pk=pk).first() if pk is not None else None
    if portal_user is None or not portal_tokens.check_token(portal_user, token):
        return None
    return portal_user


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def set_password(request, uidb64: str, token: str, invitation: bool = False):
    """The link of an invitation or a reset: choose a password, then you are logged in."""
    portal_user = _token_user(uidb64, token)
    if portal_user is None or portal_user.status == "disabled":
        return render(request, "portal/link_invalid.html", status=400)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_set_password(portal_user=portal_user, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            for error in field_errors(exc).get("password", []):
                form.add_error("password1", error)
        else:
            auth.log_in(request, portal_user)
            messages.success(request, _("Your password is set. Welcome!"))
            return redirect("portal:home")
    return render(request, "portal/set_password.html", {"form": form, "invitation": invitation, "portal_user": portal_user})


@require_POST
def set_language(request):
    """Switch the portal's language (kept for the session and, logged in, for the portal user's e-mails)."""
    language = request.POST.get("language", "")
    target = _safe_next(request, reverse("portal:home"))
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        request.session["guanxi_language"] = language
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax")
        portal_user = auth.portal_user_of(request)
        if portal_user is not None:
            services.portal_set_language(portal_user=portal_user, language=language)
    return response


@require_POST
@portal_login_required
def switch_account(request):
    """A contact who works for several customers sees each account separately; this picks one."""
    wanted = request.POST.get("account")
    if any(str(a.pk) == wanted for a in request.portal_accounts):
        request.session[auth.ACCOUNT_KEY] = int(wanted)
    return redirect("portal:home")


# --- home and cases -----------------------------------------------------------------------------

@portal_login_required
def home(request):
    account = request.portal_account
    return render(request, "portal/home.html", {
        "open_cases": list(selectors.portal_cases(account=account, status="open")[:5]),
        "counts": selectors.portal_case_counts(account=account),
        "articles": selectors.recent_articles(limit=5),
    })


@portal_login_required
def case_list(request):
    status = request.GET.get("status", "open")
    status = status if status in (*selectors.STATUS_FILTERS, "all") else "open"
    query = request.GET.get("q", "").strip()[:100]
    cases = selectors.portal_cases(account=request.portal_account, status=status, query=query)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/case_list.html", {"page": page, "status": status, "q": query})


@portal_login_required
def case_new(request):
    form = CaseForm(request.POST or None, request.FILES or None, account=request.portal_account,
                    initial={"installed_product": request.GET.get("installed_product")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = {"installed_product": data["installed_product"]} if data.get("installed_product") else {}
        try:
            with transaction.atomic():
                case = service_services.case_create(
                    acting_user=None, subject=data["subject"], description=data["description"], case_type=data["case_type"],
                    category=data["category"], account=request.portal_account, contact=request.portal_user.contact,
                    channel=CaseChannel.PORTAL, **unit,
                )
                if data.get("file"):
                    service_services.case_attachment_add(case=case, acting_user=None, file=data["file"], is_public=True)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s is open. We will reply here and by e-mail.") % {"number": case.number})
            return redirect("portal:case_detail", pk=case.pk)
    return render(request, "portal/case_form.html", {"form": form})


def _case_or_404(request, pk):
    case = selectors.portal_case(account=request.portal_account, pk=pk)
    if case is None:
        raise Http404
    return case


@portal_login_required
def case_detail(request, pk: int, reply_form=None, survey_form=None):
    case = _case_or_404(request, pk)
    return render(request, "portal/case_detail.html", {
        "case": case,
        "notes": selectors.portal_case_notes(case=case),
        "files": selectors.portal_case_files(case=case),
        "can_reply": case.status != CaseStatus.CLOSED,
        "reply_form": reply_form or ReplyForm(),
        "can_survey": case.status == CaseStatus.RESOLVED or (case.status == CaseStatus.CLOSED and case.satisfaction is None and not case.merged_into_id),
        "survey_form": survey_form or SurveyForm(),
    }, status=400 if (reply_form or survey_form) else 200)


@require_POST
@portal_login_required
def case_reply(request, pk: int):
    """A customer's reply: a customer-visible note; a case waiting on the customer (or resolved) opens again."""
    case = _case_or_404(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if case.status == CaseStatus.CLOSED:
        form.add_error(None, _("This case is closed. Please open a new case."))
    if not form.is_valid():
        return case_detail.__wrapped__(request, pk, reply_form=form)
    try:
        reply(case=case, portal_user=request.portal_user, body=form.cleaned_data["body"], file=form.cleaned_data.get("file"))
    except ValidationError as exc:
        _add_errors(form, exc)
        return case_detail.__wrapped__(request, pk, reply_form=form)
    messages.success(request, _("Your reply was added."))
    return redirect("portal:case_detail", pk=case.pk)


@transaction.atomic
def reply(*, case, portal_user, body: str, file=None):
    """The portal's reply, shared by the page and the API."""
    note = service_services.case_note_add(case=case, acting_user=None, body=body, from_customer=True,
                                          email_from=portal_user.email, files=[file] if file else [])
    if case.status == CaseStatus.RESOLVED:
        service_services.case_set_status(case=case, acting_user=None, status=CaseStatus.OPEN)
    return note


@require_POST
@portal_login_required
def case_close(request, pk: int):
    """Close a resolved case with the satisfaction survey (or rate a closed case that was not rated)."""
    case = _case_or_404(request, pk)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return case_detail.__wrapped__(request, pk, survey_form=form)
    try:
        survey(case=case, satisfaction=form.cleaned_data["satisfaction"], comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        _add_errors(form, exc)
        return case_detail.__wrapped__(request, pk, survey_form=form)
    messages.success(request, _("Thank you for your rating."))
    return redirect("portal:case_detail", pk=case.pk)


@transaction.atomic
def survey(*, case, satisfaction: int, comment: str):
    if case.status == CaseStatus.RESOLVED:
        service_services.case_set_status(case=case, acting_user=None, status=CaseStatus.CLOSED, satisfaction=satisfaction, comment=comment)
    elif case.status == CaseStatus.CLOSED and case.satisfaction is None:
        service_services.case_record_satisfaction(case=case, acting_user=None, satisfaction=satisfaction, comment=comment)
    else:
        raise ValidationError({"satisfaction": _("Only a resolved case can be closed and rated.")})


@portal_login_required
def attachment(request, pk: int):
    found = selectors.portal_attachment(account=request.portal_account, pk=pk)
    if found is None or not found.file:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename)


# --- knowledge base -----------------------------------------------------------------------------

@portal_login_required
def knowledge(request):
    query = request.GET.get("q", "").strip()[:200]
    articles = selectors.portal_article_search(query=query) if query else selectors.recent_articles(limit=20)
    return render(request, "portal/knowledge.html", {"q": query, "articles": articles})


@portal_login_required
def article_detail(request, pk: int):
    article = selectors.portal_article(pk=pk)
    if article is None:
        raise Http404
    voted = pk in request.session.get("portal_article_votes", [])
    return render(request, "portal/article_detail.html", {"article": article, "voted": voted})


@require_POST
@portal_login_required
def article_feedback(request, pk: int):
    article = selectors.portal_article(pk=pk)
    if article is None:
        raise Http404
    votes = request.session.get("portal_article_votes", [])
    if pk not in votes:  # one vote per article and session
        service_services.article_feedback(article=article, acting_user=None, helpful=request.POST.get("helpful") == "yes",
                                          comment=request.POST.get("comment", ""))
        request.session["portal_article_votes"] = [*votes, pk][-200:]
    messages.success(request, _("Thank you for your feedback."))
    return redirect("portal:article_detail", pk=pk)



# --- installed products, contracts, returns -----------------------------------------------------

@portal_login_required
def products(request):
    return render(request, "portal/products.html", {"units": selectors.installed_products(account=request.portal_account)})


@portal_login_required
def contracts(request):
    return render(request, "portal/contracts.html", {"contracts": selectors.service_contracts(account=request.portal_account)})


@portal_login_required
def rma_list(request):
    return render(request, "portal/rma_list.html", {"rmas": selectors.rmas(account=request.portal_account)})


@portal_login_required
def rma_detail(request, pk: int):
    found = selectors.rma(account=request.portal_account, pk=pk)
    if found is None:
        raise Http404
    return render(request, "portal/rma_detail.html", {"rma": found})


@portal_login_required
def rma_new(request):
    """Start a return of some of the account's installed products; staff authorise it."""
    wanted = request.GET.getlist("installed_product")
    form = RmaRequestForm(request.POST or None, account=request.portal_account, initial={"installed_products": wanted})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                rma = service_services.rma_request(account=request.portal_account, contact=request.portal_user.contact,
                                                   units=form.cleaned_data["installed_products"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Return %(number)s is requested. We will confirm it and tell you where to send the items.") % {
                "number": rma.number})
            return redirect("portal:rma_detail", pk=rma.pk)
    return render(request, "portal/rma_form.html", {"form": form})


@portal_login_required
def profile(request):
    """The portal user's profile: who they are, and their personal API tokens (made and revoked here)."""
    from .models import PortalApiToken

    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST":
        if request.POST.get("revoke"):
            try:
                services.portal_token_revoke(portal_user=request.portal_user, token_id=request.POST["revoke"])
            except ValidationError as exc:
                for reasons in field_errors(exc).values():
                    for reason in reasons:
                        messages.error(request, reason)
            else:
                messages.success(request, _("The token is revoked; programs using it are refused from now on."))
            return redirect("portal:profile")
        if form.is_valid():
            try:
                _token, new_token = services.portal_token_create(portal_user=request.portal_user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                form = TokenForm()
    return render(request, "portal/profile.html", {
        "form": form, "new_token": new_token,
        "tokens": PortalApiToken.objects.filter(portal_user=request.portal_user).order_by("-created_at", "-id"),
        "api_url": request.build_absolute_uri("/portal/api/"),
    })
