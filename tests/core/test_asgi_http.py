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
