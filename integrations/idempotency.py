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

from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from .exceptions import IdempotencyKeyReused
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


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


def _claim(*, user, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the (client, key) row, or return None if it exists.

    ``ON CONFLICT DO NOTHING`` waits on the unique index for a concurrent
    request with the same key exactly as a plain insert does, and then
    either inserts (that request rolled back) or does nothing (it
    committed): one statement where a savepoint, an insert and a release
    took three round trips on every keyed POST.
    """
    record = IdempotencyRecord(
        user=user, key=key, fingerprint=fingerprint, headers={}, created_at=timezone.now()
    )
    meta, qn = IdempotencyRecord._meta, connection.ops.quote_name
    names = ["user", "key", "fingerprint", "content_type", "headers", "created_at"]
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(qn(f.column) for f in fields)
    params = [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]
    unique = ", ".join(qn(meta.get_field(name).column) for name in ("user", "key"))
    values = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({values}) "
            f"ON CONFLICT ({unique}) DO NOTHING RETURNING {qn(meta.pk.column)}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    record._state.db = connection.alias
    return record


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
        self._idempotency_record = _claim(user=request.user, key=key, fingerprint=fp)
        if self._idempotency_record is None:
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
