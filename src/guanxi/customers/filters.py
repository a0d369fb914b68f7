"""One filterset per model: the list page, the API and exports share it."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Territory, User
from guanxi.framework.search import contains, prefix, prefix_and
from guanxi.framework.visibility import scope_for
from guanxi.framework.text import query_terms

from .choices import AccountKind, AccountSource, Channel, CreditRating, Direction, Industry, LifecycleStage, Outcome, ValueTier
from .models import Account, Contact, Interaction, Tag


def text_search_branches(model, terms: dict) -> list[Q]:
    """The ways a search can match, each answerable from one index: the search document (name,
    pinyin, initials, phone digits, e-mails) and, for a short run of letters, initials by prefix.

    Kept apart so that a search can ask each from its own index (see ``selectors._ranked``): OR-ed
    together, PostgreSQL combines two bitmaps and must read every candidate's row to check visibility.
    """
    text = terms["compact"] if terms["digits"] else terms["text"]
    if terms["cjk"] and terms["pinyin"] and len(text) < 3:
        # Two hanzi give a trigram index nothing to use; their pinyin does, and narrows first.
        q = contains(model, terms["pinyin"]) & Q(search_text__contains=text)
    elif len(terms["digits"] or text) < 3:
        # One or two letters: too short to mean a substring; they mean a name or initials prefix.
        q = prefix(name_pinyin=text)
    else:
        q = contains(model, terms["digits"] or text)
    branches = [q]
    if terms["initials_like"] and len(terms["initials_like"]) <= 6:
        branches.append(prefix(name_initials=terms["initials_like"]))
    return branches


def name_prefix_branch(terms: dict) -> Q | None:
    """The start of a name, in pinyin, as a B-tree range on ``name_pinyin``: Latin letters as typed
    ("zhangwei", "ibm c"), hanzi by their pinyin and then themselves ("张伟" → ``zhangwei…`` holding 张伟).

    Its matches rank above every other way's (exact name, start of the name, start of the pinyin), so
    a search that finds enough of them needs no other index (``selectors._ranked``). ``None`` where the
    query cannot be the start of a name: digits, e-mail, one or two letters (initials then), mixed text.
    """
    if terms["initials_like"] and len(terms["compact"]) >= 3:
        return prefix(name_pinyin=terms["compact"])
    pinyin = terms["pinyin"]
    if terms["cjk"] and pinyin.isascii() and pinyin.isalpha() and " " not in terms["text"]:
        return prefix_and(prefix(name_pinyin=pinyin), search_text__contains=terms["text"])
    return None


def text_search_q(model, terms: dict) -> Q:
    """Every way of ``text_search_branches`` in one condition (list filters, exports, the API)."""
    q = Q()
    for branch in text_search_branches(model, terms):
        q |= branch
    return q


class SearchFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(text_search_q(queryset.model, query_terms(value)))


def tagged(queryset, name, tags):
    """Records carrying any of the tags, as a semi-join: a join would repeat rows and need DISTINCT."""
    if not tags:
        return queryset
    through = queryset.model.tags.through
    column = queryset.model._meta.model_name
    return queryset.filter(pk__in=through.objects.filter(tag__in=tags).values(f"{column}_id"))


def _users(request):
    """Owners to filter by: everyone for organisation-wide roles, else the owners in the user's scope."""
    users = User.objects.filter(is_active=True).only("id", "username", "display_name", "first_name", "last_name").order_by("username")
    scope = scope_for(getattr(request, "user", None))
    return users if scope.everything else users.filter(pk__in=scope.owner_ids)


def _territories(request):
    return Territory.objects.filter(is_active=True).only("id", "name").order_by("code")


class AccountFilterSet(SearchFilterSet):
    kind = filters.ChoiceFilter(label=_("type"), choices=AccountKind.choices)
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), distinct=False, queryset=_users)
    territory = filters.ModelMultipleChoiceFilter(label=_("territory"), distinct=False, queryset=_territories)
    value_tier = filters.MultipleChoiceFilter(label=_("value tier"), distinct=False, choices=ValueTier.choices)
    lifecycle_stage = filters.MultipleChoiceFilter(label=_("lifecycle stage"), distinct=False, choices=LifecycleStage.choices)
    industry = filters.MultipleChoiceFilter(label=_("industry"), distinct=False, choices=Industry.choices)
    source = filters.MultipleChoiceFilter(label=_("source"), distinct=False, choices=AccountSource.choices)
    credit_rating = filters.MultipleChoiceFilter(label=_("credit rating"), distinct=False, choices=CreditRating.choices)
    province = filters.CharFilter(label=_("province"))
    city = filters.CharFilter(label=_("city"))
    tag = filters.ModelMultipleChoiceFilter(label=_("tags"), queryset=Tag.objects.only("id", "name"), method=tagged, distinct=False)
    do_not_call = filters.BooleanFilter(label=_("do not call"))
    do_not_email = filters.BooleanFilter(label=_("do not e-mail"))
    consent_email = filters.BooleanFilter(label=_("e-mail marketing consent"))
    created_after = filters.DateFilter(label=_("created from"), field_name="created_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"}))
    created_before = filters.DateFilter(label=_("created until"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"}))
    satisfaction_min = filters.NumberFilter(label=_("satisfaction at least"), field_name="satisfaction_score", lookup_expr="gte")

    class Meta:
        model = Account
        fields: list[str] = []


class ContactFilterSet(SearchFilterSet):
    owner = filters.ModelMultipleChoiceFilter(label=_("owner"), distinct=False, queryset=_users)
    account = filters.NumberFilter(label=_("account"), field_name="account_links__account")
    title = filters.CharFilter(label=_("job title"), lookup_expr="icontains")
    tag = filters.ModelMultipleChoiceFilter(label=_("tags"), queryset=Tag.objects.only("id", "name"), method=tagged, distinct=False)
    do_not_call = filters.BooleanFilter(label=_("do not call"))
    do_not_email = filters.BooleanFilter(label=_("do not e-mail"))
    consent_email = filters.BooleanFilter(label=_("e-mail marketing consent"))

    class Meta:
        model = Contact
        fields: list[str] = []


class InteractionFilterSet(filters.FilterSet):
    account = filters.NumberFilter(label=_("account"))
    contact = filters.NumberFilter(label=_("contact"))
    user = filters.ModelMultipleChoiceFilter(label=_("user / agent"), distinct=False, queryset=_users)
    channel = filters.MultipleChoiceFilter(label=_("channel"), distinct=False, choices=Channel.choices)
    direction = filters.ChoiceFilter(label=_("direction"), choices=Direction.choices)
    outcome = filters.MultipleChoiceFilter(label=_("outcome"), distinct=False, choices=Outcome.choices)
    started_after = filters.DateFilter(label=_("from"), field_name="started_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"}))
    started_before = filters.DateFilter(label=_("until"), field_name="started_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"}))
    reason = filters.CharFilter(label=_("reason"), lookup_expr="icontains")

    class Meta:
        model = Interaction
        fields: list[str] = []

