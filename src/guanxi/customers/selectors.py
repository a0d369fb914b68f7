"""Reads of customer data, always through ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from guanxi.framework.registry import registry
from guanxi.framework.search import prefix, unindexed
from guanxi.framework.text import format_phone, query_terms
from guanxi.framework.visibility import scope_for, visibility_q

from .filters import name_prefix_branch, text_search_branches
from .models import Account, AccountContact, Contact, Interaction, TimelineEvent


CANDIDATES = 200


def _ranked(visible, terms: dict, limit: int, *, rows=None, by_prefix=None):
    """The best ``limit`` matches among ``visible`` (the records the user may see).

    ``rows``: how to read the matches (joins, columns, annotations), from the model's plain manager. The
    keys come from ``visible`` alone, so the rows need not carry the visibility rules again: the last query
    reads a few hundred keys without planning and checking the scope a second time.
    ``by_prefix(field, value, also, ordered)``: the keys of the visible records whose ``field`` starts with
    ``value`` and that match the lookups ``also``, found another way than ``visible`` (None: ask
    ``visible``), for the ways that are a prefix (``framework.search.prefix``).
    """
    if rows is None:
        rows = visible

    def keys(branch, ordered: bool) -> list[int]:
        spec = getattr(branch, "name_prefix", None)
        found = by_prefix(*spec, ordered=ordered) if spec is not None and by_prefix is not None else None
        if found is not None:
            return found
        matches = visible.filter(branch)
        matches = matches.order_by("name_pinyin") if ordered else matches.order_by()
        return list(matches.values_list("pk", flat=True)[:CANDIDATES])

    text = terms["text"]
    rank = Case(
        When(name=text, then=Value(0)),
        When(name__startswith=text, then=Value(1)),
        When(name_pinyin__startswith=terms["compact"], then=Value(2)),
        When(name_initials__startswith=terms["compact"], then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    # Rank only the first few hundred matches: the index finds them, ranking a million would not be fast.
    # Each way of matching is asked on its own and unordered, so the database walks one index (for
    # initials, one that also holds the owner: visibility is checked without reading the rows) and
    # stops at the limit.
    candidates: dict[int, None] = {}
    starts = name_prefix_branch(terms)
    if starts is not None:
        # Names that start with the query, from the pinyin B-tree in its order: when they fill the page
        # they are the best matches, and the trigram index (tens of ms for a common name) is not asked.
        candidates = dict.fromkeys(keys(starts, ordered=True))
    if len(candidates) < limit:
        for branch in text_search_branches(visible.model, terms):
            candidates.update(dict.fromkeys(keys(branch, ordered=False)))
    if not candidates:
        return []
    return list(rows.filter(pk__in=candidates).annotate(rank=rank).order_by("rank", "name_pinyin", "pk")[:limit])


#: the columns a search result shows (``search_results_as_dicts``): the global search reads no more
ACCOUNT_RESULT_FIELDS = ("name", "city", "primary_phone", "owner__username", "owner__display_name", "owner__first_name", "owner__last_name")
CONTACT_RESULT_FIELDS = ("name", "title", "primary_phone", "primary_account__name")


def account_search(*, user, query: str, limit: int = 10, only: tuple[str, ...] = ()) -> list[Account]:
    """The accounts ``user`` sees that match ``query``, best first; ``only``: the columns to read (all by default)."""
    terms = query_terms(query)
    if not terms["text"]:
        return []
    rows = Account.objects.select_related("owner")
    return _ranked(Account.objects.visible_to(user), terms, limit, rows=rows.only(*only) if only else rows,
                   by_prefix=lambda field, value, also, ordered: account_keys_by_name_start(user, field, value, also, ordered=ordered))


def account_keys_by_name_start(user, field: str, value: str, also: dict | None = None, *, ordered: bool,
                               limit: int = CANDIDATES) -> list[int] | None:
    """Keys of up to ``limit`` accounts ``user`` sees whose ``field`` (pinyin or initials) starts with ``value``
    (and that match the lookups ``also``), in that field's order when ``ordered``; None where the plain visible
    query is as good (organisation-wide).

    The rule is ``visible_to``'s, checked on the name's range of ``account_*_vis_idx``, which holds the owner
    and territory: tested as ``+owner_id`` (``keys_unindexed``), so that SQLite, which keeps no statistics of
    ranges, does not walk every account of the owners instead (19–35 ms at a million).
    """
    scope = scope_for(user)
    if scope.everything or scope.user_id is None:
        return None
    rows = Account.objects.filter(prefix(**{field: value}), **(also or {}))
    rows = rows.filter(visibility_q(Account, scope, keys_unindexed=True))
    return list((rows.order_by(field) if ordered else rows.order_by()).values_list("pk", flat=True)[:limit])


def contact_search(*, user, query: str, limit: int = 10, only: tuple[str, ...] = ()) -> list[Contact]:
    """The contacts ``user`` sees that match ``query``, best first; ``only``: the columns to read (all by default)."""
    terms = query_terms(query)
    if not terms["text"]:
        return []
    rows = Contact.objects.select_related("primary_account")
    rows = with_visible_primary_account(rows.only(*only) if only else rows, user)
    return _ranked(Contact.objects.visible_to(user), terms, limit, rows=rows,
                   by_prefix=lambda field, value, also, ordered: contact_keys_by_name_start(user, field, value, also, ordered=ordered))


#: a contact's name keys as its account links copy them (``services.contact_links_sync``)
LINK_NAME_KEYS = {"name_pinyin": "contact_pinyin", "name_initials": "contact_initials"}


def contact_keys_by_name_start(user, field: str, value: str, also: dict | None = None, *, ordered: bool,
                               limit: int = CANDIDATES) -> list[int] | None:
    """Keys of up to ``limit`` contacts ``user`` sees whose ``field`` (pinyin or initials) starts with
    ``value`` (and that match the lookups ``also``, checked on the contact), in that field's order when
    ``ordered``; None where the plain visible query is as good.

    A contact is visible when its owner is in the user's scope or one of its accounts is (the owner or
    territory copied onto the link). Asked as one condition, PostgreSQL finds every contact whose name
    starts so (11,431 for "zw" at two million contacts) and tests each against the team's account links
    (tens of thousands), 9–13 ms a search. Asked per way, each is a range of one index that holds the
    visibility key first: the contacts the user's owners own, then the links of the owners' and the
    territories' accounts, whose copies of the contact's name keys are in the same index.
    """
    scope = scope_for(user)
    link_field = LINK_NAME_KEYS.get(field)
    if scope.everything or scope.user_id is None or link_field is None:
        return None
    also = also or {}
    parts = []  # (the column holding the name key, its rows as (key, contact id))
    if scope.owner_ids:
        # the owners' contacts from the name's range, the owner checked there (``unindexed``)
        parts.append((field, Contact.objects.alias(owner_key=unindexed("owner_id"))
                      .filter(prefix(**{field: value}), owner_key__in=sorted(scope.owner_ids), **also).values_list(field, "pk")))
    on_contact = {f"contact__{lookup}": wanted for lookup, wanted in also.items()}
    for key, ids in (("account_owner_id__in", scope.owner_ids), ("account_territory_id__in", scope.territory_ids)):
        if ids:
            parts.append((link_field, AccountContact.objects.filter(prefix(**{link_field: value}), **{key: sorted(ids)}, **on_contact)
                          .values_list(link_field, "contact_id")))
    found: list[tuple[str, int]] = []
    for column, rows in parts:
        found += (rows.order_by(column) if ordered else rows.order_by())[:limit]
    if ordered:
        found.sort()
    return list(dict.fromkeys(pk for _key, pk in found))[:limit]


def with_visible_primary_account(contacts, user):
    """Mark whether each contact's main account is visible to ``user`` (``Contact.shown_primary_account``).

    A contact seen through one account may work mainly for another that the user cannot see; that
    account's name must not appear beside the contact in lists, exports or search results.
    """
    visible = Account.objects.visible_to(user).filter(pk=OuterRef("primary_account_id"))
    return contacts.annotate(primary_account_visible=Exists(visible))


def global_search(*, user, query: str, limit: int = 10) -> list[dict]:
    """Results of every registered provider, grouped by kind, in the providers' order."""
    groups = []
    for provider in registry.sorted(registry.search_providers):
        results = provider.search(user, query, limit)
        if results:
            groups.append({"key": provider.key, "label": provider.label, "results": results})
    return groups


def account_contacts(*, account: Account):
    return (
        AccountContact.objects.filter(account=account).select_related("contact").order_by("-is_primary", "contact__name_pinyin")
    )


def account_key_figures(*, account: Account, contacts: int | None = None) -> dict:
    """Interactions (count, last, average satisfaction) and contacts of ``account``; ``contacts``: their
    number when the caller has read the account's contacts already (the 360° view lists them all)."""
    from django.db.models import Avg, Count, Max

    figures = Interaction.objects.filter(account=account).aggregate(
        interactions=Count("id"), last_contact=Max("started_at"), avg_satisfaction=Avg("satisfaction")
    )
    figures["contacts"] = AccountContact.objects.filter(account=account).count() if contacts is None else contacts
    return figures


TIMELINE_PAGE = 20
#: deeper than this, the 360° view sends the user to the interaction list (filtered, sortable, exportable)
TIMELINE_DEPTH = 500


def account_timeline(*, account: Account, limit: int = TIMELINE_PAGE, offset: int = 0) -> tuple[list[dict], bool]:
    """Interactions, domain events and every registered source, newest first, as one list.

    Returns the ``limit`` entries after ``offset`` and whether more follow. Each source gives its
    newest ``offset + limit + 1`` entries (an index range scan each), so every page is exact whatever
    the sources' timestamps, and the first page, the one every 360° view shows, is the cheapest.
    """
    wanted = offset + limit + 1
    interactions = Interaction.objects.filter(account=account).select_related("contact", "user")
    events = TimelineEvent.objects.filter(account=account).select_related("actor")
    entries = [{"at": i.started_at, "kind": "interaction", "object": i} for i in interactions.order_by("-started_at", "-id")[:wanted]]
    entries += [{"at": e.occurred_at, "kind": "event", "object": e} for e in events.order_by("-occurred_at", "-id")[:wanted]]
    for source in registry.timeline_sources.values():
        entries += source.entries(account, wanted)
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    page = entries[offset : offset + limit + 1]
    return page[:limit], len(page) > limit


def search_results_as_dicts(objects, kind_label) -> list[dict]:
    out = []
    for obj in objects:
        phone = format_phone(obj.primary_phone) if obj.primary_phone else ""
        if isinstance(obj, Account):
            subtitle = " · ".join(x for x in (obj.city, phone, str(obj.owner)) if x)
        else:
            subtitle = " · ".join(x for x in (str(obj.shown_primary_account() or ""), obj.title, phone) if x)
        out.append({"title": obj.name, "subtitle": subtitle, "url": obj.get_absolute_url(), "kind": kind_label})
    return out

