"""What the integrations app reads."""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.db import connections

from .models import ApiToken, hash_token


def api_token_active(*, key: str) -> ApiToken | None:
    """The unrevoked token whose key is ``key``, with its user; None if none.

    Every API request asks this, so it is one fixed statement rather than a
    queryset: building the ``select_related`` query cost ~1 ms of Python per
    request, the statement itself ~0.1 ms. The rows become model instances
    the way the ORM makes them (``from_db``, each column through its
    field's database converters)."""
    db = ApiToken.objects.db
    sql, token_fields, user_fields = _token_statement(db)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_fields)
    token = _instance(ApiToken, db, token_fields, row[:split], connection)
    token.user = _instance(get_user_model(), db, user_fields, row[split:], connection)
    return token


@functools.cache
def _token_statement(db: str):
    User = get_user_model()
    q = connections[db].ops.quote_name
    token_fields = ApiToken._meta.concrete_fields
    user_fields = User._meta.concrete_fields
    columns = [f"t.{q(f.column)}" for f in token_fields] + [f"u.{q(f.column)}" for f in user_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(ApiToken._meta.db_table)} t "
        f"JOIN {q(User._meta.db_table)} u "
        f"ON u.{q(User._meta.pk.column)} = t.{q(ApiToken._meta.get_field('user').column)} "
        f"WHERE t.{q(ApiToken._meta.get_field('key_hash').column)} = %s "
        f"AND t.{q(ApiToken._meta.get_field('revoked_at').column)} IS NULL"
    )
    return sql, token_fields, user_fields


def _instance(model, db, fields, values, connection):
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        # As the ORM's compiler does: the backend's converters, then the field's.
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(db, [f.attname for f in fields], converted)
