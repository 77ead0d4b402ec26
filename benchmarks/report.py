"""The figures: slices merged per scenario and side, the table, the ratios
(product / baseline), the goals, and the JSON."""

from __future__ import annotations

from collections import defaultdict

from benchmarks.scenarios import SliceResult
from benchmarks.wrk import percentile

GOALS = {
    "create_ratio": 1.3,  # create req/s >= 1.3 x naive create
    "list_ratio": 5.0,  # list req/s >= 5 x naive list
    "approve_ratio": 0.3,  # approve req/s >= 0.3 x naive create
    "create_1c_p99_ms": 25.0,  # create p99 at one client
}


def _safe(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def merge(slices: list[SliceResult]) -> dict[str, dict[str, dict]]:
    """{scenario: {side: figures}} over the measured slices (round >= 1)."""
    groups: dict[tuple[str, str], list[SliceResult]] = defaultdict(list)
    for s in slices:
        if s.round >= 1:
            groups[(s.scenario, s.side)].append(s)
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for (scenario, side), group in groups.items():
        requests = sum(s.wrk.requests for s in group)
        seconds = sum(s.wrk.duration_s for s in group)
        points: list[tuple[float, float]] = []
        errors: dict[str, int] = defaultdict(int)
        statuses: dict[str, int] = defaultdict(int)
        for s in group:
            points.extend(s.wrk.quantiles)
            for k, v in s.wrk.errors.items():
                errors[k] += v
            for k, v in s.wrk.statuses.items():
                statuses[k] += v
        server = defaultdict(float)
        for s in group:
            for k, v in s.server.items():
                server[k] += v
        served = server["server_requests"] or requests
        extra: dict = {}
        for s in group:
            for k, v in s.wrk.extra.items():
                if isinstance(v, int | float):
                    extra[k] = extra.get(k, 0) + v
                elif isinstance(v, dict):
                    d = extra.setdefault(k, {})
                    for kk, vv in v.items():
                        d[kk] = d.get(kk, 0) + vv
        error_count = sum(s.wrk.error_count for s in group)
        out[scenario][side] = {
            "slices": len(group),
            "seconds": round(seconds, 2),
            "requests": requests,
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "p50_ms": percentile(points, 50),
            "p90_ms": percentile(points, 90),
            "p99_ms": percentile(points, 99),
            "p99_ms_per_slice": [round(s.wrk.latency_us["p99"] / 1000, 1) for s in group],
            "rps_per_slice": [round(s.wrk.requests / s.wrk.duration_s, 1) for s in group],
            "errors": error_count,
            "errors_by_kind": dict(errors),
            "statuses": dict(statuses),
            "samples": [x for s in group for x in s.wrk.samples][:5],
            "gunicorn_ms_per_request": _ms(server["gunicorn_cpu_s"], served),
            "postgres_ms_per_request": _ms(server["postgres_cpu_s"], served),
            "server_ms_per_request": _ms(
                server["gunicorn_cpu_s"] + server["postgres_cpu_s"], served
            ),
            "queries_per_request": round(server["queries"] / served, 2) if served else None,
            "server_requests": int(server["server_requests"]),
            "wrk_cpu_ms_per_request": _ms(sum(s.wrk.client_cpu_s for s in group), requests),
            "command": group[0].wrk.command,
            **({"extra": extra} if extra else {}),
        }
    return dict(out)


def _ms(seconds: float, requests: float) -> float | None:
    return round(seconds / requests * 1000, 2) if requests else None


def ratios(figs: dict) -> dict[str, dict[str, dict]]:
    """Per scenario, product / each baseline: req/s, p99, server CPU per request."""
    out: dict[str, dict[str, dict]] = {}
    for scenario, sides in figs.items():
        product = sides.get("product")
        if not product:
            continue
        for side, base in sides.items():
            if side == "product":
                continue
            out.setdefault(scenario, {})[side] = {
                "rps": _safe(product["rps"], base["rps"]),
                "p99": _safe(product["p99_ms"], base["p99_ms"]),
                "server_cpu_per_request": _safe(
                    product["server_ms_per_request"] or 0, base["server_ms_per_request"] or 0
                ),
            }
    return out


def goals(figs: dict, single_client: bool) -> list[dict]:
    def get(scenario, side, key):
        return figs.get(scenario, {}).get(side, {}).get(key)

    out = []

    def goal(name, value, target, ok):
        out.append({"goal": name, "value": value, "target": target, "met": bool(ok)})

    rc, rn = get("create", "product", "rps"), get("create", "naive", "rps")
    if rc is not None and rn:
        r = round(rc / rn, 2)
        goal("create req/s / naive create", r, f">= {GOALS['create_ratio']}x", r >= 1.3)
        pc, pn = get("create", "product", "p99_ms"), get("create", "naive", "p99_ms")
        goal("create p99 vs naive create p99 (ms)", f"{pc:.1f} vs {pn:.1f}", "<=", pc <= pn)
    rl, rln = get("list", "product", "rps"), get("list", "naive", "rps")
    if rl is not None and rln:
        r = round(rl / rln, 2)
        goal("list req/s / naive list", r, f">= {GOALS['list_ratio']}x", r >= 5.0)
    ra, ran = get("approve", "product", "rps"), get("approve", "naive-create", "rps")
    if ra is not None:
        errs = get("approve", "product", "errors")
        goal("approve errors", errs, "0", errs == 0)
        if ran:
            r = round(ra / ran, 2)
            goal("approve req/s / naive create", r, f">= {GOALS['approve_ratio']}x", r >= 0.3)
    one = "create" if single_client else "create-1c"
    p1 = get(one, "product", "p99_ms")
    if p1 is not None:
        target = GOALS["create_1c_p99_ms"]
        goal("create p99 at 1 client (ms)", round(p1, 1), f"<= {target:g}", p1 <= target)
    return out


def _spread(values: list[float]) -> str:
    if len(values) < 2 or not sum(values):
        return "-"
    mean = sum(values) / len(values)
    return f"{(max(values) - min(values)) / 2 / mean:.0%}"


def _f(x, fmt=".1f") -> str:
    return "-" if x is None else format(x, fmt)


def print_report(figs: dict, rat: dict, gls: list[dict], meta: dict) -> None:
    print()
    head = (
        f"{'scenario':<10} {'side':<12} {'req/s':>7} {'±':>4} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'gunicorn':>9} {'postgres':>9} {'queries':>8}"
    )
    print(head)
    print(f"{'':<56} {'ms/req':>9} {'ms/req':>9} {'/req':>8}")
    for scenario, sides in figs.items():
        for side, f in sides.items():
            gunicorn, postgres = f["gunicorn_ms_per_request"], f["postgres_ms_per_request"]
            print(
                f"{scenario:<10} {side:<12} {f['rps']:>7.1f} {_spread(f['rps_per_slice']):>4} "
                f"{_f(f['p50_ms']):>7} {_f(f['p99_ms']):>7} {f['errors']:>6} "
                f"{_f(gunicorn, '.2f'):>9} {_f(postgres, '.2f'):>9} "
                f"{_f(f['queries_per_request'], '.1f'):>8}"
            )
    print(
        "(±: half the range of the slices' req/s, in % of their mean; p50/p99: over all\n"
        " slices; errors: socket errors + answers outside 2xx; ms/req: CPU time of gunicorn\n"
        " master + workers and of the bench database's PostgreSQL backends over the slices,\n"
        " per request served; queries: statements through Django's cursors, counted in the\n"
        " workers, BEGIN/COMMIT not)"
    )
    print("\nproduct / baseline          req/s     p99  server CPU/req (< 1: product cheaper)")
    for scenario, sides in rat.items():
        for side, r in sides.items():
            print(
                f"  {scenario + ' / ' + side:<24} {_f(r['rps'], '.2f'):>6}x "
                f"{_f(r['p99'], '.2f'):>6}x {_f(r['server_cpu_per_request'], '.2f'):>8}x"
            )
    print("\nGoals:")
    for g in gls:
        print(
            f"  {g['goal']}: {g['value']} (goal {g['target']}): {'met' if g['met'] else 'NOT met'}"
        )
    errs = [
        (sc, side, f["samples"])
        for sc, sides in figs.items()
        for side, f in sides.items()
        if f["errors"]
    ]
    for sc, side, samples in errs:
        print(f"\n{sc} / {side}: errors, e.g.:")
        for s in samples[:3]:
            print(f"    {s[:240]}")
    print()
    for key in ("gunicorn", "wrk", "load_average", "commit", "reproduce", "reproduce_make"):
        if key in meta:
            print(f"{key}: {meta[key]}")
