"""Errors shown on the page a POST redirects back to, as one message.

A service's ``ValidationError`` gives its reasons (the services word them to name what is wrong); an
invalid form gives each field's label with its reason ("Amount: Enter a number."). Every view that
redirects after a failed write reports through here, so the wording is the same on every page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from .services import field_errors


def error_text(error) -> str:
    """The message for ``error``: a ``ValidationError`` or a bound, invalid form."""
    if isinstance(error, ValidationError):
        return " ".join(reason for reasons in field_errors(error).values() for reason in reasons)
    fields = error.fields
    return " ".join(
        f"{fields[name].label}: {reason}" if name in fields and fields[name].label else str(reason)
        for name, reasons in error.errors.items() for reason in reasons
    )


def report_errors(request, error) -> None:
    """Put ``error`` (a ``ValidationError`` or an invalid form) on the next page as an error message."""
    messages.error(request, error_text(error))
