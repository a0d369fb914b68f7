"""ASGI entry point: HTTP through Django's WSGI handler in a pool of threads, websockets through Channels.

Every view of Guanxi is synchronous. Under Django's own ASGI handler each request runs in a thread made
for it, and the middleware chain hops between that thread and the event loop wherever a middleware is
synchronous only (whitenoise, the language, time-zone and change-source middleware): three round trips a
request, and nothing a thread keeps (its database connection, its active translation) outlives the request.
a2wsgi (a well-kept WSGI-to-ASGI adapter) runs Django's WSGI handler in a fixed pool of long-lived
threads instead: one hop a request. Measured over HTTP at a million accounts, requests alternating
between both servers (docs/benchmarks.md, run 6), pages took 2–9 ms less at the median.
``GUANXI_WEB_THREADS`` requests of one process run at once (10 by default; keep ``GUANXI_DB_POOL_MAX`` at
least as large); more wait for a thread.
"""

import gc
import itertools
import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from a2wsgi import WSGIMiddleware  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

WEB_THREADS = int(os.environ.get("GUANXI_WEB_THREADS", "10"))
#: a chunked request body is kept in memory up to this size while it is read, then on disk
CHUNKED_BODY_IN_MEMORY = 1024 * 1024


class LengthForChunkedBodies:
    """Give a request body sent without a length (``Transfer-Encoding: chunked``) its length.

    Django's WSGI handler reads as many bytes of a body as ``CONTENT_LENGTH`` says, none without it; its
    ASGI handler read a chunked body whole. Browsers always send the length; an API client that streams
    its upload may not. Such a body is read first (spooled to disk past 1 MiB, with no other limit, as
    Django's ASGI handler did), then handed on with its length.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = scope.get("headers", ())
        if scope["type"] != "http" or not any(name == b"transfer-encoding" for name, _ in headers) or any(
                name == b"content-length" for name, _ in headers):
            return await self.app(scope, receive, send)
        body = tempfile.SpooledTemporaryFile(max_size=CHUNKED_BODY_IN_MEMORY)
        try:
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                more = message.get("more_body", False)
            length = body.tell()
            body.seek(0)
            headers = [(name, value) for name, value in headers if name != b"transfer-encoding"]
            headers.append((b"content-length", str(length).encode()))

            done = False

            async def replay():
                nonlocal done
                if done:
                    return await receive()  # after the body: the client's disconnect
                chunk = body.read(64 * 1024)
                done = body.tell() >= length
                return {"type": "http.request", "body": chunk, "more_body": not done}

            await self.app({**scope, "headers": headers}, replay, send)
        finally:
            body.close()


django_application = LengthForChunkedBodies(WSGIMiddleware(get_wsgi_application(), workers=WEB_THREADS))

from guanxi.core.routing import websocket_urlpatterns  # noqa: E402


class FreezeWhatWarmUpLoaded:
    """Freeze again after the first 100, 1,000 and 10,000 requests (see ``_freeze_startup_objects``).

    What the first requests load lives as long as the process too: the translation catalogues, compiled
    templates, the Chinese word segmenter's dictionary (first search), the menu and choice caches. Left in
    the collector's reach, they make each full collection cost ~50 ms; frozen, the measured requests ran
    none at all (docs/benchmarks.md). Each freeze costs one full collection, once.
    """

    AT = frozenset({100, 1_000, 10_000})

    def __init__(self, app):
        self.app = app
        self.served = itertools.count(1)

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
        if scope["type"] == "http" and next(self.served) in self.AT:
            gc.collect()
            gc.freeze()


application = ProtocolTypeRouter(
    {
        "http": FreezeWhatWarmUpLoaded(django_application),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


def _freeze_startup_objects() -> None:
    """Put what start-up loaded (Django, every app, the URL patterns and views) out of the collector's reach.

    Those few hundred thousand objects live as long as the process, yet every full collection walks them
    all: with them in place, one request in a few dozen paid a pause of about 80–130 ms (a list page
    allocates thousands of objects). Frozen, a full collection only walks what requests made since.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # import every view module now rather than on the first request
    gc.collect()
    gc.freeze()


_freeze_startup_objects()
