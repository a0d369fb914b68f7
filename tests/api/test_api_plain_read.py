"""The API list's fast paths give DRF's own output: PlainReadMixin's representation, the tag keys prefetched
as a list, and the filterset left out when no parameter names a filter."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from guanxi.customers import services as customers
from guanxi.customers.api.serializers import AccountSerializer, ContactSerializer, InteractionSerializer
from guanxi.customers.api.views import AccountViewSet, ContactViewSet
from guanxi.customers.models import Account, Contact, Interaction, Tag
from guanxi.framework.api import prefetch_keys


@pytest.fixture
def tagged(org, world):
    vip, key = Tag.objects.create(name="重点", color="danger"), Tag.objects.create(name="老客户", color="info")
    customers.account_update(account=Account.objects.get(pk=world.acct_a.pk), acting_user=org.rep_a, tags=[vip, key])
    customers.contact_update(contact=Contact.objects.get(pk=world.contact_a.pk), acting_user=org.rep_a, tags=[key])
    return vip, key


def drf_representation(serializer, instance) -> dict:
    """What DRF's ModelSerializer gives for ``instance``, the mixin left out."""
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.mark.parametrize("serializer_class, model, prefetch", [
    (AccountSerializer, Account, ()),
    (AccountSerializer, Account, ("tags",)),
    (AccountSerializer, Account, (prefetch_keys("tags", Tag.objects.only("pk")),)),
    (ContactSerializer, Contact, ("tags",)),
    (ContactSerializer, Contact, (prefetch_keys("tags"),)),
    (InteractionSerializer, Interaction, ("documents",)),
])
def test_plain_read_gives_drfs_representation(org, world, tagged, serializer_class, model, prefetch):
    request = SimpleNamespace(user=org.admin)
    rows = list(model.objects.visible_to(org.admin).select_related().prefetch_related(*prefetch).order_by("pk"))
    assert rows
    serializer = serializer_class(context={"request": request})
    for row in rows:
        assert serializer.to_representation(row) == drf_representation(serializer_class(context={"request": request}), row)


def test_tags_of_the_api_list_are_the_records_tags(api, org, world, tagged):
    vip, key = tagged
    listed = {row["id"]: row for row in api(org.admin).get("/api/accounts/").json()["results"]}
    assert sorted(listed[world.acct_a.pk]["tags"]) == sorted([vip.pk, key.pk])
    assert listed[world.acct_b.pk]["tags"] == []
    detail = api(org.admin).get(f"/api/accounts/{world.acct_a.pk}/").json()
    assert detail == listed[world.acct_a.pk], "the list's fast path shows what the detail's DRF path shows"
    contacts = api(org.admin).get("/api/contacts/").json()["results"]
    assert [row["tags"] for row in contacts if row["id"] == world.contact_a.pk] == [[key.pk]]


def test_list_prefetch_is_for_the_list_only(org):
    assert AccountViewSet.list_prefetch and ContactViewSet.list_prefetch
    view = AccountViewSet(action="retrieve", request=SimpleNamespace(user=org.admin))
    lookups = view.get_queryset()._prefetch_related_lookups
    assert lookups == ("tags",) and not any(isinstance(lookup, Prefetch) for lookup in lookups)


def test_unfiltered_list_builds_no_filterset_and_filters_still_apply(api, org, world, monkeypatch):
    from django_filters.filterset import BaseFilterSet

    validated = []
    original = BaseFilterSet.is_valid
    monkeypatch.setattr(BaseFilterSet, "is_valid", lambda self: validated.append(type(self).__name__) or original(self))
    client = api(org.admin)
    assert len(client.get("/api/accounts/", {"page_size": 2, "ordering": "name"}).json()["results"]) == 2
    assert validated == [], "paging and sorting name no filter"
    assert [row["id"] for row in client.get("/api/accounts/", {"q": "王五"}).json()["results"]] == [world.acct_b.pk]
    assert validated == ["AccountFilterSet"]
    response = client.get("/api/accounts/", {"value_tier": "platinum"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["value_tier"]


def test_account_list_queries_do_not_grow_with_tagged_rows(api, org, world, tagged):
    client = api(org.admin)
    client.get("/api/accounts/")  # the access cache filled
    with CaptureQueriesContext(connection) as few:
        client.get("/api/accounts/")
    vip, _key = tagged
    for n in range(6):
        account = customers.account_create(acting_user=org.rep_b, name=f"新客户{n}")
        customers.account_update(account=account, acting_user=org.rep_b, tags=[vip])
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/accounts/").json()["results"]) == 9
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("serializer_class", [AccountSerializer, ContactSerializer, InteractionSerializer])
def test_kept_fields_are_drfs_and_each_serializers_own(serializer_class, monkeypatch):
    """The fields built once per class are those DRF builds for each serializer, and each serializer has its own."""
    built = serializers.ModelSerializer.get_fields(serializer_class())  # DRF's own, the mixin left out
    first, second = serializer_class(), serializer_class()
    assert list(first.fields) == list(built)
    for name, field in built.items():
        assert type(first.fields[name]) is type(field) and repr(first.fields[name]) == repr(field), name
        assert first.fields[name] is not second.fields[name] and first.fields[name].parent is first, name
    first.fields["id"].read_only = False
    assert serializer_class().fields["id"].read_only, "a change to one serializer's field stays in it"

    def build_field(*args, **kwargs):
        raise AssertionError("the model was inspected again")

    monkeypatch.setattr(serializers.ModelSerializer, "build_field", build_field)
    assert list(serializer_class().fields) == list(built), "later serializers copy the kept fields"
