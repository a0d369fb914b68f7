"""Filtersets of the records that have no list page of their own (links, child records, tags).

Accounts, contacts and interactions use the filtersets of their list pages in
:mod:`guanxi.customers.filters`, so the API filters exactly as the UI does.
"""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from ..choices import ContactRole
from ..models import AccountContact, Address, Document, EmailAddress, Note, PhoneNumber, Tag


class AccountContactFilterSet(filters.FilterSet):
    account = filters.NumberFilter(label=_("account"))
    contact = filters.NumberFilter(label=_("contact"))
    role = filters.MultipleChoiceFilter(label=_("role"), choices=ContactRole.choices)
    is_primary = filters.BooleanFilter(label=_("main contact"))

    class Meta:
        model = AccountContact
        fields: list[str] = []


class PartyChildFilterSet(filters.FilterSet):
    account = filters.NumberFilter(label=_("account"))
    contact = filters.NumberFilter(label=_("contact"))


def _party_child_filterset(child_model):
    meta = type("Meta", (), {"model": child_model, "fields": []})
    return type(f"{child_model.__name__}FilterSet", (PartyChildFilterSet,), {"Meta": meta, "__module__": __name__})


AddressFilterSet = _party_child_filterset(Address)
PhoneNumberFilterSet = _party_child_filterset(PhoneNumber)
EmailAddressFilterSet = _party_child_filterset(EmailAddress)
DocumentFilterSet = _party_child_filterset(Document)
NoteFilterSet = _party_child_filterset(Note)


class TagFilterSet(filters.FilterSet):
    name = filters.CharFilter(label=_("name"), lookup_expr="icontains")

    class Meta:
        model = Tag
        fields: list[str] = []
