"""One error shape for the whole API: ``{"code", "message", "fields"}``.

Domain exceptions carry their own code and status; DRF's exceptions are
mapped to stable codes; anything unexpected becomes a logged 500 in the same
shape, never an HTML page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from orders_site.errors import DomainError
from orders_site.limits import too_large_error

logger = logging.getLogger(__name__)


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as ``{"lines[0].quantity": ["..."]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():  # a list's items by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                # A nested object's or list's own error belongs to the field
                # that holds it: ``lines``, not ``lines.non_field_errors``.
                name = prefix or "non_field_errors"
            out.update(flatten_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                if value:
                    out.update(flatten_fields(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}, **extra}


#: DRF's codes renamed to the ones the README documents (one code everywhere).
CODE_ALIASES = {"permission_denied": "forbidden", "parse_error": "invalid"}


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = too_large_error()
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, RecursionError):
        # The parser refuses deep JSON before decoding; this is the net for
        # any other structure that recursed too far.
        logger.warning("Input nested too deep", exc_info=exc)
        return Response(
            error_body("invalid", _("The input is nested too deep.")),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", _("Something went wrong on our side; it was logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid",
            _("The input is not valid; see the fields."),
            flatten_fields(exc.detail),
        )
    else:
        detail = exc.detail
        code = exc.get_codes() if hasattr(exc, "get_codes") else exc.default_code
        if not isinstance(code, str):
            code = exc.default_code
        code = CODE_ALIASES.get(code, code)
        response.data = error_body(code, detail if isinstance(detail, str) else str(detail))
    return response


def api_json_404(request, exception=None):
    return JsonResponse(
        error_body("not_found", _("No such resource: %(path)s") % {"path": request.path}),
        status=404,
    )


def api_json_500(request):
    return JsonResponse(
        error_body("server_error", _("Something went wrong on our side; it was logged.")),
        status=500,
    )


def api_json_400(request, exception=None):
    return JsonResponse(error_body("invalid", _("The request could not be read.")), status=400)


def api_json_403(request, exception=None):
    return JsonResponse(
        error_body("forbidden", _("You may not do this with your role.")), status=403
    )
