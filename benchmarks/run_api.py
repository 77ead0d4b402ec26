"""Load benchmark of the API and pages with wrk, against baselines, on
PostgreSQL + gunicorn (``make bench-api``).

    .venv/bin/python benchmarks/run_api.py [--duration 10] [--rounds 3] [--clients 16]
    .venv/bin/python benchmarks/run_api.py --profile

Resets the database named by BENCH_DATABASE_URL (or DATABASE_URL if its name
contains "bench"; default postgres://postgres@127.0.0.1:5432/orders_bench;
the name must contain "bench"), migrates, seeds a history (``benchmarks/seed.py``), issues API
tokens, starts gunicorn with ``benchmarks.settings`` on 127.0.0.1, signs in
a sales and a warehouse user, then drives each scenario with wrk
(``benchmarks/wrk/*.lua``) in alternating slices beside its baseline
(``benchmarks/scenarios.py``) and prints req/s, p50, p99, errors, server CPU
per request (gunicorn and PostgreSQL) and queries per request. gunicorn is
always stopped at the end. Exits 1 if any request of any scenario failed.

``--profile`` instead runs the product's create and the plain reference's
under cProfile in the workers and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import harness, profiling, report, scenarios  # noqa: E402
from benchmarks.middleware import ENV as STATS_ENV  # noqa: E402
from benchmarks.wrk import find_wrk, run_wrk  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--duration", type=float, default=10, help="seconds per slice (default 10)")
    p.add_argument("--rounds", type=int, default=3, help="slices per side, alternating (3)")
    p.add_argument("--warmup", type=float, default=2, help="unmeasured seconds per side first")
    p.add_argument("--clients", type=int, default=16, help="wrk connections (-c, default 16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (-t, default 2)")
    p.add_argument("--timeout", type=float, default=10, help="wrk request timeout, seconds")
    # 4 sync workers for 2 cores: requests are mostly Python with short waits
    # on PostgreSQL (on the same cores), so 4 processes keep both cores busy.
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (4)")
    p.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    p.add_argument("--history", type=int, default=5000, help="orders already in the books")
    p.add_argument("--pool", type=int, default=0, help="submitted orders to approve (0: auto)")
    p.add_argument("--mix", default=scenarios.MIX, help=f"mixed scenario ({scenarios.MIX})")
    p.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios: create,create-1c,list,detail,page,warehouse,mixed,approve",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write every figure to this file (default var/bench-api.json, "
        "var/bench-api-profile.json with --profile)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profile create (product, plain) under cProfile instead of measuring",
    )
    p.add_argument("--profile-seconds", type=float, default=20, help="seconds per profiled side")
    p.add_argument(
        "--profile-clock",
        choices=sorted(profiling.CLOCKS),
        default="cpu",
        help="cpu: the workers' CPU time (default); wall: waits included",
    )
    p.add_argument("--top", type=int, default=40, help="functions per profile listing")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.json is None:
        args.json = ROOT / "var" / ("bench-api-profile.json" if args.profile else "bench-api.json")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    wrk = find_wrk()
    url = harness.database_url()
    if args.profile and args.worker_class != "sync":
        print("--profile: cProfile needs one thread per worker; using sync workers.")
        args.worker_class = "sync"
    if not args.pool:
        # Enough approvals at up to 400/s through the warm-up and the slices.
        seconds = args.warmup + args.rounds * args.duration
        args.pool = 2000 if args.profile else max(3000, int(400 * seconds) + 1000)

    def stop_on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    stats_dir = workdir / "stats"
    profile_dir = workdir / "profile"
    extra_env = {"BENCH_STATIC_ROOT": str(workdir / "static")}
    t0 = time.monotonic()
    data = harness.prepare(
        url, harness.django_env(url, **extra_env), history=args.history, pool=args.pool
    )
    print(f"Set up in {time.monotonic() - t0:.0f} s.", flush=True)

    extra_env[STATS_ENV] = str(stats_dir)
    app = "orders_site.wsgi:application"
    if args.profile:
        extra_env[profiling.ENV] = str(profile_dir)
        extra_env[profiling.CLOCK_ENV] = args.profile_clock
        app = "benchmarks.wsgi:application"
    server = harness.Server(
        args, harness.django_env(url, **extra_env), workdir / "gunicorn.log", app
    )
    print(f"gunicorn: {shlex.join(server.cmd[3:])} (log {server.log_path})", flush=True)
    try:
        server.wait_ready(data["tokens"]["manager"])
        cookies = {
            "sales": harness.login(server.port, "sales", "bench-sales"),
            "warehouse": harness.login(server.port, "warehouse", "bench-warehouse"),
        }
        all_scenarios = scenarios.build(args, data, cookies, workdir)
        if args.profile:
            return profile(args, wrk, server, all_scenarios, profile_dir)
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        unknown = only - {s.name for s in all_scenarios}
        if unknown:
            raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        chosen = [s for s in all_scenarios if not only or s.name in only]
        bench = scenarios.Bench(
            args,
            wrk,
            server.url,
            harness.Meter(server.proc.pid, url, str(stats_dir)),
            scenarios.Pool(data["pool"], workdir),
        )
        slices = scenarios.run_all(bench, chosen)
    except BaseException:
        sys.stderr.write(f"gunicorn log ({server.log_path}):\n{server.log_tail()}\n")
        raise
    finally:
        server.stop()

    figs = report.merge(slices)
    rat = report.ratios(figs)
    gls = report.goals(figs, single_client=args.clients == 1)
    meta = _meta(args, server, chosen)
    report.print_report(figs, rat, gls, meta)
    out = {
        "meta": meta,
        "scenarios": {s.name: {side.name: side.what for side in s.sides} for s in chosen},
        "results": figs,
        "ratios": rat,
        "goals": gls,
    }
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"JSON: {args.json}")
    if any(f["errors"] for sides in figs.values() for f in sides.values()):
        print("\nFAILED: some requests were not answered 2xx (samples above).")
        return 1
    return 0


def _meta(args, server, chosen) -> dict:
    argv = sys.argv[1:]
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "gunicorn": shlex.join(server.cmd[3:]),
        "wrk": f"wrk -t{args.wrk_threads} -c{args.clients} -d{args.duration:g}s "
        f"--timeout={args.timeout:g}s -s benchmarks/wrk/<scenario>.lua",
        "slices": f"{args.rounds} x {args.duration:g} s per side, alternating, "
        f"{args.warmup:g} s warm-up per side",
        "scenarios": [s.name for s in chosen],
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (2 cores)",
        "cpus": os.cpu_count(),
        "commit": commit,
        "reproduce": shlex.join([".venv/bin/python", "benchmarks/run_api.py", *argv]),
        "reproduce_make": "flock /tmp/bench.lock make bench-api"
        + (f' BENCH_ARGS="{shlex.join(argv)}"' if argv else ""),
    }


def profile(args, wrk, server, all_scenarios, profile_dir: Path) -> int:
    """Product create and plain create under cProfile, one after the other."""
    create = next(s for s in all_scenarios if s.name == "create")
    sides = [s for s in create.sides if s.name in ("product", "plain")]
    labels = {"product": "POST-api-vN-orders", "plain": "POST-bench-naive-plain-orders"}

    def load(side, seconds):
        env = {**side.env, "BENCH_SEED": str(random.randrange(10**12))}
        threads = min(args.wrk_threads, args.clients)
        return run_wrk(
            wrk,
            server.url,
            side.script,
            env,
            threads=threads,
            connections=args.clients,
            duration=seconds,
            timeout=args.timeout,
        )

    if args.warmup > 0:
        for side in sides:
            print(f"  warm-up, unprofiled: {side.name} create for {args.warmup:g} s", flush=True)
            load(side, args.warmup)
    profile_dir.mkdir(parents=True, exist_ok=True)
    (profile_dir / "on").touch()
    for side in sides:
        print(f"  profiling {side.name} create for {args.profile_seconds:g} s ...", flush=True)
        r = load(side, args.profile_seconds)
        print(
            f"    {r.requests} requests ({r.requests / r.duration_s:.1f}/s under the profiler), "
            f"{r.error_count} errors",
            flush=True,
        )
        for sample in r.samples[:3]:
            print(f"    error: {sample[:200]}")
    server.stop()  # the workers write their profiles as they exit
    out = {}
    for side in sides:
        stats, requests = profiling.load(profile_dir, labels[side.name])
        if stats is None:
            print(f"no profile written for {side.name} (see {server.log_path})")
            continue
        out[side.name] = profiling.summary(stats, requests, args.top, args.profile_clock)
        profiling.print_profile(f"{side.name} create ({side.what})", out[side.name])
    args.json.write_text(json.dumps(out, indent=2) + "\n")
    print(f"JSON: {args.json}")
    print(f"\nProfiles (pstats files, per worker): {profile_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
