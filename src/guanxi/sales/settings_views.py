"""Sales settings pages: pipelines and stages, competitors, lead scoring and assignment rules, web forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectDetailView, ObjectEditView, apply_errors

from . import services
from .forms import AssignmentRuleForm, CompetitorForm, PipelineForm, ScoringRuleForm, StageForm, WebToLeadFormForm
from .models import Competitor, LeadAssignmentRule, LeadScoringRule, Pipeline, PriceBook, Product, Stage, TaxRate, WebToLeadForm

NS = "sales"
SETTINGS_MODELS = (Pipeline, Competitor, LeadScoringRule, LeadAssignmentRule, WebToLeadForm, Product, PriceBook, TaxRate)


def _can_view_any(user) -> bool:
    return any(user.has_perm(f"sales.view_{m._meta.model_name}") for m in SETTINGS_MODELS)


@login_required
def sales_settings(request):
    if not _can_view_any(request.user):
        raise PermissionDenied
    user = request.user
    sections = []
    if user.has_perm("sales.view_pipeline"):
        sections.append(("pipelines", Pipeline, Pipeline.objects.prefetch_related("stages")))
    if user.has_perm("sales.view_product"):
        sections.append(("products", Product, Product.objects.select_related("default_tax_rate")))
    if user.has_perm("sales.view_taxrate"):
        sections.append(("taxrates", TaxRate, TaxRate.objects.all()))
    if user.has_perm("sales.view_pricebook"):
        sections.append(("pricebooks", PriceBook, PriceBook.objects.all()))
    if user.has_perm("sales.view_competitor"):
        sections.append(("competitors", Competitor, Competitor.objects.all()))
    if user.has_perm("sales.view_leadscoringrule"):
        sections.append(("scoring", LeadScoringRule, LeadScoringRule.objects.all()))
    if user.has_perm("sales.view_leadassignmentrule"):
        sections.append(("assignment", LeadAssignmentRule, LeadAssignmentRule.objects.select_related("team", "user")))
    if user.has_perm("sales.view_webtoleadform"):
        sections.append(("forms", WebToLeadForm, WebToLeadForm.objects.select_related("default_owner")))
    context = {
        "sections": [{
            "key": key, "model_name": model._meta.model_name, "title": model._meta.verbose_name_plural, "rows": rows,
            "can_add": user.has_perm(f"sales.add_{model._meta.model_name}"),
            "can_change": user.has_perm(f"sales.change_{model._meta.model_name}"),
            "can_delete": user.has_perm(f"sales.delete_{model._meta.model_name}"),
        } for key, model, rows in sections],
        "page_title": _("Sales settings"),
    }
    return render(request, "sales/settings.html", context)


class _SettingsEdit(ObjectEditView):
    url_namespace = NS

    def save(self, form, instance):
        if instance is None:
            return services.rule_create(model=self.model, acting_user=self.request.user, **form.cleaned_data)
        services.rule_update(rule=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


class ScoringRuleEditView(_SettingsEdit):
    model, form_class = LeadScoringRule, ScoringRuleForm


class AssignmentRuleEditView(_SettingsEdit):
    model, form_class = LeadAssignmentRule, AssignmentRuleForm


class WebToLeadFormEditView(_SettingsEdit):
    model, form_class = WebToLeadForm, WebToLeadFormForm
    template_name = "sales/webtoleadform_edit.html"


class CompetitorEditView(ObjectEditView):
    model, url_namespace, form_class = Competitor, NS, CompetitorForm

    def save(self, form, instance):
        if instance is None:
            return services.competitor_create(acting_user=self.request.user, **form.cleaned_data)
        services.competitor_update(competitor=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


class PipelineEditView(ObjectEditView):
    model, url_namespace, form_class = Pipeline, NS, PipelineForm

    def save(self, form, instance):
        if instance is None:
            return services.pipeline_create(acting_user=self.request.user, **form.cleaned_data)
        services.pipeline_update(pipeline=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


class PipelineDetailView(ObjectDetailView):
    model, url_namespace = Pipeline, NS
    template_name = "sales/pipeline_detail.html"

    def get_context(self, pipeline):
        return {
            "stages": pipeline.stages.order_by("order"),
            "stage_form": StageForm(user=self.request.user),
            "can_change": self.request.user.has_perm("sales.change_pipeline"),
        }


def _need(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


@login_required
def stage_edit(request, pipeline_pk: int, pk: int | None = None):
    """Add a stage to a pipeline, or change one."""
    _need(request.user, "sales.change_pipeline")
    pipeline = get_object_or_404(Pipeline, pk=pipeline_pk)
    stage = get_object_or_404(Stage, pk=pk, pipeline=pipeline) if pk else None
    form = StageForm(request.POST or None, instance=stage, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if stage is None:
                services.stage_add(pipeline=pipeline, acting_user=request.user, **form.cleaned_data)
            else:
                services.stage_update(stage=stage, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(pipeline.get_absolute_url())
    title = _("Edit %(record)s") % {"record": stage} if stage else _("New %(model)s") % {"model": Stage._meta.verbose_name}
    return render(request, "generic/object_edit.html", {"form": form, "object": stage, "page_title": title, "cancel_url": pipeline.get_absolute_url()})


@login_required
@require_POST
def stage_delete(request, pipeline_pk: int, pk: int):
    _need(request.user, "sales.change_pipeline")
    stage = get_object_or_404(Stage, pk=pk, pipeline_id=pipeline_pk)
    try:
        services.stage_delete(stage=stage, acting_user=request.user)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Deleted %(record)s.") % {"record": stage})
    return HttpResponseRedirect(stage.pipeline.get_absolute_url())


RULES = {"leadscoringrule": LeadScoringRule, "leadassignmentrule": LeadAssignmentRule, "webtoleadform": WebToLeadForm}


@login_required
@require_POST
def rule_delete(request, kind: str, pk: int):
    model = RULES.get(kind)
    if model is None:
        raise PermissionDenied
    _need(request.user, f"sales.delete_{kind}")
    rule = get_object_or_404(model, pk=pk)
    services.rule_delete(rule=rule, acting_user=request.user)
    messages.success(request, _("Deleted %(record)s.") % {"record": rule})
    return HttpResponseRedirect(request.POST.get("next") or "/sales/settings/")
