"""What a request body may be: its size and, for JSON, its depth (issue 11 item 3).

Two hostile bodies used to end in a 500: JSON nested thousands deep (the
decoder or a serializer ran out of stack: ``RecursionError``) and any body
over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's ``RequestDataTooBig`` raised
inside a view). Now:

* ``RequestLimitsMiddleware`` answers 413 ``too_large`` before any view or
  middleware reads a body whose declared length is over the limit, in the API's
  one error shape under ``/api/`` and as a page elsewhere; a body that turns out
  too large without declaring it (chunked) meets the same answer through the
  exception handlers.
* ``JSONParser`` refuses JSON nested deeper than ``API_JSON_MAX_DEPTH`` (64:
  the deepest real payload, an order with lines, is 3) with 400 ``invalid``
  and a message, before decoding, so no decoder or serializer recursion can
  be reached; it also refuses bodies that are not UTF-8 with the same code.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from orders_site.errors import DomainError


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_message() -> str:
    limit_mb = max_body_bytes() / (1024 * 1024)
    return _(
        "The request body is too large: at most %(limit).1f MB is accepted. "
        "Send fewer records per request."
    ) % {"limit": limit_mb}


class RequestTooLarge(DomainError):
    """The body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE``; in the API's one
    error shape (``DomainError.as_dict``), with no fields."""

    code = "too_large"
    status = 413


def too_large_error() -> RequestTooLarge:
    return RequestTooLarge(too_large_message())


def too_large_response(request):
    """413 in the shape the caller reads: JSON for the API, a page for people."""
    if request.path.startswith("/api/"):
        error = too_large_error()
        return JsonResponse(error.as_dict(), status=error.status)
    return TemplateResponse(
        request, "413.html", {"message": too_large_message()}, status=413
    ).render()


class RequestLimitsMiddleware:
    """Refuses a body whose declared length is over the limit, before the
    session, CSRF or any view reads it (so nothing is half-done)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether ``data`` opens more than ``limit`` arrays or objects inside one
    another, counting brackets outside strings (one pass, no recursion)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # the common case, answered at C speed
    depth = 0
    in_string = False
    escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit and UTF-8 only."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        if len(data) > max_body_bytes():
            raise RequestDataTooBig(too_large_message())
        limit = getattr(settings, "API_JSON_MAX_DEPTH", 64)
        if json_depth_exceeds(data, limit):
            raise ParseError(
                _("The JSON is nested too deep: at most %(limit)d levels are accepted.")
                % {"limit": limit}
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The body is not valid UTF-8 (byte %(position)d); send JSON in UTF-8.")
                % {"position": exc.start}
            ) from None
        return super().parse(io.BytesIO(data), media_type, parser_context)
