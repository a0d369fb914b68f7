"""The sales charts page: pipeline by stage, conversion funnel, win rate and sales cycle by month."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import reports
from .models import Pipeline


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def sales_reports(request):
    pipelines = list(Pipeline.objects.filter(is_active=True))
    wanted = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == wanted), pipelines[0] if pipelines else None)
    months = reports.months_back(timezone.localdate())
    by_stage = reports.pipeline_by_stage(user=request.user, pipeline=pipeline) if pipeline else []
    funnel = reports.funnel(user=request.user, pipeline=pipeline, since=reports._period_start(months)) if pipeline else []
    monthly = reports.win_rate_and_cycle(user=request.user, months=months)
    labels = [f"{m:%Y-%m}" for m in months]
    charts = {
        "stage": reports.bar_options([r["stage"].name for r in by_stage], [(_("amount"), [float(r["amount"]) for r in by_stage]),
                                                                          (_("opportunities"), [r["count"] for r in by_stage])]),
        "funnel": reports.funnel_options(funnel, _("Conversion funnel")),
        "win_rate": reports.line_options(labels, [(_("win rate (%)"), [r["win_rate"] for r in monthly])], y_name="%", y_max=100),
        "cycle": reports.bar_options(labels, [(_("average days to win"), [r["cycle_days"] for r in monthly])], y_name=_("days")),
    }
    return render(request, "sales/reports.html", {
        "pipelines": pipelines, "pipeline": pipeline, "by_stage": by_stage, "funnel": funnel, "monthly": monthly, "charts": charts,
        "page_title": _("Sales reports"),
    })
