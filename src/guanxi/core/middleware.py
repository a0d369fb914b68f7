"""Per-user language and time zone."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone


class UserLanguageMiddleware:
    """Use the language a user picked; without one, LocaleMiddleware follows the browser.

    Runs before authentication (LocaleMiddleware must come before CommonMiddleware), so it reads the
    language the log-in view stored in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get("guanxi_language") if hasattr(request, "session") else None
        if language:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = getattr(request.user, "time_zone", "") if getattr(request, "user", None) and request.user.is_authenticated else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(name or settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
