"""Order numbers: ``SO-<year>-<6 digits>``, unique, increasing within the
year, never waiting on another intake.

On PostgreSQL each year has its own sequence (``orders_number_<year>``):
``nextval`` takes no lock that lasts, so concurrent intakes never queue
behind one another, and a number is never handed out twice. Sequences are
not transactional: a create that rolls back loses its number and leaves a
gap (decided: order numbers may have gaps; invoices are numbered
elsewhere). One sequence per year rather than one for ever, so each year's
numbers start at 1 and stay six digits, as sales reads them.

On SQLite (the embedded default) the year's counter row
(``OrderNumberSequence``) is incremented in place; SQLite lets one writer
at a time anyway, so this costs nothing there, and a rolled-back create
gives its number back.
"""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..models import OrderNumberSequence

NUMBER_FORMAT = "SO-{year}-{value:06d}"


def order_number_next(*, year: int | None = None) -> str:
    """The next number of ``year`` (this year by default); inside a transaction."""
    year = int(year or timezone.localdate().year)
    if connection.vendor == "postgresql":
        value = _sequence_next(year)
        if value is None:
            sequence_ensure(year=year)
            value = _sequence_next(year)
    else:
        value = _counter_next(year)
        if value is None:
            OrderNumberSequence.objects.get_or_create(year=year)
            value = _counter_next(year)
    return NUMBER_FORMAT.format(year=year, value=value)


def sequence_name(year: int) -> str:
    return f"orders_number_{int(year)}"


def _sequence_next(year: int) -> int | None:
    """One round trip, no error when the year has no sequence yet:
    ``to_regclass`` is NULL then, and ``nextval(NULL)`` is NULL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [sequence_name(year)])
        return cursor.fetchone()[0]


def sequence_ensure(*, year: int, after: int = 0) -> None:
    """Create ``year``'s sequence if it does not exist, its first number
    ``after + 1``. Two intakes racing to create it are both fine: the one
    that loses (PostgreSQL may report the clash as a duplicate key even with
    IF NOT EXISTS) finds it made."""
    name = connection.ops.quote_name(sequence_name(year))
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 1 START WITH %s",
                    [int(after) + 1],
                )
    except DatabaseError:
        if _sequence_exists(year):
            return
        raise


def _sequence_exists(year: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [sequence_name(year)])
        return cursor.fetchone()[0]


def order_numbers_continue_after(*, year: int, last: int) -> None:
    """The next number of ``year`` is ``last + 1`` or later: for data loaded
    with numbers of its own (an import, the benchmarks' seed)."""
    year = int(year)
    if connection.vendor == "postgresql":
        sequence_ensure(year=year, after=last)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM "
                f"{connection.ops.quote_name(sequence_name(year))})))",
                [sequence_name(year), max(int(last), 1)],
            )
    else:
        row, _created = OrderNumberSequence.objects.get_or_create(year=year)
        if row.last_value < last:
            OrderNumberSequence.objects.filter(year=year).update(last_value=last)


def _counter_next(year: int) -> int | None:
    """One ``UPDATE ... RETURNING`` on the year's counter row (SQLite)."""
    table = connection.ops.quote_name(OrderNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE year = %s RETURNING last_value",
            [year],
        )
        row = cursor.fetchone()
    return row[0] if row else None
