"""Lead scoring: configurable rules add points; a hook lets another app (analytics) set the final score.

``score_lead(lead)`` is what the lead services call on every save. By default the score is the sum
of the matching active rules' points. An app with a model score registers a replacement with
``set_score_hook(fn)``; ``fn(lead, rule_points)`` returns the score to store (it may blend both).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

from .choices import RuleOperator
from .models import Lead, LeadScoringRule

ScoreHook = Callable[[Lead, int], int]
_hook: ScoreHook | None = None


def set_score_hook(hook: ScoreHook | None) -> None:
    """Replace how the final score is computed (``None`` restores the rules alone)."""
    global _hook
    _hook = hook


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def rule_matches(rule: LeadScoringRule, lead: Lead) -> bool:
    raw = getattr(lead, rule.field, "")
    value = "" if raw is None else str(raw).strip().casefold()
    wanted = rule.value.strip().casefold()
    op = rule.operator
    if op == RuleOperator.EMPTY:
        return value == ""
    if op == RuleOperator.NOT_EMPTY:
        return value != ""
    if op == RuleOperator.EQUALS:
        return value == wanted
    if op == RuleOperator.NOT_EQUALS:
        return value != wanted
    if op == RuleOperator.CONTAINS:
        return bool(wanted) and wanted in value
    if op == RuleOperator.IN:
        return value in {part.strip() for part in wanted.replace("，", ",").split(",") if part.strip()}
    if op in (RuleOperator.AT_LEAST, RuleOperator.AT_MOST):
        left, right = _number(raw) if raw not in (None, "") else None, _number(rule.value)
        if left is None or right is None:
            return False
        return left >= right if op == RuleOperator.AT_LEAST else left <= right
    return False


def rule_points(lead: Lead, rules: Iterable[LeadScoringRule] | None = None) -> int:
    if rules is None:
        rules = LeadScoringRule.objects.filter(is_active=True)
    return sum(rule.points for rule in rules if rule_matches(rule, lead))


def score_lead(lead: Lead, rules: Iterable[LeadScoringRule] | None = None) -> int:
    points = rule_points(lead, rules)
    return int(_hook(lead, points)) if _hook is not None else points
