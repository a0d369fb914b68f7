"""Pages of the service app: the case list, quick entry, the case page and its actions, and the set-up
of queues, categories, business calendars and SLA policies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import User
from guanxi.customers.models import Account, Contact
from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView, apply_errors, safe_next

from . import requesters, selectors, services, sla
from .choices import TRANSITIONS, CaseStatus
from .filters import CaseFilterSet
from .forms import (
    AgentForm, ArticleForm, FeedbackForm, AssignForm, CalendarDayForm, CalendarForm, CaseForm, CategoryForm, LinkForm, MergeForm, NoteForm, QueueForm,
    QuickCaseForm, SeedForm, SlaPolicyForm, SlaTargetForm, StatusForm, SurveyForm, WarrantyTermForm,
)
from .models import (
    Article, ArticleCategory, BusinessCalendar, CalendarDay, Case, CaseAttachment, CaseCategory, CaseLink, Queue, SlaPolicy, SlaTarget,
    WarrantyTerm,
)
from .tables import CaseTable

NS = "service"

CASE_EXPORT = [
    ("number", gettext_lazy("number")), ("subject", gettext_lazy("subject")), ("account", gettext_lazy("account")),
    ("contact", gettext_lazy("contact")), ("status", gettext_lazy("status")), ("priority", gettext_lazy("priority")),
    ("requester_email", gettext_lazy("requester's e-mail")),
    ("case_type", gettext_lazy("type")), ("channel", gettext_lazy("channel")), ("category", gettext_lazy("category")),
    ("queue", gettext_lazy("queue")), ("assignee", gettext_lazy("assignee")), ("created_at", gettext_lazy("created")),
    ("first_response_due_at", gettext_lazy("first response due")), ("first_responded_at", gettext_lazy("first response")),
    ("resolution_due_at", gettext_lazy("resolution due")), ("resolved_at", gettext_lazy("resolved")),
    ("sla_breached", gettext_lazy("SLA missed")), ("satisfaction", gettext_lazy("satisfaction (1-5)")),
]


def _visible_case(request, pk) -> Case:
    return get_object_or_404(Case.objects.visible_to(request.user).select_related("account", "queue", "sla_policy"), pk=pk)


def _by_number(request, number: str) -> Case | None:
    return Case.objects.visible_to(request.user).filter(number=number.strip().upper()).first()


# --- cases --------------------------------------------------------------------------------------

class CaseListView(ObjectListView):
    model, url_namespace = Case, NS
    filterset_class, table_class = CaseFilterSet, CaseTable
    select_related = ("account", "queue", "assignee", "category", "contact", "escalation")
    export_fields = CASE_EXPORT

    def base_queryset(self):
        # the list shows none of the long text: leave it in the database
        return super().base_queryset().defer("description", "search_text", "sla_clock", "account__search_text", "account__description")


class CaseDetailView(ObjectDetailView):
    model, url_namespace = Case, NS
    template_name = "service/case_detail.html"
    select_related = ("account", "contact", "category", "queue", "assignee", "sla_policy", "merged_into", "created_by",
                      "installed_product__product", "service_contract", "escalation")

    def get_context(self, case):
        user = self.request.user
        return {
            "entitlements": list(case.service_contract.entitlements.all()) if case.service_contract_id else [],
            "rmas": case.rmas.visible_to(user).only("pk", "number", "status") if user.has_perm("service.view_rma") else [],
            "notes": selectors.case_notes(case=case),
            "attachments": selectors.case_attachments(case=case),
            "links": selectors.case_links(case=case, user=user),
            "merged_cases": case.merged_cases.visible_to(user).only("pk", "number", "subject"),
            "sla": sla.sla_state(case),
            "next_statuses": [(s, CaseStatus(s).label) for s in CaseStatus.values if s in TRANSITIONS[case.status]],
            "note_form": NoteForm(user=user),
            "assign_form": AssignForm(user=user, initial={"queue": case.queue_id, "assignee": case.assignee_id}),
            "status_form": StatusForm(user=user),
            "link_form": LinkForm(user=user),
            "merge_form": MergeForm(user=user),
            "survey_form": SurveyForm(user=user),
            "can_change": user.has_perm("service.change_case"),
            "suggested": selectors.suggested_articles(case=case) if user.has_perm("service.view_article") else [],
            "same_sender": (requesters.unidentified_cases(user=user, email=case.requester_email).exclude(pk=case.pk)
                            .only("pk", "number", "subject")[:10] if not case.account_id and case.requester_email else []),
        }


class CaseEditView(ObjectEditView):
    model, url_namespace, form_class = Case, NS, CaseForm
    initial_from_query = ("account", "contact", "installed_product")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.case_create(acting_user=self.request.user, **data)
        services.case_update(case=instance, acting_user=self.request.user, **data)
        return instance


class CaseDeleteView(ObjectDeleteView):
    model, url_namespace = Case, NS

    def delete(self, obj):
        services.case_delete(case=obj, acting_user=self.request.user)


@login_required
@permission_required("service.add_case", raise_exception=True)
def quick_entry(request):
    """Find the customer by phone, e-mail or name as you type, then a minimal form."""
    user = request.user
    account = contact = None
    if request.GET.get("contact"):
        contact = get_object_or_404(Contact.objects.visible_to(user), pk=request.GET["contact"])
        account = selectors.contact_accounts(contact=contact, user=user).first()
    if request.GET.get("account"):
        account = get_object_or_404(Account.objects.visible_to(user), pk=request.GET["account"])
    form = QuickCaseForm(request.POST or None, user=user, initial={"account": account.pk if account else None, "contact": contact.pk if contact else None})
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    case = services.case_create(acting_user=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return HttpResponseRedirect(case.get_absolute_url())
        account = form.cleaned_data.get("account") if hasattr(form, "cleaned_data") else account
        contact = form.cleaned_data.get("contact") if hasattr(form, "cleaned_data") else contact
    context = {
        "page_title": _("Quick case entry"), "form": form, "account": account, "contact": contact,
        "open_cases": selectors.open_cases_of(account=account, user=user) if account else [],
        "contact_accounts": selectors.contact_accounts(contact=contact, user=user) if contact else [],
    }
    return render(request, "service/quick_entry.html", context)


@login_required
@permission_required("service.add_case", raise_exception=True)
def quick_lookup(request):
    query = request.GET.get("q", "").strip()
    results = selectors.customer_lookup(user=request.user, query=query) if query else {"accounts": [], "contacts": []}
    return render(request, "service/_quick_results.html", {**results, "query": query})


def _case_action(permission: str):
    """A POST on one case the user can see and may change; a service error becomes a message."""
    def wrap(action):
        @login_required
        @permission_required(permission, raise_exception=True)
        @require_POST
        def view(request, pk):
            case = _visible_case(request, pk)
            try:
                with transaction.atomic():
                    done = action(request, case)
            except ValidationError as exc:
                report_errors(request, exc)
            else:
                if done:
                    messages.success(request, done)
            return HttpResponseRedirect(safe_next(request, case.get_absolute_url()))
        view.__name__ = action.__name__
        return view
    return wrap


@_case_action("service.change_case")
def case_status(request, case):
    form = StatusForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    data = form.cleaned_data
    services.case_set_status(case=case, acting_user=request.user, status=data["status"], satisfaction=data.get("satisfaction"), comment=data.get("comment", ""))
    return _("Case %(number)s is now %(status)s.") % {"number": case.number, "status": case.get_status_display()}


@_case_action("service.change_case")
def case_assign(request, case):
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    data = form.cleaned_data
    services.case_assign(case=case, acting_user=request.user, queue=data["queue"], assignee=data["assignee"], route=data["route"])
    return _("Assigned to %(who)s.") % {"who": case.assignee or case.queue or "—"}


@_case_action("service.change_case")
def case_note(request, case):
    form = NoteForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    data = form.cleaned_data
    files = [data["file"]] if data.get("file") else []
    services.case_note_add(case=case, acting_user=request.user, body=data["body"], is_public=data["is_public"], files=files)
    return _("Reply added.") if data["is_public"] else _("Internal note added.")


@_case_action("service.change_case")
def case_link(request, case):
    form = LinkForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    other = _by_number(request, form.cleaned_data["other"])
    if other is None:
        raise ValidationError({"other": _("No case %(number)s that you can see.") % {"number": form.cleaned_data["other"]}})
    services.case_link(case=case, other=other, kind=form.cleaned_data["kind"], acting_user=request.user)
    return _("Linked to %(number)s.") % {"number": other.number}


@login_required
@permission_required("service.change_case", raise_exception=True)
@require_POST
def case_unlink(request, pk, link_pk):
    case = _visible_case(request, pk)
    link = get_object_or_404(CaseLink.objects.filter(pk=link_pk).filter(case=case) | CaseLink.objects.filter(pk=link_pk, other=case))
    services.case_unlink(link=link, acting_user=request.user)
    messages.success(request, _("Link removed."))
    return HttpResponseRedirect(case.get_absolute_url())


@_case_action("service.change_case")
def case_merge(request, case):
    form = MergeForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    target = _by_number(request, form.cleaned_data["target"])
    if target is None:
        raise ValidationError({"target": _("No case %(number)s that you can see.") % {"number": form.cleaned_data["target"]}})
    services.case_merge(source=case, target=target, acting_user=request.user)
    return _("Merged into %(number)s.") % {"number": target.number}


@_case_action("service.change_case")
def case_survey(request, case):
    form = SurveyForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    services.case_record_satisfaction(case=case, acting_user=request.user, **form.cleaned_data)
    return _("Satisfaction recorded.")


@login_required
@permission_required("service.view_case", raise_exception=True)
def attachment_download(request, pk):
    attachment = get_object_or_404(CaseAttachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file of this attachment is missing.")) from None
    return FileResponse(handle, as_attachment=True, filename=attachment.filename)


# --- set-up: queues, categories, agents, calendars, SLA policies --------------------------------

class SetupMixin:
    """Configuration records: everyone with the permission sees all of them."""

    def base_queryset(self):
        return self.model.objects.all()

    def url(self, name: str, *args) -> str:
        return reverse("service:setup") if name == "list" else super().url(name, *args)


@login_required
@permission_required("service.view_queue", raise_exception=True)
def setup(request):
    context = {
        "page_title": _("Service set-up"),
        "queues": Queue.objects.select_related("supervisor", "sla_policy").prefetch_related("members"),
        "categories": CaseCategory.objects.select_related("default_queue"),
        "calendars": BusinessCalendar.objects.all(),
        "policies": SlaPolicy.objects.select_related("calendar"),
        "category_form": CategoryForm(user=request.user),
        "warranty_terms": WarrantyTerm.objects.select_related("product"),
        "warranty_form": WarrantyTermForm(user=request.user),
    }
    return render(request, "service/setup.html", context)


class QueueDetailView(SetupMixin, ObjectDetailView):
    model, url_namespace = Queue, NS
    template_name = "service/queue_detail.html"

    def get_context(self, queue):
        members = queue.memberships.select_related("user", "user__service_profile").order_by("user__username")
        return {"members": members, "agent_form": AgentForm(user=self.request.user)}


class QueueEditView(SetupMixin, ObjectEditView):
    model, url_namespace, form_class = Queue, NS, QueueForm

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        members = data.pop("members")
        if instance is None:
            return services.queue_create(acting_user=self.request.user, members=members, **data)
        services.queue_update(queue=instance, acting_user=self.request.user, members=members, **data)
        return instance


@login_required
@permission_required("service.change_queue", raise_exception=True)
@require_POST
def agent_update(request, pk, user_pk):
    queue = get_object_or_404(Queue, pk=pk)
    member = get_object_or_404(User, pk=user_pk, queue_memberships__queue=queue)
    form = AgentForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        services.agent_profile_update(user=member, acting_user=request.user, skills=data["skills"].replace("，", ",").split(","),
                                      available=data["available"], capacity=data["capacity"])
        messages.success(request, _("Saved %(record)s.") % {"record": member})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return HttpResponseRedirect(queue.get_absolute_url())


@login_required
@permission_required("service.add_casecategory", raise_exception=True)
@require_POST
def category_add(request):
    form = CategoryForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.category_create(acting_user=request.user, **{k: v for k, v in form.cleaned_data.items() if k != "is_active"})
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Saved %(record)s.") % {"record": form.cleaned_data["name"]})
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {error}")
    return HttpResponseRedirect(reverse("service:setup"))


class CalendarDetailView(SetupMixin, ObjectDetailView):
    model, url_namespace = BusinessCalendar, NS
    template_name = "service/calendar_detail.html"

    def get_context(self, calendar):
        from .businesshours import parse_hours
        from .choices import Weekday

        weekly = parse_hours(calendar.hours)
        return {
            "weekly": [(day.label, weekly.get(day.value, [])) for day in Weekday],
            "days": calendar.days.order_by("-date")[:200],
            "day_form": CalendarDayForm(user=self.request.user),
            "seed_form": SeedForm(user=self.request.user),
        }


class CalendarEditView(SetupMixin, ObjectEditView):
    model, url_namespace, form_class = BusinessCalendar, NS, CalendarForm

    def save(self, form, instance):
        data = {"name": form.cleaned_data["name"], "time_zone": form.cleaned_data["time_zone"], "hours": form.cleaned_data["hours"]}
        if instance is None:
            return services.calendar_create(acting_user=self.request.user, **data)
        services.calendar_update(calendar=instance, acting_user=self.request.user, **data)
        return instance


@login_required
@permission_required("service.change_businesscalendar", raise_exception=True)
@require_POST
def calendar_day(request, pk):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if request.POST.get("delete"):
        day = get_object_or_404(CalendarDay, pk=request.POST["delete"], calendar=calendar)
        services.calendar_day_delete(day=day, acting_user=request.user)
        messages.success(request, _("Removed %(record)s.") % {"record": day})
    elif request.POST.get("year"):
        form = SeedForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                added = services.calendar_seed_china(calendar=calendar, acting_user=request.user, year=form.cleaned_data["year"])
            except ValidationError as exc:
                report_errors(request, exc)
            else:
                messages.success(request, _("%(count)d official days added.") % {"count": added})
    else:
        form = CalendarDayForm(request.POST, user=request.user)
        if form.is_valid():
            services.calendar_day_set(calendar=calendar, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Saved %(record)s.") % {"record": form.cleaned_data["date"]})
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return HttpResponseRedirect(calendar.get_absolute_url())


class SlaPolicyDetailView(SetupMixin, ObjectDetailView):
    model, url_namespace = SlaPolicy, NS
    template_name = "service/slapolicy_detail.html"

    def get_context(self, policy):
        return {"targets": policy.targets.all(), "target_form": SlaTargetForm(user=self.request.user)}


class SlaPolicyEditView(SetupMixin, ObjectEditView):
    model, url_namespace, form_class = SlaPolicy, NS, SlaPolicyForm

    def save(self, form, instance):
        if instance is None:
            return services.sla_policy_create(acting_user=self.request.user, **form.cleaned_data)
        services.sla_policy_update(policy=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


@login_required
@permission_required("service.change_slapolicy", raise_exception=True)
@require_POST
def sla_target(request, pk):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    if request.POST.get("delete"):
        target = get_object_or_404(SlaTarget, pk=request.POST["delete"], policy=policy)
        services.sla_target_delete(target=target, acting_user=request.user)
        messages.success(request, _("Removed %(record)s.") % {"record": target})
        return HttpResponseRedirect(policy.get_absolute_url())
    form = SlaTargetForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.sla_target_set(policy=policy, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Target saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return HttpResponseRedirect(policy.get_absolute_url())


# --- knowledge base -----------------------------------------------------------------------------


@login_required
@permission_required("service.view_article", raise_exception=True)
def knowledge_base(request):
    """Search articles by words (Chinese or English), best first; without a query, the newest."""
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    public_only = request.GET.get("public") == "1"
    if query:
        articles = selectors.article_search(query=query, public_only=public_only, limit=50)
        if category.isdigit():
            articles = [a for a in articles if a.category_id == int(category)]
    else:
        queryset = Article.objects.select_related("category").order_by("-updated_at", "-id")
        if not request.user.has_perm("service.change_article"):
            queryset = queryset.filter(is_published=True)
        if category.isdigit():
            queryset = queryset.filter(category_id=int(category))
        if public_only:
            queryset = queryset.filter(is_public=True)
        articles = list(queryset.defer("search_tokens")[:50])
    context = {"page_title": _("Knowledge base"), "articles": articles, "query": query, "categories": ArticleCategory.objects.all(),
               "category": category, "public_only": public_only}
    template = "service/_article_results.html" if request.htmx and not request.htmx.boosted else "service/knowledge_base.html"
    return render(request, template, context)


class ArticleDetailView(SetupMixin, ObjectDetailView):
    model, url_namespace = Article, NS
    template_name = "service/article_detail.html"

    def url(self, name: str, *args) -> str:
        return reverse("service:knowledge_base") if name == "list" else super().url(name, *args)

    def get_context(self, article):
        return {"versions": article.versions.select_related("edited_by")[:20], "feedback_form": FeedbackForm(user=self.request.user),
                "case_id": self.request.GET.get("case", "")}


class ArticleEditView(SetupMixin, ObjectEditView):
    model, url_namespace, form_class = Article, NS, ArticleForm

    def url(self, name: str, *args) -> str:
        return reverse("service:knowledge_base") if name == "list" else super().url(name, *args)

    def save(self, form, instance):
        if instance is None:
            return services.article_create(acting_user=self.request.user, **form.cleaned_data)
        services.article_update(article=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


@login_required
@permission_required("service.view_article", raise_exception=True)
@require_POST
def article_feedback(request, pk):
    article = get_object_or_404(Article, pk=pk)
    form = FeedbackForm(request.POST, user=request.user)
    if form.is_valid():
        case = None
        if form.cleaned_data.get("case"):
            case = Case.objects.visible_to(request.user).filter(pk=form.cleaned_data["case"]).first()
        services.article_feedback(article=article, acting_user=request.user, helpful=form.cleaned_data["helpful"],
                                  comment=form.cleaned_data["comment"], case=case)
        messages.success(request, _("Thank you for the feedback."))
    return HttpResponseRedirect(safe_next(request, article.get_absolute_url()))


@login_required
@permission_required("service.view_case", raise_exception=True)
def reports(request):
    """Backlog, SLA attainment, first-contact resolution, resolution time and CSAT for a period, as charts and tables."""
    import datetime

    from django.utils import timezone

    from .reports import service_charts, service_report

    today = timezone.localdate()
    days = request.GET.get("days", "")
    start, end = today - datetime.timedelta(days=30), today
    if days.isdigit() and 0 < int(days) <= 3660:
        start = today - datetime.timedelta(days=int(days))
    else:
        for name, label in (("from", _("from")), ("until", _("until"))):
            value = request.GET.get(name, "")
            if not value:
                continue
            try:
                parsed = datetime.date.fromisoformat(value)
            except ValueError:
                messages.error(request, _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"field": label, "value": value})
                continue
            if name == "from":
                start = parsed
            else:
                end = parsed
        if end < start:
            messages.error(request, _("until: the end of the period is before its start; the two were swapped."))
            start, end = end, start
    zone = timezone.get_current_timezone()
    report = service_report(
        user=request.user, start=datetime.datetime.combine(start, datetime.time.min, zone),
        end=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone),
    )
    return render(request, "service/reports.html", {
        "page_title": _("Service reports"), "report": report, "charts": service_charts(report), "start": start, "end": end,
        "presets": [(7, _("last 7 days")), (30, _("last 30 days")), (90, _("last 90 days")), (365, _("last 12 months"))],
    })


@login_required
@permission_required("service.change_case", raise_exception=True)
def case_customer_lookup(request, pk):
    """Link customer: accounts and contacts matching what the agent types, each with its link buttons."""
    case = _visible_case(request, pk)
    query = request.GET.get("q", "").strip()
    results = selectors.customer_lookup(user=request.user, query=query) if query else {"accounts": [], "contacts": []}
    contacts = [(contact, list(selectors.contact_accounts(contact=contact, user=request.user)[:5])) for contact in results["contacts"]]
    return render(request, "service/_link_customer_results.html", {
        "object": case, "accounts": results["accounts"], "contacts": contacts, "query": query,
        "can_add_contact": request.user.has_perm("customers.add_contact"),
        "suggested_name": case.requester_name or case.requester_email.split("@")[0],
    })


@login_required
@permission_required("service.change_case", raise_exception=True)
@require_POST
def case_link_customer(request, pk):
    """Link a case whose customer was not identified to an account (and a contact, or a new one from the sender)."""
    case = _visible_case(request, pk)
    user = request.user
    account = Account.objects.visible_to(user).filter(pk=request.POST.get("account") or 0).first()
    contact = None
    if request.POST.get("contact"):
        contact = Contact.objects.visible_to(user).filter(pk=request.POST["contact"]).first()
        if contact is None:
            messages.error(request, _("contact: this contact does not exist or you cannot see it."))
            return HttpResponseRedirect(case.get_absolute_url())
    new_contact_name = request.POST.get("new_contact_name", "") if request.POST.get("create_contact") else ""
    if new_contact_name and not user.has_perm("customers.add_contact"):
        raise PermissionDenied
    try:
        with transaction.atomic():
            done = requesters.case_link_customer(
                case=case, acting_user=user, account=account, contact=contact, new_contact_name=new_contact_name,
                remember_address=request.POST.get("remember_address", "1") == "1",
                link_other_cases=request.POST.get("link_other_cases", "1") == "1",
            )
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Linked to %(account)s: %(cases)s.") % {"account": account, "cases": ", ".join(done["linked"])})
        if done["address_added"]:
            messages.info(request, _("Mail from %(email)s now goes to this customer.") % {"email": case.requester_email})
    return HttpResponseRedirect(case.get_absolute_url())
