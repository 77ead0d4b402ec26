"""How fast the dashboard's figures are at 10k, 100k and 1M orders
(issue 7 item 3; the figures are in docs/PERFORMANCE.md).

    .venv/bin/python manage.py analytics_benchmark --orders 1000000 [--keep] [--reuse]
        [--database-url postgres://postgres@127.0.0.1:5432/orders_analytics_bench]

PostgreSQL only. The benchmark database (its name must contain "bench") is
dropped, created and migrated, then seeded with set-based SQL (generate_series,
INSERT … SELECT; secondary indexes and foreign-key triggers off during the
load): N orders recorded over the last year with their lines, audit events,
shipments, surveys and cases, on the paths real orders take. The facts are
built with ``facts_refresh`` (timed), the database is analysed, and each
dashboard query is run ``--repeat`` times; the medians are printed with the
command line that reproduces them. The work runs in a child process whose
DATABASE_URL is the benchmark database, so the product code runs unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import environ
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

DEFAULT_NAME = "orders_analytics_bench"

SALESPEOPLE = [
    ("王", "芳"),
    ("李", "娜"),
    ("张", "伟"),
    ("刘", "洋"),
    ("陈", "静"),
    ("杨", "磊"),
    ("赵", "敏"),
    ("黄", "强"),
    ("周", "杰"),
    ("吴", "丽"),
    ("Anna", "Li"),
    ("Tom", "Chen"),
]
# (code, name, share of shipments, typical transit hours)
CARRIERS = [
    ("sf", "顺丰速运 SF Express", 0.35, 24),
    ("zto", "中通快递 ZTO Express", 0.25, 48),
    ("deppon", "德邦物流 Deppon", 0.15, 72),
    ("ems", "中国邮政 EMS", 0.15, 60),
    ("yto", "圆通速递 YTO Express", 0.10, 48),
]
# (channel, share of orders)
CHANNELS = [
    ("phone", 0.30),
    ("email", 0.20),
    ("online_store", 0.30),
    ("api", 0.15),
    ("other", 0.05),
]
PRODUCTS = 50
CUSTOMERS = 5000

# Each step an order can take: (kind, transition, from, to, hours column in the plan).
STEPS = [
    ("created", "", "", "draft", "h_created"),
    ("transition", "submit", "draft", "submitted", "h_submit"),
    ("transition", "request_adjustment", "submitted", "needs_adjustment", "h_adj"),
    ("transition", "resubmit", "needs_adjustment", "submitted", "h_resubmit"),
    ("transition", "approve", "submitted", "approved", "h_approve"),
    ("transition", "start_picking", "approved", "picking", "h_pick1"),
    ("transition", "report_shortage", "picking", "submitted", "h_short"),
    ("transition", "approve", "submitted", "approved", "h_approve2"),
    ("transition", "start_picking", "approved", "picking", "h_pick2"),
    ("pick", "", "", "", "h_picked"),
    ("transition", "finish_picking", "picking", "quality_check", "h_finish1"),
    ("transition", "fail_qc", "quality_check", "picking", "h_failqc"),
    ("transition", "finish_picking", "picking", "quality_check", "h_finish2"),
    ("transition", "pass_qc", "quality_check", "packing", "h_pass"),
    ("transition", "pack", "packing", "packed", "h_pack"),
    ("transition", "ship", "packed", "shipped", "h_ship"),
    ("transition", "confirm_delivery", "shipped", "delivered", "h_deliver"),
    ("transition", "complete", "delivered", "completed", "h_complete"),
    ("transition", "cancel", None, "cancelled", "h_cancel"),
]
SEEDED_TABLES = [
    "orders_order",
    "orders_orderline",
    "orders_orderevent",
    "shipping_shipment",
    "aftersales_survey",
    "aftersales_case",
]


def _weighted(choices: list[tuple], r: str) -> str:
    """CASE on the random column ``r`` picking each value with its share."""
    parts, upto = [], 0.0
    for value, share in choices[:-1]:
        upto += share
        parts.append(f"WHEN {r} < {upto:.4f} THEN {value}")
    return f"(CASE {' '.join(parts)} ELSE {choices[-1][0]} END)"


def _at(column: str) -> str:
    return f"(p.t0 + p.{column} * interval '1 hour')"


def _alive(column: str) -> str:
    """The step happened: on the order's path, not after its cancellation,
    not in the future."""
    return (
        f"p.{column} IS NOT NULL AND (p.h_cancel IS NULL OR p.{column} <= p.h_cancel) "
        f"AND p.{column} <= p.h_now"
    )


def _plan_sql(n: int) -> str:
    """One row per order: its references and the hour (from recording) of
    each step on its path, NULL for steps it does not take."""
    carrier_pick = _weighted([(f"'{c}'", s) for c, _n, s, _h in CARRIERS], "r_car")
    transit = _weighted([(str(h), s) for _c, _n, s, h in CARRIERS], "r_car")
    channel = _weighted([(f"'{c}'", s) for c, s in CHANNELS], "r_chan")
    e = ", ".join(f"-ln(1 - random()) AS e{i}" for i in range(1, 16))
    return f"""
    CREATE UNLOGGED TABLE bench_plan AS
    WITH refs AS (
        SELECT
            (SELECT array_agg(id ORDER BY id) FROM auth_user
             WHERE username LIKE 'bench_sales_%') AS sales,
            (SELECT array_agg(id ORDER BY id) FROM orders_customer) AS customers
    ),
    d AS (
        SELECT i AS id,
            date_trunc('second', now() - interval '365 days' * random()) AS t0,
            random() < 0.005 AS is_draft,
            random() < 0.08 AS adj,
            random() < 0.02 AS short,
            random() < 0.04 AS qcfail,
            CASE WHEN random() < 0.03 THEN random() END AS cancel_frac,
            {e},
            floor({len(SALESPEOPLE)} * power(random(), 1.5))::int AS sp,
            floor({CUSTOMERS} * random())::int AS cu,
            random() AS r_chan, random() AS r_car,
            1 + floor(4 * random())::int AS nlines,
            floor({PRODUCTS} * power(random(), 2))::int AS prod0,
            3 + floor(8 * random())::int AS lead_days,
            random() AS r_case, random() AS r_survey, random() AS r_rating
        FROM generate_series(1, {n}) i
    ),
    c1 AS (
        SELECT d.*, 0.0::float8 AS h_created,
            CASE WHEN NOT is_draft THEN 0.2 + 3 * e1 END AS h_submit
        FROM d
    ),
    c2 AS (
        SELECT c1.*,
            CASE WHEN adj THEN h_submit + 1 + 4 * e2 END AS h_adj,
            CASE WHEN adj THEN h_submit + 1 + 4 * e2 + 2 + 12 * e3 END AS h_resubmit
        FROM c1
    ),
    c3 AS (
        SELECT c2.*, COALESCE(h_resubmit, h_submit) + 0.5 + 6 * e4 AS h_approve FROM c2
    ),
    c4 AS (SELECT c3.*, h_approve + 0.5 + 8 * e5 AS h_pick1 FROM c3),
    c5 AS (SELECT c4.*, CASE WHEN short THEN h_pick1 + 0.5 + e6 END AS h_short FROM c4),
    c6 AS (SELECT c5.*, h_short + 4 + 20 * e7 AS h_approve2 FROM c5),
    c7 AS (SELECT c6.*, h_approve2 + 0.5 + 8 * e8 AS h_pick2 FROM c6),
    c8 AS (SELECT c7.*, COALESCE(h_pick2, h_pick1) + 0.3 + 2 * e9 AS h_finish1 FROM c7),
    c9 AS (
        SELECT c8.*, h_finish1 - 0.1 AS h_picked,
            CASE WHEN qcfail THEN h_finish1 + 0.2 + e10 END AS h_failqc
        FROM c8
    ),
    c10 AS (SELECT c9.*, h_failqc + 0.5 + 2 * e11 AS h_finish2 FROM c9),
    c11 AS (
        SELECT c10.*, COALESCE(h_finish2, h_finish1) + 0.2 + 1.5 * e12 AS h_pass FROM c10
    ),
    c12 AS (SELECT c11.*, h_pass + 0.3 + 2 * e13 AS h_pack FROM c11),
    c13 AS (SELECT c12.*, h_pack + 1 + 10 * e14 AS h_ship FROM c12),
    c14 AS (SELECT c13.*, h_ship + {transit} + 24 * e15 AS h_deliver FROM c13),
    c15 AS (
        SELECT c14.*, h_deliver + 168 AS h_complete,
            cancel_frac * h_ship AS h_cancel,
            date_part('epoch', now() - t0) / 3600.0 AS h_now
        FROM c14
    )
    SELECT c15.*,
        refs.sales[sp + 1] AS salesperson_id,
        refs.customers[cu + 1] AS customer_id,
        {channel} AS channel,
        {carrier_pick} AS carrier_code,
        (t0 AT TIME ZONE '{settings.TIME_ZONE}')::date + lead_days AS requested
    FROM c15, refs
    """


def _status_sql() -> str:
    """The order's status now: the target of its last step that happened."""
    steps = ", ".join(
        f"(p.{col}, '{to}')" for kind, _t, _f, to, col in STEPS if kind != "pick" and to
    )
    return (
        f"(SELECT s.st FROM (VALUES {steps}) s(h, st) WHERE s.h IS NOT NULL "
        "AND (p.h_cancel IS NULL OR s.h <= p.h_cancel) AND s.h <= p.h_now "
        "ORDER BY s.h DESC LIMIT 1)"
    )


def _cancel_from_sql() -> str:
    return """(CASE
        WHEN p.h_cancel < COALESCE(p.h_adj, p.h_approve) THEN 'submitted'
        WHEN p.h_cancel < p.h_resubmit THEN 'needs_adjustment'
        WHEN p.h_cancel < p.h_approve THEN 'submitted'
        WHEN p.h_cancel < COALESCE(p.h_finish2, p.h_finish1) THEN 'picking'
        WHEN p.h_cancel < p.h_pass THEN 'quality_check'
        WHEN p.h_cancel < p.h_pack THEN 'packing'
        ELSE 'packed' END)"""


def _events_sql() -> str:
    rows = []
    for kind, transition, source, target, col in STEPS:
        src = _cancel_from_sql() if source is None else f"'{source}'"
        rows.append(f"('{kind}', '{transition}', {src}, '{target}', p.{col})")
    return f"""
    INSERT INTO orders_orderevent
        (order_id, kind, transition, from_status, to_status, note, data, created_at)
    SELECT p.id, v.kind, v.transition, v.src, v.dst, '', '{{}}'::jsonb,
           p.t0 + v.h * interval '1 hour'
    FROM bench_plan p
    CROSS JOIN LATERAL (VALUES {", ".join(rows)}) v(kind, transition, src, dst, h)
    WHERE v.h IS NOT NULL AND (p.h_cancel IS NULL OR v.h <= p.h_cancel) AND v.h <= p.h_now
    ORDER BY p.t0, v.h
    """


def _seed_statements(n: int) -> list[tuple[str, str]]:
    tz = settings.TIME_ZONE
    sales = ", ".join(
        f"('bench_sales_{i:02d}', '{first}', '{last}')"
        for i, (last, first) in enumerate(SALESPEOPLE, 1)
    )
    carriers = ", ".join(f"('{c}', '{name}')" for c, name, _s, _h in CARRIERS)
    return [
        (
            "reference data",
            f"""
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT '!', false, u, f, l, '', false, true, now()
            FROM (VALUES {sales}) v(u, f, l);
            INSERT INTO inventory_warehouse (code, name, is_default)
            VALUES ('BENCH', 'Bench warehouse', true);
            INSERT INTO inventory_product (sku, name, barcode, unit, list_price, is_active,
                                           created_at, updated_at)
            SELECT 'BENCH-' || lpad(i::text, 3, '0'), '产品 ' || i, NULL, 'pcs',
                   10 + i, true, now(), now()
            FROM generate_series(1, {PRODUCTS}) i;
            INSERT INTO orders_customer (name, company, contact_person, phone, email, province,
                city, district, street, postcode, preferred_language, credit_limit,
                payment_terms, created_at, updated_at)
            SELECT '客户' || i, '', '', '13800000000', '', '上海市', '上海市', '', '世纪大道'
                   || i || '号', '', 'zh-hans', NULL, 'prepaid', now(), now()
            FROM generate_series(1, {CUSTOMERS}) i;
            INSERT INTO shipping_carrier (code, name, tracking_url_template,
                                          tracking_number_pattern, is_active)
            SELECT code, name, '', '.+', true FROM (VALUES {carriers}) v(code, name)
            ON CONFLICT (code) DO NOTHING;
            """,
        ),
        ("plan", f"SELECT setseed(0.42); {_plan_sql(n)}"),
        (
            "orders",
            f"""
            INSERT INTO orders_order (id, number, customer_id, salesperson_id, created_by_id,
                channel, requested_delivery_date, payment_method, notes, external_ref,
                warehouse_id, status, total, review_findings, findings_computed_at,
                created_at, updated_at)
            SELECT p.id, 'BN-' || lpad(p.id::text, 9, '0'), p.customer_id, p.salesperson_id,
                p.salesperson_id, p.channel, p.requested, 'bank_transfer', '', '',
                (SELECT id FROM inventory_warehouse WHERE code = 'BENCH'),
                {_status_sql()}, p.nlines * 25.00, '[]'::jsonb, NULL, p.t0, p.t0
            FROM bench_plan p;
            SELECT setval(pg_get_serial_sequence('orders_order', 'id'), {n});
            """,
        ),
        (
            "order lines",
            f"""
            INSERT INTO orders_orderline (order_id, product_id, quantity, unit_price,
                                          line_total, picked_quantity)
            SELECT p.id, pr.id, 2, pr.list_price, 2 * pr.list_price, 0
            FROM bench_plan p
            CROSS JOIN generate_series(1, p.nlines) j
            JOIN inventory_product pr
              ON pr.sku = 'BENCH-' || lpad((1 + (p.prod0 + (j - 1) * 7) % {PRODUCTS})::text, 3, '0')
            """,
        ),
        ("events", _events_sql()),
        (
            "shipments",
            f"""
            INSERT INTO shipping_shipment (order_id, carrier_id, carrier_name, tracking_number,
                planned_at, shipped_at, delivered_at, signed_by, override_reason)
            SELECT p.id, c.id, c.name, 'BN' || lpad(p.id::text, 10, '0'), {_at("h_pack")},
                CASE WHEN {_alive("h_ship")} THEN {_at("h_ship")} END,
                CASE WHEN {_alive("h_deliver")} THEN {_at("h_deliver")} END, '', ''
            FROM bench_plan p JOIN shipping_carrier c ON c.code = p.carrier_code
            WHERE {_alive("h_pack")}
            """,
        ),
        (
            "surveys and cases",
            f"""
            INSERT INTO aftersales_survey (order_id, token_hash, expires_at, rating, comment,
                                           answered_at, created_at)
            SELECT p.id, md5(p.id::text) || md5('bench' || p.id), {_at("h_deliver")}
                       + interval '14 days',
                CASE WHEN p.r_survey < 0.35 THEN
                    CASE WHEN p.r_rating < 0.04 THEN 1 WHEN p.r_rating < 0.10 THEN 2
                         WHEN p.r_rating < 0.20 THEN 3 WHEN p.r_rating < 0.50 THEN 4
                         ELSE 5 END
                END,
                '', CASE WHEN p.r_survey < 0.35 THEN {_at("h_deliver")} + interval '1 day' END,
                {_at("h_deliver")}
            FROM bench_plan p WHERE {_alive("h_deliver")};
            INSERT INTO aftersales_case (order_id, kind, subject, description, department,
                owner_id, due_on, status, resolution, created_at, updated_at)
            SELECT p.id, 'complaint', 'Bench case', '', 'sales', p.salesperson_id,
                ({_at("h_deliver")} AT TIME ZONE '{tz}')::date + 7, 'open', '',
                {_at("h_deliver")} + interval '2 days', {_at("h_deliver")} + interval '2 days'
            FROM bench_plan p WHERE p.r_case < 0.02 AND {_alive("h_deliver")};
            """,
        ),
    ]


class Command(BaseCommand):
    help = (
        "Seed N orders over the last year into a separate PostgreSQL database and time the "
        "analytics dashboard's queries there (docs/PERFORMANCE.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10_000, help="orders to seed")
        parser.add_argument(
            "--database-url",
            help=f"the benchmark database (default: the configured server, database "
            f"{DEFAULT_NAME}); it is dropped and created again, so its name must contain 'bench'",
        )
        parser.add_argument(
            "--keep", action="store_true", help="leave the benchmark database in place afterwards"
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="keep a kept database that already holds exactly N orders (no reseeding)",
        )
        parser.add_argument("--repeat", type=int, default=5, help="runs per query (median)")
        parser.add_argument(
            "--explain", action="store_true", help="print EXPLAIN ANALYZE of each query"
        )
        parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)

    # --- the parent: make the database, run the child against it, drop it --------------

    def handle(self, *args, **options):
        if options["child"]:
            return self._child(**options)
        url = options["database_url"] or self._default_url()
        config = environ.Env.db_url_config(url)
        if "postgresql" not in config["ENGINE"]:
            raise CommandError(
                "analytics_benchmark measures PostgreSQL only (1,000,000 orders on SQLite is "
                "not what production runs). Set DATABASE_URL=postgres://… or pass "
                "--database-url postgres://…"
            )
        name = config["NAME"]
        if "bench" not in name:
            raise CommandError(
                f"refusing to use {name!r}: the benchmark database is dropped and created "
                "again, so its name must contain 'bench'"
            )
        admin = {
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**admin) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (options["reuse"] and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        child = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "analytics_benchmark",
            "--child",
            f"--orders={options['orders']}",
            f"--repeat={options['repeat']}",
            *(["--reuse"] if options["reuse"] else []),
            *(["--explain"] if options["explain"] else []),
        ]
        shown = ["manage.py", "analytics_benchmark", f"--orders {options['orders']}"]
        if options["database_url"]:
            shown.append(f"--database-url {shlex.quote(options['database_url'])}")
        env = {**os.environ, "DATABASE_URL": url, "BENCH_COMMAND": " ".join(shown)}
        try:
            done = subprocess.run(child, env=env, check=False)
        finally:
            if not options["keep"]:
                with psycopg.connect(**admin) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if done.returncode:
            raise CommandError(f"the benchmark failed (exit {done.returncode})")

    def _default_url(self) -> str:
        db = settings.DATABASES["default"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "analytics_benchmark measures PostgreSQL only, and this site runs on "
                f"{connection.vendor}. Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders "
                "or pass --database-url postgres://…/orders_analytics_bench"
            )
        auth = db.get("USER") or ""
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        return f"postgres://{auth + '@' if auth else ''}{host}/{DEFAULT_NAME}"

    # --- the child: runs with DATABASE_URL = the benchmark database -------------------------

    def _child(self, *, orders: int, repeat: int, reuse: bool, explain: bool, **_):
        if connection.vendor != "postgresql":
            raise CommandError("the benchmark child must run on PostgreSQL")
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders_order")
            present = cursor.fetchone()[0]
        if reuse and present == orders:
            self.stdout.write(f"Reusing the {orders:,} orders already seeded.")
        else:
            if present:
                raise CommandError("the benchmark database is not empty; run without --reuse")
            self._seed(orders)
        with connection.cursor() as cursor:
            # What autovacuum does on a live database: statistics, and the
            # visibility map that lets index-only scans skip the heap.
            self._step("vacuum analyze", lambda: cursor.execute("VACUUM ANALYZE"))
        self._measure(orders, repeat, explain)

    def _step(self, label: str, work: Callable[[], object]) -> float:
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        self.stdout.write(f"  {label:<34} {seconds:8.1f} s")
        return seconds

    def _seed(self, n: int) -> None:
        self.stdout.write(f"Seeding {n:,} orders into {connection.settings_dict['NAME']}:")
        total = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET work_mem = '256MB'")
            # Bulk load: the data is consistent by construction, so no FK
            # triggers (session_replication_role) and no secondary indexes
            # while it goes in; they are built once afterwards.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """,
                [SEEDED_TABLES],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for label, sql in _seed_statements(n):
                self._step(label, lambda sql=sql: cursor.execute(sql))

            def rebuild():
                for _name, definition in indexes:
                    cursor.execute(definition)

            self._step(f"indexes ({len(indexes)})", rebuild)
            cursor.execute("DROP TABLE bench_plan")
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute(
                "SELECT (SELECT count(*) FROM orders_orderline), "
                "(SELECT count(*) FROM orders_orderevent), "
                "pg_size_pretty(pg_database_size(current_database()))"
            )
            lines, events, size = cursor.fetchone()
        self.stdout.write(
            f"  seeded in {time.perf_counter() - total:.0f} s: {n:,} orders, {lines:,} lines, "
            f"{events:,} events, database {size}"
        )

    def _measure(self, n: int, repeat: int, explain: bool) -> None:
        from feedback import analytics

        self.stdout.write("Facts:")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE feedback_orderfact")
        self._step("facts_refresh() first build", analytics.facts_refresh)
        self._step("facts_refresh() rebuild", analytics.facts_refresh)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE feedback_orderfact")
        self._step("facts_refresh_changed(), none", analytics.facts_refresh_changed)
        with connection.cursor() as cursor:
            # A busy five minutes: one order in a thousand gets an event.
            cursor.execute(
                """
                INSERT INTO orders_orderevent (order_id, kind, transition, from_status,
                                               to_status, note, data, created_at)
                SELECT id, 'note', '', '', '', 'bench', '{}'::jsonb, now()
                FROM orders_order WHERE mod(id, 1000) = 0
                """
            )
        changed = f"facts_refresh_changed(), {n // 1000:,} orders"
        self._step(changed, analytics.facts_refresh_changed)

        today = timezone.localdate()
        year = {"date_from": today - datetime.timedelta(days=364), "date_to": today}
        quarter = {"date_from": today - datetime.timedelta(days=90), "date_to": today}
        queries: list[tuple[str, Callable[[], list]]] = []
        for span, dates in (("year", year), ("quarter", quarter)):
            for func in (analytics.stage_figures, analytics.rate_figures):
                for group in (None, *analytics.GROUPS):
                    name = f"{func.__name__} {span} {group or 'all'}"
                    queries.append(
                        (
                            name,
                            lambda f=func, d=dates, g=group: f(**d, group_by=g, refresh=False),
                        )
                    )
        queries.append(("stuck_orders", lambda: analytics.stuck_orders(refresh=False)))
        queries.append(("facts_refresh_if_stale, fresh", analytics.facts_refresh_if_stale))

        self.stdout.write(f"\nDashboard queries, median of {repeat} runs (ms):")
        self.stdout.write(f"  {'query':<40} {'median':>8} {'min':>8} {'max':>8} {'rows':>6}")
        slow = []
        for name, run in queries:
            times, rows = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                result = run()
                rows = len(result) if isinstance(result, list) else result
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            if median >= 1000:
                slow.append(name)
            self.stdout.write(
                f"  {name:<40} {median:8.0f} {min(times):8.0f} {max(times):8.0f} {rows:>6}"
            )
            if explain:
                self._explain(run)
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        self.stdout.write(
            f"\n{version}, {os.cpu_count()} CPUs. Reproduce: "
            f"{os.environ.get('BENCH_COMMAND', 'manage.py analytics_benchmark')}"
        )
        if slow:
            self.stdout.write(f"Over one second: {', '.join(slow)}")

    def _explain(self, run: Callable[[], list]) -> None:
        """EXPLAIN ANALYZE the statements of ``run`` that read the facts."""
        seen: list[tuple[str, object]] = []

        def capture(execute, sql, params, many, context):
            if "feedback_orderfact" in sql and not sql.lstrip().startswith("EXPLAIN"):
                seen.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            run()
        for sql, params in seen:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(f"      {r[0]}" for r in cursor.fetchall())
            self.stdout.write(plan)
