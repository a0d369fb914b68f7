"""Who gets a new lead: assignment rules by territory, round robin within a team, or current load.

Rules are tried in ``order``; the first active rule whose criteria (source, province, industry)
all match and that finds an active user wins. No rule: the caller decides (the creating user, or
the web form's default owner).
"""

from __future__ import annotations

from django.db.models import Count, Q

from guanxi.core.models import Territory, User

from .choices import OPEN_LEAD_STATUSES, AssignmentMethod
from .models import Lead, LeadAssignmentRule


def _matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    return (
        (not rule.source or rule.source == lead.source)
        and (not rule.province or rule.province == lead.province)
        and (not rule.industry or rule.industry == lead.industry)
    )


def _least_loaded(users, exclude: set[int]) -> User | None:
    """The user with the fewest open leads (ties: the lowest id, so the choice is stable)."""
    candidates = users.filter(is_active=True).exclude(pk__in=exclude).annotate(
        open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_LEAD_STATUSES))
    )
    return candidates.order_by("open_leads", "id").first()


def _territory_members(territory: Territory | None):
    """Members of the lead's territory, else of the nearest territory above it that has members."""
    while territory is not None:
        members = User.objects.filter(territories=territory)
        if members.filter(is_active=True).exists():
            return members
        territory = territory.parent
    return User.objects.none()


def _round_robin(rule: LeadAssignmentRule, exclude: set[int]) -> User | None:
    rule = LeadAssignmentRule.objects.select_for_update().get(pk=rule.pk)
    members = list(User.objects.filter(team_id=rule.team_id, is_active=True).exclude(pk__in=exclude).order_by("id"))
    if not members:
        return None
    after = rule.last_assigned_id or 0
    chosen = next((m for m in members if m.pk > after), members[0])
    LeadAssignmentRule.objects.filter(pk=rule.pk).update(last_assigned=chosen)
    return chosen


def choose_owner(lead: Lead, *, exclude: set[int] | None = None) -> tuple[User | None, LeadAssignmentRule | None]:
    exclude = exclude or set()
    for rule in LeadAssignmentRule.objects.filter(is_active=True).order_by("order", "id"):
        if not _matches(rule, lead):
            continue
        user = None
        if rule.method == AssignmentMethod.TERRITORY:
            user = _least_loaded(_territory_members(lead.territory), exclude)
        elif rule.method == AssignmentMethod.ROUND_ROBIN and rule.team_id:
            user = _round_robin(rule, exclude)
        elif rule.method == AssignmentMethod.LEAST_LOAD and rule.team_id:
            user = _least_loaded(User.objects.filter(team_id=rule.team_id), exclude)
        elif rule.method == AssignmentMethod.USER and rule.user_id and rule.user.is_active and rule.user_id not in exclude:
            user = rule.user
        if user is not None:
            return user, rule
    return None, None
