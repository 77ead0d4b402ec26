"""The benchmark's data (``manage.py analytics_benchmark``): N orders recorded
over the last year with their lines, audit events, shipments, surveys and
cases, on the paths real orders take, as set-based PostgreSQL statements
(generate_series, INSERT … SELECT). Deterministic: the plan seeds the random
generator first."""

from __future__ import annotations

from django.conf import settings

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


def seed_statements(n: int) -> list[tuple[str, str]]:
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
