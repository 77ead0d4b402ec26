"""Safe retries for POSTs that create something (``Idempotency-Key``).

The first response for a (client, key) is stored in the same transaction that
creates the object, and replayed byte-for-byte for the same key and body. The
unique index on (user, key) serialises concurrent requests with one key: the
second blocks on the insert until the first commits, then replays its answer.
Only successful responses are kept: a refused request rolls back with its
record, so a corrected retry is simply a new request.
"""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from orders_site.errors import DomainError

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


def fingerprint(request) -> str:
    """Method, path and body; a JSON body is canonicalised so that key order
    and whitespace do not count as a different body."""
    raw = request.body
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
        body = canonical.encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    for name, value in record.headers.items():
        response[name] = value
    response[REPLAY_HEADER] = "true"
    return response


class IdempotentCreateMixin:
    """For DRF views: POST actions named in ``idempotent_actions`` honour the
    ``Idempotency-Key`` header."""

    idempotent_actions: tuple[str, ...] = ("create",)

    def _idempotency_key(self, request) -> str | None:
        if request.method != "POST" or getattr(self, "action", None) not in self.idempotent_actions:
            return None
        return request.headers.get(HEADER)

    def dispatch(self, request, *args, **kwargs):
        if not (request.method == "POST" and request.headers.get(HEADER)):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            record = getattr(self, "_idempotency_record", None)
            if record is None:
                return response
            if response.status_code >= 300:
                transaction.set_rollback(True)
                return response
            response.render()
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = response.content
            record.headers = {h: response[h] for h in ("Location",) if h in response}
            record.save(update_fields=["status_code", "content_type", "body", "headers"])
            return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = self._idempotency_key(request)
        if not key:
            return
        if len(key) > 255:
            raise ValidationError({HEADER: [_("At most 255 characters.")]})
        fp = fingerprint(request._request)
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, fingerprint=fp
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if record.fingerprint != fp:
                raise IdempotencyKeyReused(
                    _(
                        "This Idempotency-Key was already used with a different request body; "
                        "use a new key for a new request."
                    )
                ) from None
            raise _Replay(_replay(record)) from None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)
