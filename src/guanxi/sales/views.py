"""Pages of the sales app: leads, opportunities and their board, the stage report, sales settings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import User
from guanxi.framework.feedback import report_errors
from guanxi.framework.forms import render_selects_in_python
from guanxi.framework.services import field_errors
from guanxi.framework.urls import record_url
from guanxi.framework.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView, apply_errors

from . import selectors, services
from .catalog_views import opportunity_lines_context
from .choices import LEAD_TRANSITIONS, LeadStatus
from .filters import LeadFilterSet, OpportunityFilterSet
from .forms import LeadConvertForm, LeadDisqualifyForm, LeadForm, OpportunityCloseForm, OpportunityForm
from .models import Lead, Opportunity, Pipeline, Stage
from .tables import LeadTable, OpportunityTable

NS = "sales"

LEAD_EXPORT = [
    ("pk", "ID"), ("name", gettext_lazy("name")), ("company", gettext_lazy("company")), ("title", gettext_lazy("job title")),
    ("phone", gettext_lazy("phone")), ("email", gettext_lazy("e-mail")), ("status", gettext_lazy("status")),
    ("disqualify_reason", gettext_lazy("disqualification reason")), ("rating", gettext_lazy("rating")),
    ("score", gettext_lazy("score")), ("source", gettext_lazy("source")), ("campaign", gettext_lazy("campaign")),
    ("industry", gettext_lazy("industry")), ("province", gettext_lazy("province")), ("city", gettext_lazy("city")),
    ("territory", gettext_lazy("territory")), ("owner", gettext_lazy("owner")), ("created_at", gettext_lazy("created")),
    ("updated_at", gettext_lazy("updated")),
]
OPPORTUNITY_EXPORT = [
    ("pk", "ID"), ("name", gettext_lazy("name")), ("account", gettext_lazy("account")), ("pipeline", gettext_lazy("pipeline")),
    ("stage", gettext_lazy("stage")), ("status", gettext_lazy("status")), ("amount", gettext_lazy("amount")),
    ("currency", gettext_lazy("currency")), ("probability", gettext_lazy("probability (%)")),
    ("forecast_category", gettext_lazy("forecast category")), ("expected_close_date", gettext_lazy("expected close date")),
    ("next_step", gettext_lazy("next step")), ("owner", gettext_lazy("owner")), ("close_reason", gettext_lazy("win / loss reason")),
    ("updated_at", gettext_lazy("updated")),
]


# --- leads --------------------------------------------------------------------------------------

class LeadListView(ObjectListView):
    model, url_namespace = Lead, NS
    filterset_class, table_class = LeadFilterSet, LeadTable
    select_related = ("owner", "territory")
    export_fields = LEAD_EXPORT
    template_name = "sales/lead_list.html"


class LeadDetailView(ObjectDetailView):
    model, url_namespace = Lead, NS
    template_name = "sales/lead_detail.html"
    select_related = ("owner", "territory", "converted_account", "converted_contact", "converted_opportunity")

    def get_context(self, lead):
        statuses = [s for s in LeadStatus if s in LEAD_TRANSITIONS.get(lead.status, set()) and s != LeadStatus.DISQUALIFIED]
        return {"next_statuses": statuses, "disqualify_form": LeadDisqualifyForm(user=self.request.user)}


class LeadEditView(ObjectEditView):
    model, url_namespace, form_class = Lead, NS, LeadForm

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            if data.get("owner") is None:
                data.pop("owner")
            if data.get("territory") is None:
                data.pop("territory")
            return services.lead_create(acting_user=self.request.user, **data)
        if data.get("owner") is None:
            data["owner"] = instance.owner
        services.lead_update(lead=instance, acting_user=self.request.user, **data)
        return instance


class LeadDeleteView(ObjectDeleteView):
    model, url_namespace = Lead, NS

    def delete(self, obj):
        services.lead_delete(lead=obj, acting_user=self.request.user)


def _visible_lead(request, pk: int) -> Lead:
    return get_object_or_404(Lead.objects.visible_to(request.user).select_related("owner"), pk=pk)


def _error_message(request, exc: ValidationError) -> None:
    report_errors(request, exc)


@login_required
@permission_required("sales.change_lead", raise_exception=True)
@require_POST
def lead_status(request, pk: int):
    lead = _visible_lead(request, pk)
    try:
        services.lead_set_status(lead=lead, acting_user=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("The lead is now “%(status)s”.") % {"status": lead.get_status_display()})
    return HttpResponseRedirect(lead.get_absolute_url())


@login_required
@permission_required("sales.change_lead", raise_exception=True)
def lead_disqualify(request, pk: int):
    lead = _visible_lead(request, pk)
    form = LeadDisqualifyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_disqualify(lead=lead, acting_user=request.user, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The lead is disqualified."))
            return HttpResponseRedirect(lead.get_absolute_url())
    return render(request, "sales/lead_disqualify.html", {"object": lead, "form": form, "page_title": _("Disqualify %(lead)s") % {"lead": lead}})


@login_required
@permission_required("sales.change_lead", raise_exception=True)
def lead_convert(request, pk: int):
    """Show likely duplicate accounts, let the user pick one or create a new one, then convert."""
    lead = _visible_lead(request, pk)
    if not (request.user.has_perm("customers.add_contact") and request.user.has_perm("customers.add_account")):
        raise Http404
    candidates = selectors.duplicate_accounts(user=request.user, lead=lead)
    form = LeadConvertForm(request.POST or None, user=request.user, candidates=candidates,
                           initial={"account_name": lead.company or lead.name, "amount": lead.budget,
                                    "create_opportunity": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                result = services.lead_convert(
                    lead=lead, acting_user=request.user, account=data["account"], account_name=data["account_name"],
                    create_opportunity=data["create_opportunity"], opportunity_name=data["opportunity_name"],
                    amount=data["amount"], expected_close_date=data["expected_close_date"], pipeline=data["pipeline"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Converted: %(account)s, %(contact)s.") % {"account": result["account"], "contact": result["contact"]})
            target = result["opportunity"] or result["account"]
            return HttpResponseRedirect(target.get_absolute_url())
    return render(request, "sales/lead_convert.html", {
        "object": lead, "form": form, "candidates": candidates, "page_title": _("Convert %(lead)s") % {"lead": lead},
    })


# --- opportunities ------------------------------------------------------------------------------

class OpportunityListView(ObjectListView):
    model, url_namespace = Opportunity, NS
    filterset_class, table_class = OpportunityFilterSet, OpportunityTable
    select_related = ("account", "owner", "stage", "pipeline")
    list_only = ("name", "status", "amount", "currency", "probability", "expected_close_date", "updated_at", "account__name",
                 "stage__name", "pipeline__name", *(f"owner__{name}" for name in ("username", "display_name", "first_name", "last_name")))
    export_fields = OPPORTUNITY_EXPORT


class OpportunityDetailView(ObjectDetailView):
    model, url_namespace = Opportunity, NS
    template_name = "sales/opportunity_detail.html"
    select_related = ("account", "contact", "owner", "pipeline", "stage", "won_against", "price_book")

    def get_context(self, opportunity):
        return {
            "stages": list(opportunity.pipeline.stages.order_by("order")),
            "time_in_stages": selectors.time_in_stages(opportunity=opportunity),
            "competitors": opportunity.competitors.all(),
            "close_form": OpportunityCloseForm(user=self.request.user),
            **opportunity_lines_context(self.request.user, opportunity),
        }


class OpportunityEditView(ObjectEditView):
    model, url_namespace, form_class = Opportunity, NS, OpportunityForm
    initial_from_query = ("account", "contact", "pipeline")

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        competitors = data.pop("competitors")
        if instance is None:
            for key in ("owner", "pipeline", "stage", "probability"):
                if data.get(key) is None:
                    data.pop(key)
            return services.opportunity_create(acting_user=self.request.user, competitors=competitors, **data)
        for key in ("owner", "pipeline", "stage"):
            if data.get(key) is None:
                data.pop(key)
        services.opportunity_update(opportunity=instance, acting_user=self.request.user, competitors=competitors, **data)
        return instance


class OpportunityDeleteView(ObjectDeleteView):
    model, url_namespace = Opportunity, NS

    def delete(self, obj):
        services.opportunity_delete(opportunity=obj, acting_user=self.request.user)


def _visible_opportunity(request, pk: int) -> Opportunity:
    return get_object_or_404(Opportunity.objects.visible_to(request.user).select_related("stage", "pipeline", "account", "owner"), pk=pk)


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_board(request):
    """The kanban board of one pipeline; the same filters as the list narrow it."""
    pipelines = list(Pipeline.objects.filter(is_active=True))
    pipeline = None
    wanted = request.GET.get("pipeline")
    if wanted and wanted.isdigit():
        pipeline = next((p for p in pipelines if p.pk == int(wanted)), None)
    pipeline = pipeline or (pipelines[0] if pipelines else None)
    filterset = OpportunityFilterSet(request.GET or None, queryset=Opportunity.objects.visible_to(request.user), request=request)
    for name in ("pipeline", "stage", "status"):
        filterset.form.fields.pop(name, None)
        filterset.filters.pop(name, None)
    valid = filterset.is_bound and filterset.is_valid()
    queryset = filterset.qs if valid else Opportunity.objects.visible_to(request.user)
    from_totals, totals_filter = _board_totals_filter(filterset.form.cleaned_data if valid else {})
    columns = selectors.board(user=request.user, pipeline=pipeline, queryset=queryset, from_totals=from_totals,
                              totals_filter=totals_filter) if pipeline else []
    can_change = request.user.has_perm("sales.change_opportunity")
    for column in columns:
        column["cards_html"] = board_cards_html(column["cards"], can_change=can_change)
    partial = request.htmx and not request.htmx.boosted
    if not partial:
        render_selects_in_python(filterset.form, only=BOARD_FILTER_FIELDS)
    context = {
        "pipelines": pipelines, "pipeline": pipeline, "columns": columns, "filter_form": filterset.form,
        "filter_fields": [filterset.form[name] for name in filterset.form.fields if name in BOARD_FILTER_FIELDS],
        "can_change": can_change, "page_title": _("Pipeline board"), "query": request.GET.urlencode(),
    }
    return render(request, "sales/_board.html" if partial else "sales/opportunity_board.html", context)


def whole_amount_format():
    """``amount|floatformat:0|intcomma`` as a function for the active language: rounded half up to a whole
    number, grouped as ``intcomma`` groups it (the formats are looked up once, not per amount)."""
    separator, grouping = get_format("THOUSAND_SEPARATOR"), get_format("NUMBER_GROUPING")

    def whole(amount) -> str:
        return numberformat.format(int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)), ".", None, grouping, separator,
                                   force_grouping=True, use_l10n=True)
    return whole


#: the filters the board's page shows (the others still apply when a link carries them)
BOARD_FILTER_FIELDS = ("q", "owner", "territory", "forecast_category")


def board_cards_html(cards: list[dict], *, can_change: bool) -> SafeString:
    """A column's cards, built here rather than by a template loop (120 cards, each a dozen lookups and filters).

    Same markup and formats as the template had: the amount rounded half up and grouped like ``intcomma``
    for the active language, the close date as month-day, the owner as ``User.__str__`` names them.
    """
    if not cards:
        return mark_safe("")
    whole = whole_amount_format()
    draggable = "true" if can_change else "false"
    out = []
    for card in cards:
        pk = int(card["id"])
        amount = whole(card["amount"])
        owner = User.name_from(card["owner__display_name"], card["owner__first_name"], card["owner__last_name"], card["owner__username"])
        close = card["expected_close_date"]
        out.append(
            f'<article class="card shadow-sm kanban-card" draggable="{draggable}" data-opportunity="{pk}" '
            f'data-move-url="{record_url("sales:opportunity_move", pk)}" tabindex="0"><div class="card-body p-2">'
            f'<a class="fw-semibold d-block text-truncate" href="{record_url("sales:opportunity_detail", pk)}">{escape(card["name"])}</a>'
            f'<div class="small text-truncate">{escape(card["account__name"])}</div>'
            f'<div class="small d-flex justify-content-between"><span>{escape(card["currency"])} {amount}</span>'
            f'<span class="text-muted">{close:%m-%d}</span></div>'
            f'<div class="small text-muted text-truncate">{escape(owner)}</div></div></article>'
        )
    return mark_safe("".join(out))


def _filter_used(value) -> bool:
    if isinstance(value, QuerySet):
        return not value.query.is_empty()
    return value not in (None, "", [], ())


BOARD_TOTALS_FILTERS = {"owner": "owner__in", "account": "account_id", "territory": "account__territory__in"}


def _board_totals_filter(cleaned: dict) -> tuple[bool, Q | None]:
    """Whether the board's figures can come from the kept totals: only when every filter in use is one the totals
    know (owner, account, the account's territory); with the ``Q`` for those."""
    used = {name: value for name, value in cleaned.items() if _filter_used(value)}
    if any(name not in BOARD_TOTALS_FILTERS for name in used):
        return False, None
    condition = Q()
    for name, value in used.items():
        condition &= Q(**{BOARD_TOTALS_FILTERS[name]: value})
    return True, condition


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
@require_POST
def opportunity_move(request, pk: int):
    """Drop a card on a stage. A closed stage (won / lost) asks for the reason on its own page."""
    opportunity = _visible_opportunity(request, pk)
    stage = get_object_or_404(Stage, pk=request.POST.get("stage") or 0, pipeline_id=opportunity.pipeline_id)
    if stage.is_closed:
        url = reverse("sales:opportunity_close", args=[opportunity.pk]) + f"?stage={stage.pk}"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
    try:
        services.opportunity_move(opportunity=opportunity, stage=stage, acting_user=request.user)
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(" ".join(r for reasons in field_errors(exc).values() for r in reasons), status=422)
        _error_message(request, exc)
        return HttpResponseRedirect(opportunity.get_absolute_url())
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Trigger": "board-changed"})
    messages.success(request, _("Moved to “%(stage)s”.") % {"stage": stage})
    return HttpResponseRedirect(request.POST.get("next") or opportunity.get_absolute_url())


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
def opportunity_close(request, pk: int):
    """Win or lose an opportunity: choose the closed stage, the reason and the competitor."""
    opportunity = _visible_opportunity(request, pk)
    closed_stages = list(opportunity.pipeline.stages.filter(is_won=True) | opportunity.pipeline.stages.filter(is_lost=True))
    stage_id = request.POST.get("stage") or request.GET.get("stage")
    stage = next((s for s in closed_stages if str(s.pk) == str(stage_id)), None)
    form = OpportunityCloseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if stage is None:
            form.add_error(None, _("Choose whether the opportunity was won or lost."))
        else:
            try:
                services.opportunity_move(opportunity=opportunity, stage=stage, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” is now “%(stage)s”.") % {"name": opportunity, "stage": stage})
                return HttpResponseRedirect(opportunity.get_absolute_url())
    return render(request, "sales/opportunity_close.html", {
        "object": opportunity, "form": form, "stages": closed_stages, "stage": stage,
        "page_title": _("Close %(name)s") % {"name": opportunity},
    })


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def stage_report(request):
    pipelines = list(Pipeline.objects.filter(is_active=True))
    wanted = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == wanted), pipelines[0] if pipelines else None)
    rows = selectors.stage_report(user=request.user, pipeline=pipeline) if pipeline else []
    return render(request, "sales/stage_report.html", {
        "pipelines": pipelines, "pipeline": pipeline, "rows": rows, "rows_html": stage_report_rows_html(rows),
        "page_title": _("Stage report"),
    })


def stage_report_rows_html(rows: list[dict]) -> SafeString:
    """The stage report's 160 rows, built here rather than by a template loop (same markup and formats)."""
    whole = whole_amount_format()
    out = []
    for row in rows:
        o = row["opportunity"]
        days_to_close, win_rate, probability = row["days_to_close"], row["win_rate"], row["probability"]
        if win_rate is None:
            rate = '<td class="text-end">—</td>'
        else:
            low = " text-danger" if win_rate < probability else ""
            rate = f'<td class="text-end{low}">{win_rate}% <small class="text-muted">({row["closed_from_stage"]})</small></td>'
        out.append(
            f'<tr><td><a href="{escape(o.get_absolute_url())}">{escape(o.name)}</a></td>'
            f'<td>{escape(str(o.account))}</td><td>{escape(str(o.stage))}</td>'
            f'<td class="text-end">{whole(o.amount)}</td><td class="text-end">{row["days_in_stage"]}</td>'
            f'<td class="text-end{" text-danger" if days_to_close < 0 else ""}">{days_to_close}</td>'
            f'<td class="text-end">{probability}</td>{rate}<td>{escape(str(o.owner))}</td></tr>'
        )
    return mark_safe("".join(out))


@login_required
@permission_required("sales.add_lead", raise_exception=True)
def lead_import(request):
    """Upload a CSV or Excel file of leads; bad rows are listed, good rows are kept."""
    from .forms import LeadImportForm
    from .imports import import_leads

    form = LeadImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_leads(acting_user=request.user, data=upload.read(), filename=upload.name)
        if result.created:
            messages.success(request, _("%(count)d leads imported.") % {"count": result.created})
    return render(request, "sales/lead_import.html", {"form": form, "result": result, "page_title": _("Import leads")})


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def competitor_report(request):
    from .reports import bar_options

    rows = selectors.competitor_win_loss(user=request.user)
    chart = bar_options([str(r["competitor"]) for r in rows], [(_("won"), [r["won"] for r in rows]), (_("Lost"), [r["lost"] for r in rows])],
                        horizontal=True, stack=True)
    return render(request, "sales/competitor_report.html", {
        "rows": rows, "chart": chart, "page_title": _("Win / loss by competitor"),
    })
