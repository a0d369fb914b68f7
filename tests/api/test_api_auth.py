"""Token authentication end to end, the ``token`` command, and the audit log over the API."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.core.models import AuditEntry

PASSWORD = "Str0ng-pass-4-tests"


def test_token_obtained_by_password_writes_as_the_api(org):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "rep_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/accounts/", {"name": "冯十一"}, format="json")
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(object_id=str(response.json()["id"]), content_type__model="account")
    assert entry.source == "api" and entry.actor == org.rep_a
    assert entry.source_detail.startswith(f"token {key[:6]}")


def test_bad_credentials_and_missing_or_unknown_tokens(org):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "rep_a", "password": "wrong"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]
    assert client.get("/api/accounts/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/accounts/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"


def test_token_command_creates_once_and_revokes(org, api):
    out = io.StringIO()
    call_command("token", "create", "rep_a", stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=org.rep_a).key == key
    again = io.StringIO()
    call_command("token", "create", "rep_a", stdout=again)
    assert again.getvalue().strip() == key  # idempotent: the existing token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/users/me/").json()["username"] == "rep_a"

    call_command("token", "revoke", "rep_a", stdout=io.StringIO())
    assert not Token.objects.filter(user=org.rep_a).exists()
    assert client.get("/api/users/me/").status_code == 401
    with pytest.raises(CommandError):
        call_command("token", "create", "nobody", stdout=io.StringIO())


def test_me_needs_no_model_permission(api, org):
    body = api(org.rep_a).get("/api/users/me/").json()
    assert body["username"] == "rep_a" and body["team"] == org.east.pk and body["roles"] == ["sales_rep"]
    assert api(org.rep_a).get("/api/users/").status_code == 403  # the user list is for who may view users
    assert org.rep_a.pk in [u["id"] for u in api(org.admin).get("/api/users/").json()["results"]]


def test_history_of_an_account(api, org, world):
    client = api(org.admin)
    api(org.rep_a).patch(f"/api/accounts/{world.acct_a.pk}/", {"value_tier": "vip"}, format="json")
    response = client.get("/api/audit/", {"content_type": "customers.account", "object_id": world.acct_a.pk})
    rows = response.json()["results"]
    assert [row["action"] for row in rows] == ["update", "create"]  # newest first
    assert rows[0]["changes"] == {"value_tier": ["ordinary", "vip"]}
    assert rows[0]["source"] == "api" and rows[0]["actor"] == org.rep_a.pk and rows[0]["actor_name"] == "rep_a"
    assert rows[0]["content_type"] == "customers.account"
    response = client.get("/api/audit/", {"content_type": "customers.nothing"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["content_type"]
    assert api(org.rep_a).get("/api/audit/").status_code == 403  # reps hold no view_auditentry


def test_read_only_endpoints_refuse_writes(api, org):
    assert api(org.admin).post("/api/roles/", {"code": "x"}, format="json").status_code == 405
    assert api(org.admin).delete(f"/api/users/{org.rep_a.pk}/").status_code == 405
    roles = api(org.admin).get("/api/roles/").json()["results"]
    rep = next(r for r in roles if r["code"] == "sales_rep")
    assert "customers.add_account" in rep["permissions"] and not rep["organisation_wide"]


@pytest.mark.parametrize(("endpoint", "rep_status"), [
    ("users", 403), ("teams", 403), ("roles", 403), ("audit", 403), ("territories", 200), ("tags", 200),
])
def test_organisation_endpoints_follow_the_model_permissions(api, org, endpoint, rep_status):
    assert api(org.admin).get(f"/api/{endpoint}/").status_code == 200
    assert api(org.rep_a).get(f"/api/{endpoint}/").status_code == rep_status
    assert APIClient().get(f"/api/{endpoint}/").status_code == 401
