"""Opportunities: create, change, move between stages (with history), win and lose."""

from __future__ import annotations

from typing import Any, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.framework import services as base
from guanxi.framework.text import tidy

from .. import events
from ..choices import ForecastCategory
from .board import board_key, board_totals_move
from .win_rates import closing_touched, win_rate_contribution, win_rates_move
from ..models import Competitor, Opportunity, Pipeline, Stage, StageChange

__all__ = ["OPPORTUNITY_FIELDS", "default_forecast_category", "default_pipeline", "opportunity_create", "opportunity_delete", "opportunity_move", "opportunity_update"]

OPPORTUNITY_FIELDS = {
    "name", "account", "contact", "owner", "pipeline", "stage", "amount", "currency", "expected_close_date", "probability",
    "forecast_category", "next_step", "description", "close_reason", "close_note", "won_against",
    "price_book",
}


def _reject_unknown(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_active=True).order_by("-is_default", "id").first()
    if pipeline is None:
        raise ValidationError({"pipeline": _("There is no sales pipeline yet; an administrator sets one up under Sales settings.")})
    return pipeline


def _first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(is_won=False, is_lost=False).order_by("order").first()
    if stage is None:
        raise ValidationError({"stage": _("The pipeline “%(pipeline)s” has no open stage.") % {"pipeline": pipeline}})
    return stage


def _check(opportunity: Opportunity) -> None:
    if opportunity.stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": _("The stage “%(stage)s” is not a stage of the pipeline “%(pipeline)s”.") % {
            "stage": opportunity.stage, "pipeline": opportunity.pipeline}})
    if opportunity.contact_id and not opportunity.contact.account_links.filter(account_id=opportunity.account_id).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})
    if opportunity.stage.is_lost and not opportunity.close_reason:
        raise ValidationError({"close_reason": _("Say why the opportunity was lost.")})


def _tidy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tidy(v) if isinstance(v, str) and k != "description" else v for k, v in data.items()}


def default_forecast_category(probability: int | None) -> str:
    """The category an open deal takes from its probability until someone sets one:
    commit from 90 %, best case from 60 %, else pipeline."""
    if probability is not None and probability >= 90:
        return ForecastCategory.COMMIT
    if probability is not None and probability >= 60:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


def _closing_fields(opportunity: Opportunity, stage: Stage, now) -> None:
    opportunity.status = stage.status
    if stage.is_closed:
        opportunity.closed_at = opportunity.closed_at or now
        opportunity.forecast_category = ForecastCategory.CLOSED
        opportunity.probability = 100 if stage.is_won else 0
    else:
        opportunity.closed_at = None
        if opportunity.forecast_category == ForecastCategory.CLOSED:
            opportunity.forecast_category = ForecastCategory.PIPELINE


@transaction.atomic
def opportunity_create(*, acting_user, competitors: Iterable[Competitor] = (), lead=None, **data) -> Opportunity:
    _reject_unknown(data, OPPORTUNITY_FIELDS)
    data = _tidy(data)
    if not data.get("pipeline"):
        data["pipeline"] = data["stage"].pipeline if data.get("stage") else default_pipeline()
    if not data.get("stage"):
        data["stage"] = _first_open_stage(data["pipeline"])
    data.setdefault("owner", acting_user)
    data.setdefault("currency", settings.GUANXI_DEFAULT_CURRENCY)
    if data.get("probability") is None:
        data["probability"] = data["stage"].probability
    if data.get("owner") is None:
        data["owner"] = acting_user
    if not data.get("forecast_category"):
        data["forecast_category"] = default_forecast_category(data["probability"])
    now = timezone.now()
    opportunity = Opportunity(**data, lead=lead, stage_entered_at=now)
    _closing_fields(opportunity, opportunity.stage, now)
    _check(opportunity)
    base.create(opportunity, acting_user=acting_user, m2m={"competitors": competitors})
    board_totals_move(None, board_key(opportunity.pk))
    StageChange.objects.create(
        opportunity=opportunity, from_stage=None, to_stage=opportunity.stage, changed_at=now, changed_by=acting_user,
        owner=opportunity.owner, amount=opportunity.amount,
    )
    if opportunity.stage.is_closed:
        win_rates_move({}, win_rate_contribution(opportunity.pk))
    events.opportunity_created(opportunity, acting_user)
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, acting_user, competitors: Iterable[Competitor] | None = None, **data) -> dict:
    """Change an opportunity; a new stage goes through :func:`opportunity_move` so its history is kept."""
    _reject_unknown(data, OPPORTUNITY_FIELDS)
    data = _tidy(data)
    stage = data.pop("stage", None)
    pipeline = data.pop("pipeline", None)
    if pipeline is not None and pipeline.pk != opportunity.pipeline_id and (stage is None or stage.pipeline_id != pipeline.pk):
        stage = _first_open_stage(pipeline)
    changes: dict = {}
    if stage is not None and stage.pk != opportunity.stage_id:
        close = {k: data.pop(k) for k in ("close_reason", "close_note", "won_against") if k in data}
        if data.get("probability") == opportunity.probability:
            data.pop("probability")  # the form's old value: the new stage's default applies
        changes.update(opportunity_move(opportunity=opportunity, stage=stage, acting_user=acting_user, **close))
    if "probability" in data and data["probability"] is None:
        data.pop("probability")
    if opportunity.stage.is_closed:
        data.pop("probability", None)
        if data.get("forecast_category") not in (None, ForecastCategory.CLOSED):
            data.pop("forecast_category")
    probe = _probe(opportunity, data)
    _check(probe)
    before = board_key(opportunity.pk)
    changes.update(base.update(
        opportunity, acting_user=acting_user, data=data, m2m={"competitors": competitors} if competitors is not None else None,
    ))
    board_totals_move(before, board_key(opportunity.pk))
    return changes


def _probe(opportunity: Opportunity, data: dict) -> Opportunity:
    probe = Opportunity(**{f.attname: getattr(opportunity, f.attname) for f in Opportunity._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    return probe


@transaction.atomic
def opportunity_move(
    *, opportunity: Opportunity, stage: Stage, acting_user, close_reason: str = "", close_note: str = "", won_against=None,
) -> dict:
    """Put the opportunity in ``stage`` (the board's drag and drop): probability, status and history follow."""
    if stage.pk == opportunity.stage_id:
        return {}
    if stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": _("The stage “%(stage)s” is not a stage of the pipeline “%(pipeline)s”.") % {
            "stage": stage, "pipeline": opportunity.pipeline}})
    if stage.is_lost and not close_reason:
        raise ValidationError({"close_reason": _("Say why the opportunity was lost.")})
    now = timezone.now()
    previous = opportunity.stage
    seconds = max(0, int((now - opportunity.stage_entered_at).total_seconds()))
    probe = _probe(opportunity, {"stage": stage})
    if probe.forecast_category == default_forecast_category(opportunity.probability):
        probe.forecast_category = default_forecast_category(stage.probability)  # nobody chose it: follow the stage
    _closing_fields(probe, stage, now)
    data: dict[str, Any] = {
        "stage": stage, "status": probe.status, "probability": probe.probability if stage.is_closed else stage.probability,
        "forecast_category": probe.forecast_category, "closed_at": probe.closed_at,
    }
    if stage.is_closed:
        data.update(close_reason=close_reason, close_note=tidy(close_note), won_against=won_against)
    else:
        data.update(close_reason="", close_note="", won_against=None)
    before = board_key(opportunity.pk)
    # Win rates change only when the deal enters or leaves a closed stage: open-to-open moves skip the reads.
    outcome = closing_touched(previous, stage)
    outcome_before = win_rate_contribution(opportunity.pk) if previous.is_closed else {}
    changes = base.update(opportunity, acting_user=acting_user, data=data, derived={"stage_entered_at": now})
    board_totals_move(before, board_key(opportunity.pk))
    StageChange.objects.create(
        opportunity=opportunity, from_stage=previous, to_stage=stage, changed_at=now, changed_by=acting_user,
        owner=opportunity.owner, seconds_in_from_stage=seconds, amount=opportunity.amount,
    )
    if outcome:
        win_rates_move(outcome_before, win_rate_contribution(opportunity.pk))
    events.opportunity_moved(opportunity, acting_user)
    return changes


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, acting_user) -> None:
    before = board_key(opportunity.pk)
    outcome_before = win_rate_contribution(opportunity.pk)
    base.delete(opportunity, acting_user=acting_user)
    board_totals_move(before, None)
    win_rates_move(outcome_before, {})
