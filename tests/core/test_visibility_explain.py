"""``explain``: why a user sees a record, in words, and the Settings page that asks it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from guanxi.core.models import User
from guanxi.customers import services
from guanxi.framework.visibility import explain


def reasons(user, obj) -> list[str]:
    with translation.override("en"):
        fresh = User.objects.get(pk=user.pk)  # the scope (and its wording) is cached per user object
        return explain(fresh, obj)


def test_owner(org):
    assert reasons(org.rep, org.rep_account) == ["You own it"]


def test_team_manager_and_the_manager_above(org):
    assert reasons(org.manager, org.rep_account) == ["You manage team 华东销售, and its member owns it"]
    assert reasons(org.director, org.rep_account) == ["You manage team 销售部, and its member owns it"]
    assert reasons(org.director, org.other_account) == ["You manage team 销售部, and its member owns it"]


def test_territory_member(org):
    assert reasons(org.watcher, org.rep_account) == ["It is in 上海, under your territory 华东"]
    services.account_update(account=org.other_account, acting_user=org.admin, territory=org.region)
    assert reasons(org.watcher, org.other_account) == ["You are a member of its territory 华东"]


def test_organisation_wide_roles_and_superusers(org, make_user):
    for user in (org.analyst, org.admin):
        [reason] = reasons(user, org.other_account)
        assert reason.startswith("Your role ") and reason.endswith(" has organisation-wide access")
    boss = make_user("boss", role=None, superuser=True)
    assert reasons(boss, org.rep_account) == ["You are a superuser"]


def test_outsiders_get_no_reason(org):
    assert reasons(org.other, org.rep_account) == []
    assert reasons(org.rep, org.other_account) == []
    assert reasons(org.manager, org.other_account) == []


def test_contacts_and_interactions_are_explained_through_their_account(org):
    interaction = services.interaction_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact,
                                              channel="phone", started_at=timezone.now() - datetime.timedelta(hours=1))
    assert reasons(org.watcher, org.rep_contact) == ["Through 张三科技有限公司: It is in 上海, under your territory 华东"]
    assert reasons(org.watcher, interaction) == ["Through 张三科技有限公司: It is in 上海, under your territory 华东"]
    assert set(reasons(org.rep, org.rep_contact)) == {"You own it", "Through 张三科技有限公司: You own it"}
    assert reasons(org.other, org.rep_contact) == []
    phone = org.rep_account.phonenumber_set.get()
    assert reasons(org.manager, phone) == ["Through 张三科技有限公司: You manage team 华东销售, and its member owns it"]


def test_inactive_users_see_nothing(org):
    org.rep.is_active = False
    assert explain(org.rep, org.rep_account) == []


@pytest.mark.parametrize("viewer", ["admin", "analyst"])
def test_settings_page_shows_the_reasons(client_for, org, viewer):
    client = client_for(getattr(org, viewer))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get("/settings/visibility/", {"subject": org.watcher.pk, "record_type": "customers.account",
                                                     "record_id": org.rep_account.pk})
    assert response.status_code == 200
    assert response.context["result"]["reasons"] == ["It is in 上海, under your territory 华东"]
    page = response.content.decode()
    assert "It is in 上海, under your territory 华东" in page
    response = client.get("/settings/visibility/", {"subject": org.other.pk, "record_type": "customers.contact",
                                                     "record_id": org.rep_contact.pk})
    assert response.context["result"]["reasons"] == []
    assert "cannot see" in response.content.decode()


def test_settings_page_reports_a_missing_record_under_its_field(client_for, org):
    response = client_for(org.admin).get("/settings/visibility/", {"subject": org.rep.pk, "record_type": "customers.account",
                                                                    "record_id": 999999})
    assert response.status_code == 200 and list(response.context["form"].errors) == ["record_id"]
    response = client_for(org.admin).get("/settings/visibility/", {"subject": org.rep.pk, "record_type": "core.user", "record_id": 1})
    assert "record_type" in response.context["form"].errors, "only customer records are explained"
