"""Where a change comes from: web request, API token, import, job or command line.

Services do not take the origin as a parameter; it is ambient, set once at the edge (the
middleware, the API authentication, a task or a command) and read by the audit log.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Source(TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    JOB = "job", _("Background job")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class ChangeSource:
    source: str = Source.SYSTEM
    detail: str = ""
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: ContextVar[ChangeSource] = ContextVar("guanxi_change_source", default=ChangeSource())


def current_source() -> ChangeSource:
    return _current.get()


@contextlib.contextmanager
def change_source(source: str, detail: str = "", ip: str | None = None):
    """Run the enclosed writes as coming from ``source`` (e.g. an import batch or a job)."""
    token = _current.set(ChangeSource(source=source, detail=detail, ip=ip))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_source(**changes) -> None:
    _current.set(replace(_current.get(), **changes))


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ChangeSourceMiddleware:
    """Mark every write made while serving a request as coming from the web UI."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        source = Source.API if path.startswith("/api/") else Source.WEB
        token = _current.set(ChangeSource(source=source, detail=f"{request.method} {path}"[:200], ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
