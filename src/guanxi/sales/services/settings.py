"""Sales settings: pipelines and stages, competitors, lead scoring and assignment rules, web-to-lead forms."""

from __future__ import annotations

from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from guanxi.framework import services as base
from guanxi.framework.text import tidy

from ..models import Competitor, LeadAssignmentRule, LeadScoringRule, Pipeline, Stage, WebToLeadForm

__all__ = [
    "competitor_create", "competitor_delete", "competitor_update", "pipeline_create", "pipeline_update",
    "rule_create", "rule_delete", "rule_update", "stage_add", "stage_delete", "stage_update",
]


def _tidy(data: dict) -> dict:
    return {k: tidy(v) if isinstance(v, str) and k not in {"strengths", "weaknesses", "allowed_origins", "thank_you"} else v for k, v in data.items()}


@transaction.atomic
def pipeline_create(*, acting_user, name: str, stages: Iterable[tuple] = (), is_default: bool = False, is_active: bool = True) -> Pipeline:
    """A pipeline with its stages given as ``(name, probability, is_won, is_lost)`` in order."""
    pipeline = base.create(Pipeline(name=tidy(name), is_default=is_default, is_active=is_active), acting_user=acting_user)
    for name_, probability, is_won, is_lost in stages:
        stage_add(pipeline=pipeline, acting_user=acting_user, name=name_, probability=probability, is_won=is_won, is_lost=is_lost)
    if is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
    return pipeline


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, acting_user, **data) -> dict:
    changes = base.update(pipeline, acting_user=acting_user, data=_tidy(data))
    if pipeline.is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
    return changes


@transaction.atomic
def stage_add(*, pipeline: Pipeline, acting_user, name: str, probability: int, is_won: bool = False, is_lost: bool = False, order: int | None = None) -> Stage:
    if order is None:
        order = (pipeline.stages.aggregate(top=Max("order"))["top"] or 0) + 10
    if is_won and is_lost:
        raise ValidationError({"is_lost": _("A stage cannot be both won and lost.")})
    return base.create(Stage(pipeline=pipeline, name=tidy(name), probability=probability, is_won=is_won, is_lost=is_lost, order=order), acting_user=acting_user)


@transaction.atomic
def stage_update(*, stage: Stage, acting_user, **data) -> dict:
    if data.get("is_won", stage.is_won) and data.get("is_lost", stage.is_lost):
        raise ValidationError({"is_lost": _("A stage cannot be both won and lost.")})
    return base.update(stage, acting_user=acting_user, data=_tidy(data))


@transaction.atomic
def stage_delete(*, stage: Stage, acting_user) -> None:
    if stage.opportunities.exists():
        raise ValidationError({"stage": _("Opportunities are in this stage; move them first.")})
    base.delete(stage, acting_user=acting_user)


@transaction.atomic
def competitor_create(*, acting_user, **data) -> Competitor:
    return base.create(Competitor(**_tidy(data)), acting_user=acting_user)


@transaction.atomic
def competitor_update(*, competitor: Competitor, acting_user, **data) -> dict:
    return base.update(competitor, acting_user=acting_user, data=_tidy(data))


@transaction.atomic
def competitor_delete(*, competitor: Competitor, acting_user) -> None:
    base.delete(competitor, acting_user=acting_user)


RULE_MODELS = (LeadScoringRule, LeadAssignmentRule, WebToLeadForm)


def _check_rule(rule) -> None:
    if isinstance(rule, LeadAssignmentRule):
        from ..choices import AssignmentMethod

        if rule.method in (AssignmentMethod.ROUND_ROBIN, AssignmentMethod.LEAST_LOAD) and not rule.team_id:
            raise ValidationError({"team": _("Choose the team whose members get the leads.")})
        if rule.method == AssignmentMethod.USER and not rule.user_id:
            raise ValidationError({"user": _("Choose the user who gets the leads.")})
    if isinstance(rule, WebToLeadForm):
        for origin in rule.origins():
            if not origin.startswith(("http://", "https://")) or "/" in origin.split("://", 1)[1]:
                raise ValidationError({"allowed_origins": _("“%(origin)s” is not an origin such as https://www.example.com.") % {"origin": origin}})


@transaction.atomic
def rule_create(*, model, acting_user, **data):
    """Create a scoring rule, an assignment rule or a web-to-lead form (``model`` says which)."""
    if model not in RULE_MODELS:
        raise ValueError(model)
    rule = model(**_tidy(data))
    _check_rule(rule)
    base.create(rule, acting_user=acting_user)
    _after_rule_change(rule)
    return rule


@transaction.atomic
def rule_update(*, rule, acting_user, **data) -> dict:
    data = _tidy(data)
    probe = type(rule)(**{f.attname: getattr(rule, f.attname) for f in type(rule)._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    _check_rule(probe)
    changes = base.update(rule, acting_user=acting_user, data=data)
    if changes:
        _after_rule_change(rule)
    return changes


@transaction.atomic
def rule_delete(*, rule, acting_user) -> None:
    base.delete(rule, acting_user=acting_user)
    _after_rule_change(rule)


def _after_rule_change(rule) -> None:
    if isinstance(rule, LeadScoringRule):
        from .leads import leads_rescore

        # Scores of open leads follow the rules at once, in the same transaction.
        leads_rescore()
