"""The scope provider: which owners and territories a user reaches, and why."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from guanxi.framework.visibility import Scope

from .models import Role, Team, Territory, User


def descendants(parent_of: dict[int, int | None], roots: set[int]) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for node, parent in parent_of.items():
        children[parent].append(node)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return seen


def _nearest_managed(team_id: int, parent_of: dict[int, int | None], managed) -> int:
    """The team the user manages that the member's team is, or sits under, most closely."""
    node: int | None = team_id
    while node is not None and node not in managed:
        node = parent_of.get(node)
    return team_id if node is None else node


def user_scope(user: User) -> Scope:
    if user.is_superuser:
        return Scope(user_id=user.pk, everything=True, everything_reason=_("You are a superuser"))
    wide = Role.objects.filter(group__user=user, organisation_wide=True).values_list("name", flat=True).first()
    if wide:
        return Scope(
            user_id=user.pk, everything=True,
            everything_reason=_("Your role %(role)s has organisation-wide access") % {"role": wide},
        )

    owner_reasons: dict[int, str] = {user.pk: _("You own it")}
    # The whole team tree in one query (teams are few); the user's own teams are those it manages.
    team_rows = list(Team.objects.values_list("id", "parent_id", "name", "manager_id"))
    managed = {team_id: name for team_id, _parent, name, manager_id in team_rows if manager_id == user.pk}
    if managed:
        teams = {team_id: parent_id for team_id, parent_id, _name, _manager in team_rows}
        names = {team_id: name for team_id, _parent, name, _manager in team_rows}
        reached = descendants(teams, set(managed))
        for member_id, team_id in User.objects.filter(team_id__in=reached, is_active=True).values_list("id", "team_id"):
            if member_id != user.pk:
                owner_reasons[member_id] = _("You manage team %(team)s, and its member owns it") % {
                    "team": names[_nearest_managed(team_id, teams, managed)],
                }

    territory_reasons: dict[int, str] = {}
    mine = dict(Territory.objects.filter(members=user).values_list("id", "name"))
    if mine:
        rows = list(Territory.objects.values_list("id", "parent_id", "name"))
        tree = {territory_id: parent_id for territory_id, parent_id, _name in rows}
        names = {territory_id: name for territory_id, _parent, name in rows}
        for root_id, root_name in mine.items():
            for territory_id in descendants(tree, {root_id}):
                if territory_id == root_id:
                    reason = _("You are a member of its territory %(territory)s") % {"territory": root_name}
                else:
                    reason = _("It is in %(territory)s, under your territory %(root)s") % {
                        "territory": names[territory_id], "root": root_name,
                    }
                territory_reasons.setdefault(territory_id, reason)
    return Scope(
        user_id=user.pk,
        owner_ids=frozenset(owner_reasons),
        territory_ids=frozenset(territory_reasons),
        owner_reasons=owner_reasons,
        territory_reasons=territory_reasons,
    )
