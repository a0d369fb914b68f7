"""Events of the core app, sent after commit: real-time pushes to the user's browser."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notification_created(notification) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(notification.recipient_id),
            {"type": "notify", "title": notification.title, "url": notification.url, "id": notification.pk},
        )
    except Exception:  # a push is best effort; the notification row is already saved
        log.warning("could not push notification %s", notification.pk, exc_info=True)
