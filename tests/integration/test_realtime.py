"""Live notifications over websockets, through the in-memory and the Redis channel layers."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing.websocket import WebsocketCommunicator
from django.db import transaction

from guanxi.core import services as core_services

REDIS_URL = os.environ.get("GUANXI_TEST_REDIS_URL", "")


def _layer_settings(kind: str) -> dict:
    if kind == "redis":
        # Parallel test workers share the Redis server: each keeps to its own key prefix.
        prefix = f"guanxi-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL], "prefix": prefix}}}
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("GUANXI_TEST_REDIS_URL is not set (CI sets it to the local Redis)")
    settings.CHANNEL_LAYERS = _layer_settings(request.param)
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


async def _connect(user):
    from guanxi.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")])
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
def test_notification_reaches_the_open_websocket(channel_layer, make_user):
    rep = make_user("rep-rt")
    boss = make_user("boss-rt", role="sales_manager")

    async def scenario():
        from channels.db import database_sync_to_async

        communicator = await _connect(rep)
        connected, _ = await communicator.connect(timeout=10)
        assert connected

        @database_sync_to_async
        def send():
            with transaction.atomic():
                core_services.notification_send(recipient=rep, title="新任务：回访客户", url="/workspace/", sender=boss)

        await send()
        message = await communicator.receive_json_from(timeout=10)
        assert message["title"] == "新任务：回访客户"
        assert message["url"] == "/workspace/"
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_anonymous_websocket_is_refused(channel_layer):
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        communicator = await _connect(AnonymousUser())
        connected, _ = await communicator.connect(timeout=10)
        assert not connected

    async_to_sync(scenario)()
