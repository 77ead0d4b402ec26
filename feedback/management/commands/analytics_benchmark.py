"""How fast the dashboard's figures are at 10k, 100k and 1M orders
(issue 7 item 3; the figures are in docs/PERFORMANCE.md).

    .venv/bin/python manage.py analytics_benchmark --orders 1000000 [--keep] [--reuse]
        [--database-url postgres://postgres@127.0.0.1:5432/orders_analytics_bench]

PostgreSQL only. The benchmark database (its name must contain "bench") is
dropped, created and migrated, then seeded with set-based SQL (generate_series,
INSERT … SELECT, in ``feedback.management.analytics_seed``; secondary indexes
and foreign-key triggers off during the load): N orders recorded over the
last year with their lines, audit events, shipments, surveys and cases, on
the paths real orders take. The facts are built with ``facts_refresh``
(timed), the database is analysed, and each dashboard query is run
``--repeat`` times; the medians are printed with the command line that
reproduces them, with the slowest, after the time of the facts' and the
rollup's full rebuild and of incremental refreshes. The work runs in a
child process whose DATABASE_URL is the benchmark database, so the product
code runs unchanged.
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

from feedback.management.analytics_seed import SEEDED_TABLES, seed_statements

DEFAULT_NAME = "orders_analytics_bench"


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
            for label, sql in seed_statements(n):
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

        self.stdout.write("Facts and rollup:")
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE feedback_orderfact, feedback_factrollup, feedback_leadtimerollup"
            )
        self._step("facts_refresh() first build", analytics.facts_refresh)
        self._step("facts_refresh() rebuild", analytics.facts_refresh)
        self._step("rollup_rebuild() alone", analytics.rollup_rebuild)
        with connection.cursor() as cursor:
            for table in ("feedback_orderfact", "feedback_factrollup", "feedback_leadtimerollup"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(
                "SELECT (SELECT count(*) FROM feedback_factrollup), "
                "(SELECT count(*) FROM feedback_leadtimerollup), "
                "pg_size_pretty(pg_total_relation_size('feedback_factrollup') "
                "+ pg_total_relation_size('feedback_leadtimerollup'))"
            )
            counts, histograms, size = cursor.fetchone()
        self.stdout.write(f"  rollup: {counts:,} count rows, {histograms:,} histograms, {size}")
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
        changed = f"facts_refresh_changed(), {n // 1000:,} notes"
        self._step(changed, analytics.facts_refresh_changed)
        with connection.cursor() as cursor:
            # 1 % of the orders, spread over the year, delivered (again) now:
            # their transit and end-to-end lead times and on-time rate move,
            # in every dimension and block they count in.
            cursor.execute(
                "UPDATE orders_orderevent SET created_at = now() "
                "WHERE transition = 'confirm_delivery' AND mod(order_id, 100) = 0"
            )
            moved = cursor.rowcount
        changed = f"facts_refresh_changed(), {moved:,} deliveries"
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
        self.stdout.write(
            f"  (lead times exact up to {analytics.EXACT_LIMIT:,} durations, else from the "
            f"rollup, within {analytics.REL_ERROR:.2%})"
        )
        self.stdout.write(f"  {'query':<40} {'median':>8} {'min':>8} {'max':>8} {'rows':>6}")
        slow, medians, maxima = [], [], []
        for name, run in queries:
            times, rows = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                result = run()
                rows = len(result) if isinstance(result, list) else result
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            medians.append((median, name))
            maxima.append((max(times), name))
            if median >= 300:
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
        self.stdout.write(
            "Slowest median: {1} {0:.0f} ms; slowest run: {3} {2:.0f} ms".format(
                *max(medians), *max(maxima)
            )
        )
        if slow:
            self.stdout.write(f"Over 300 ms: {', '.join(slow)}")

    def _explain(self, run: Callable[[], list]) -> None:
        """EXPLAIN ANALYZE the statements of ``run`` that read the facts."""
        seen: list[tuple[str, object]] = []

        def capture(execute, sql, params, many, context):
            reads = ("feedback_orderfact", "feedback_factrollup", "feedback_leadtimerollup")
            if any(t in sql for t in reads) and not sql.lstrip().startswith("EXPLAIN"):
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
