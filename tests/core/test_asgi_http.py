"""HTTP through the ASGI application that ``guanxi serve`` runs (Django's WSGI handler in a2wsgi's threads)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator


def _get(path: str, headers=()) -> dict:
    from guanxi.asgi import application

    async def request():
        communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"127.0.0.1"), *headers])
        return await communicator.get_response(timeout=20)

    return async_to_sync(request)()


def _header(response: dict, name: bytes) -> list[bytes]:
    return [value for key, value in response["headers"] if key.lower() == name]


@pytest.mark.django_db(transaction=True)
def test_healthz_and_the_login_page_through_the_asgi_application():
    health = _get("/healthz")
    assert health["status"] == 200 and b'"database": "ok"' in health["body"]
    login = _get("/login/", headers=[(b"accept-language", b"zh-hans")])
    assert login["status"] == 200
    assert "登录".encode() in login["body"], "the browser's language chose the page's"
    assert any(cookie.startswith(b"csrftoken=") for cookie in _header(login, b"set-cookie"))


@pytest.mark.django_db(transaction=True)
def test_a_page_behind_the_login_redirects_through_the_asgi_application():
    response = _get("/customers/accounts/")
    assert response["status"] == 302
    assert _header(response, b"location") == [b"/login/?next=/customers/accounts/"]


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_export_streams_through_the_asgi_application(org):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(org.rep)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
    response = _get("/customers/accounts/?export=csv", headers=[(b"cookie", cookie)])
    assert response["status"] == 200
    assert _header(response, b"content-type") == [b"text/csv; charset=utf-8"]
    body = response["body"].decode("utf-8-sig")
    assert "张三科技有限公司" in body, "the rep's own account is in the streamed file"
    assert org.other_account.name not in body, "and what the rep cannot see is not"


@pytest.mark.django_db(transaction=True)
def test_a_file_upload_posts_through_the_asgi_application(org):
    """A multipart body (an import file) reaches the view whole, with the session and the CSRF check."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from guanxi.quality.models import ImportBatch
    from guanxi.asgi import application

    client = Client()
    client.force_login(org.admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = _get_new_csrf_string()
    rows = "名称,电话\n" + "".join(f"上传测试{i}有限公司,1391234{i:04d}\n" for i in range(300))
    body = encode_multipart(BOUNDARY, {
        "file": SimpleUploadedFile("客户.csv", rows.encode("utf-8"), content_type="text/csv"),
        "target": "accounts", "csrfmiddlewaretoken": token,
    })
    headers = [(b"host", b"127.0.0.1"), (b"content-type", MULTIPART_CONTENT.encode()), (b"content-length", str(len(body)).encode()),
               (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}".encode())]

    async def post():
        communicator = HttpCommunicator(application, "POST", "/quality/imports/new/", body=body, headers=headers)
        return await communicator.get_response(timeout=20)

    response = async_to_sync(post)()
    assert response["status"] == 302, response["body"].decode()[-1500:]
    batch = ImportBatch.objects.get()
    assert _header(response, b"location") == [f"/quality/imports/{batch.pk}/map/".encode()]
    assert batch.owner == org.admin and batch.filename == "客户.csv" and batch.columns == ["名称", "电话"]
    with batch.file.open("rb") as stored:
        assert stored.read() == rows.encode("utf-8"), "the whole body arrived"


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_reaches_the_view(org):
    """A client that streams its body (no length, ``Transfer-Encoding: chunked``) is read whole: here the
    API's token endpoint, in several pieces."""
    import json

    from guanxi.asgi import application
    from guanxi.core.models import User

    user = User.objects.get(pk=org.rep.pk)
    user.set_password("Chunked-pass-2026")
    user.save()
    body = json.dumps({"username": user.username, "password": "Chunked-pass-2026"}).encode()
    pieces = [body[:7], body[7:20], body[20:]]

    async def post():
        from asgiref.testing import ApplicationCommunicator

        scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/api/auth/token/", "raw_path": b"/api/auth/token/",
                 "query_string": b"", "scheme": "http", "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
                 "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]}
        communicator = ApplicationCommunicator(application, scope)
        for i, piece in enumerate(pieces):
            await communicator.send_input({"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1})
        start = await communicator.receive_output(20)
        content = b""
        while True:
            message = await communicator.receive_output(20)
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        return start["status"], content

    status, content = async_to_sync(post)()
    assert status == 200, content[:300]
    assert json.loads(content)["token"]
