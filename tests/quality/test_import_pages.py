"""The import screens and API: upload, mapping with preview, progress, errors, undo; visibility and query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.customers.models import Contact
from guanxi.framework import jobs
from guanxi.quality.models import ImportBatch, ImportMapping

from .conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db

ROWS = [["姓名", "手机", "职位"], ["页面人", "13955556666", "经理"], ["坏行", "99", ""]]


def _run_latest_job(user):
    job = user.jobs.order_by("-pk").first()
    jobs.run_job.call(job.pk)
    return job


def test_upload_map_preview_and_run_through_the_pages(org, client_for, django_capture_on_commit_callbacks):
    client = client_for(org.rep)
    file = SimpleUploadedFile("页面.csv", csv_bytes(ROWS, "gbk"))
    response = client.post("/quality/imports/new/", {"file": file, "target": "contacts"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/quality/imports/{batch.pk}/map/"
    page = client.get(f"/quality/imports/{batch.pk}/map/").content.decode()
    assert "页面人" in page and "13955556666" in page  # the preview
    assert 'value="phone" selected' in page  # the guessed mapping
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/quality/imports/{batch.pk}/map/", {
            "col_0": "name", "col_1": "phone", "col_2": "title", "mode": "create", "key": "", "save_as": "我的映射",
        })
    assert response.status_code == 302
    _run_latest_job(org.rep)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.error_count) == ("done", 1, 1)
    assert ImportMapping.objects.get(owner=org.rep).columns == {"姓名": "name", "手机": "phone", "职位": "title"}
    detail = client.get(f"/quality/imports/{batch.pk}/").content.decode()
    assert 'id="undo"' in detail and "errors.csv" in detail
    partial = client.get(f"/quality/imports/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('\n<div id="batch-progress"') or 'id="batch-progress"' in partial[:200]
    # the saved mapping is offered for the next file
    second = upload(org.rep, ROWS)
    page = client.get(f"/quality/imports/{second.pk}/map/").content.decode()
    assert "我的映射" in page
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/quality/imports/{batch.pk}/undo/")
    _run_latest_job(org.rep)
    assert not Contact.objects.filter(name="页面人").exists()


def test_mapping_errors_are_shown_on_the_form(org, client_for):
    batch = upload(org.rep, ROWS)
    response = client_for(org.rep).post(f"/quality/imports/{batch.pk}/map/", {"col_0": "", "col_1": "phone", "mode": "skip", "key": "email"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-field-error="key"' in page
    batch.refresh_from_db()
    assert batch.status == "uploaded"


def test_batches_are_visible_by_the_rules(org, client_for, import_file):
    batch = import_file(org.rep, ROWS)
    for user, seen in ((org.rep, True), (org.manager, True), (org.admin, True), (org.other, False), (org.watcher, False)):
        client = client_for(user)
        detail = client.get(f"/quality/imports/{batch.pk}/")
        assert (detail.status_code == 200) is seen, user
        listing = client.get("/quality/imports/")
        assert (batch.filename in listing.content.decode()) is seen if listing.status_code == 200 else not seen
        assert (client.get(f"/quality/imports/{batch.pk}/errors.csv").status_code == 200) is seen
    # nobody outside the scope can change it
    response = client_for(org.other).post(f"/quality/imports/{batch.pk}/undo/")
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == "done"


def test_list_query_count_does_not_grow(org, client_for, import_file):
    client = client_for(org.rep)
    import_file(org.rep, ROWS)
    client.get("/quality/imports/")  # fills the access cache, so both counts below are of warm requests
    with CaptureQueriesContext(connection) as one:
        assert client.get("/quality/imports/").status_code == 200
    for _ in range(4):
        import_file(org.rep, ROWS)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/quality/imports/").status_code == 200
    assert len(five) == len(one)


def _api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_api_upload_start_errors_and_visibility(org, django_capture_on_commit_callbacks):
    api = _api(org.rep)
    file = SimpleUploadedFile("api.csv", csv_bytes(ROWS))
    response = api.post("/api/imports/", {"file": file, "target": "contacts"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["columns"] == ["姓名", "手机", "职位"] and body["mapping"]["手机"] == "phone"
    pk = body["id"]
    bad = api.post(f"/api/imports/{pk}/start/", {"mode": "update", "key": "email"}, format="json")
    assert bad.status_code == 400 and "key" in bad.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/imports/{pk}/start/", {"mode": "create", "dry_run": True}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    _run_latest_job(org.rep)
    body = api.get(f"/api/imports/{pk}/").json()
    assert (body["status"], body["dry_run"], body["created_count"], body["error_count"]) == ("done", True, 1, 1)
    errors = api.get(f"/api/imports/{pk}/errors/").json()["results"]
    assert errors[0]["row_number"] == 3 and errors[0]["field"].startswith("手机")
    assert not Contact.objects.filter(name="页面人").exists()
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/imports/{pk}/start/", {}, format="json").status_code == 202  # for real now
    _run_latest_job(org.rep)
    assert Contact.objects.filter(name="页面人").count() == 1

    outsider = _api(org.other)
    assert outsider.get(f"/api/imports/{pk}/").status_code == 404
    assert pk not in [b["id"] for b in outsider.get("/api/imports/").json()["results"]]
    assert outsider.post(f"/api/imports/{pk}/undo/").status_code == 404
    assert outsider.get(f"/api/imports/{pk}/errors/").status_code == 404
    assert _api(org.manager).get(f"/api/imports/{pk}/").status_code == 200


def test_api_needs_permission_to_add_the_target(org, roles, make_user):
    reader = make_user("reader", role="analyst")
    response = _api(reader).post("/api/imports/", {"file": SimpleUploadedFile("x.csv", csv_bytes(ROWS)), "target": "contacts"}, format="multipart")
    assert response.status_code == 403
