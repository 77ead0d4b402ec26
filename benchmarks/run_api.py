"""API load benchmark against a naive DRF baseline, on PostgreSQL + gunicorn.

    .venv/bin/python benchmarks/run_api.py [--duration S] [--clients 16]

Resets the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/orders_bench), migrates, seeds a history,
issues API tokens, starts gunicorn with ``benchmarks.settings`` on loopback,
then loads each scenario with N concurrent keep-alive clients (threads +
http.client) for a fixed time and prints requests/s, p50 and p99. gunicorn is
always stopped at the end. Exits 1 if any request of any scenario failed.
Sends traffic to 127.0.0.1 only. The figures and how to read them:
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/orders_bench"
GOALS = {"create_ratio": 1.0, "create_p99_ms": 50.0, "list_ratio": 2.0}


# --- setup --------------------------------------------------------------------


def reset_database(url: str) -> None:
    """Drop and create the database in ``url`` (its name must mention bench)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to reset {name!r}: the benchmark database's name must contain 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        sys.exit(f"PostgreSQL is needed at {parts.hostname}:{parts.port or 5432}: {exc}")
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="benchmarks.settings", DATABASE_URL=url)
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {shlex.join(cmd)}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group; ``stop`` is safe to call twice."""

    def __init__(self, args, env: dict[str, str], port: int, log: Path):
        self.cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "orders_site.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            *(["--threads", str(args.threads)] if args.worker_class == "gthread" else []),
            "--keep-alive",
            "30",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ]
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, port: int, token: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request(
                    "GET",
                    "/api/v1/orders/?page_size=1",
                    headers={"Authorization": f"Token {token}"},
                )
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if not self._log.closed:
            self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""


# --- server CPU -------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def server_cpu(master: int, database: str) -> float:
    """CPU seconds used so far by gunicorn's workers and by the PostgreSQL
    backends connected to the benchmark database (Linux /proc). Unlike req/s,
    CPU per request hardly moves when other work shares the machine."""
    total = 0.0
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            workers = [int(p) for p in f.read().split()]
    except OSError:
        workers = []
    total += sum(_cpu_seconds(p) for p in workers)
    marker = f" {database} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if cmd.startswith(b"postgres: ") and marker in cmd.replace(b"\0", b" ") + b" ":
            total += _cpu_seconds(int(entry))
    return total


# --- load ---------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    window: float = 0.0
    samples: list[str] = field(default_factory=list)
    exhausted: bool = False
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def cpu_ms(self) -> float:
        """Server CPU (app + database) per successful request."""
        return self.server_cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.window if self.window else 0.0

    def merge(self, other: Result) -> Result:
        return Result(
            self.name,
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.window + other.window,
            (self.samples + other.samples)[:5],
            self.exhausted or other.exhausted,
            self.client_cpu + other.client_cpu,
            self.server_cpu + other.server_cpu,
        )

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        rank = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
        return xs[rank] * 1000


def load(
    name, port, make_request, *, clients: int, duration: float, warmup: float, cpu=None
) -> Result:
    """``clients`` threads, each on its own keep-alive connection (gunicorn's
    sync workers close it after each answer; http.client then reconnects),
    send ``make_request()`` back to back. After ``warmup`` seconds, every
    request that completes in the next ``duration`` seconds is counted, and
    the server's CPU over exactly that window is sampled. A ``make_request``
    that returns None ends that client (a used-up pool)."""
    result = Result(name)
    lock = threading.Lock()
    recording = threading.Event()
    stop = threading.Event()

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        lat, errs, samples = [], 0, []
        while not stop.is_set():
            req = make_request()
            if req is None:
                result.exhausted = True
                break
            method, path, body, headers = req
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                ok = 200 <= resp.status < 300
                info = f"{resp.status} {method} {path}: {data[:300]!r}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                ok, info = False, f"{type(exc).__name__} {method} {path}: {exc}"
            t1 = time.perf_counter()
            if recording.is_set() and not stop.is_set():
                if ok:
                    lat.append(t1 - t0)
                else:
                    errs += 1
                    if len(samples) < 3:
                        samples.append(info)
        conn.close()
        with lock:
            result.latencies.extend(lat)
            result.errors += errs
            result.samples.extend(samples[: max(0, 5 - len(result.samples))])

    cpu0 = time.process_time()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    cpu_start = cpu() if cpu else 0.0
    start = time.perf_counter()
    recording.set()
    deadline = start + duration
    while time.perf_counter() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.02)
    stop.set()
    result.window = time.perf_counter() - start
    result.server_cpu = (cpu() - cpu_start) if cpu else 0.0
    for t in threads:
        t.join()
    result.client_cpu = time.process_time() - cpu0
    return result


def json_request(method, path, payload, headers):
    return method, path, json.dumps(payload).encode(), headers


# --- main ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=40, help="measured seconds per scenario")
    parser.add_argument(
        "--warmup", type=float, default=2, help="unmeasured seconds before each slice"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="slices per scenario, alternating with its baseline (A B B A ...)",
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    # 4 sync workers for 2 cores: requests are mostly Python with short waits
    # on PostgreSQL (on the same cores), so 4 processes keep both cores busy;
    # gthread measured no faster (docs/PERFORMANCE.md).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    parser.add_argument("--history", type=int, default=5000, help="orders already in the books")
    parser.add_argument("--pool", type=int, default=0, help="submitted orders to approve (0: auto)")
    parser.add_argument(
        "--only", default="", help="comma-separated scenarios to run (default: all)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not args.pool:
        # Enough for approvals at up to 400/s through warm-up and the window.
        args.pool = max(4000, int(400 * (args.duration + args.warmup)))
    env = django_env(url)
    py = sys.executable

    t_setup = time.monotonic()
    print(f"Resetting {urlsplit(url).path.lstrip('/')} and migrating...", flush=True)
    reset_database(url)
    run([py, "manage.py", "migrate", "--noinput"], env)
    print(f"Seeding {args.history} orders of history and {args.pool} to approve...", flush=True)
    data = json.loads(
        run(
            [py, "-m", "benchmarks.seed", "--history", str(args.history), "--pool", str(args.pool)],
            env,
        )
    )
    tokens = {
        user: run(
            [py, "manage.py", "issue_api_token", "--user", user, "--name", "bench"], env
        ).strip()
        for user in ("integration", "manager")
    }
    print(f"Set up in {time.monotonic() - t_setup:.0f} s.", flush=True)

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="bench-api-")) / "gunicorn.log"
    server = Server(args, env, port, log)
    results: list[Result] = []
    try:
        server.wait_ready(port, tokens["manager"])
        database = urlsplit(url).path.lstrip("/")
        results = run_scenarios(
            args, port, tokens, data, cpu=lambda: server_cpu(server.proc.pid, database)
        )
    except BaseException:
        sys.stderr.write(f"gunicorn log ({log}):\n{server.log_tail()}\n")
        raise
    finally:
        server.stop()

    report(args, server, results)
    if args.json:
        args.json.write_text(json.dumps(figures(results), indent=2) + "\n")
    if any(r.errors for r in results):
        print("\nFAILED: some requests were not answered 2xx (samples above).")
        return 1
    return 0


def run_scenarios(args, port, tokens, data, cpu=None) -> list[Result]:
    customers, skus = data["customers"], data["skus"]
    pool = list(data["pool"])
    pool_lock = threading.Lock()
    delivery = (date.today() + timedelta(days=60)).isoformat()
    store = {"Authorization": f"Token {tokens['integration']}", "Content-Type": "application/json"}
    manager = {"Authorization": f"Token {tokens['manager']}", "Content-Type": "application/json"}

    def order_body() -> dict:
        rng = random.Random()
        return {
            "customer": rng.choice(customers),
            "channel": "api",
            "requested_delivery_date": delivery,
            "payment_method": "bank_transfer",
            "external_ref": f"BENCH-{uuid.uuid4().hex[:20]}",
            "lines": [{"sku": s, "quantity": rng.randint(1, 9)} for s in rng.sample(skus, 5)],
        }

    def create(path):
        def make():
            headers = {**store, "Idempotency-Key": str(uuid.uuid4())}
            return json_request("POST", path, order_body(), headers)

        return make

    def get(path):
        return lambda: ("GET", path, None, manager)

    def approve():
        with pool_lock:
            if not pool:
                return None
            number = pool.pop(0)
        return json_request("POST", f"/api/v1/orders/{number}/approve/", {"note": "ok"}, manager)

    # Each product scenario is measured beside its baseline in alternating
    # slices (A B B A ...), so that a load spike elsewhere on the machine
    # falls on both sides rather than on one.
    groups = [
        [("create", create("/api/v1/orders/")), ("naive create", create("/bench-naive/orders/"))],
        [
            ("list", get("/api/v1/orders/?page_size=50")),
            ("naive list", get("/bench-naive/orders/?page_size=50")),
        ],
        [("approve", approve)],
    ]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    merged: dict[str, Result] = {}
    for group in groups:
        group = [(n, m) for n, m in group if not only or n in only]
        rounds = args.rounds if len(group) > 1 else 1
        for i in range(rounds):
            for name, make in group if i % 2 == 0 else group[::-1]:
                slice_s = args.duration / rounds
                print(
                    f"  {name}: {args.clients} clients, {args.warmup:g} s warm-up + "
                    f"{slice_s:g} s (slice {i + 1}/{rounds})",
                    flush=True,
                )
                r = load(
                    name,
                    port,
                    make,
                    clients=args.clients,
                    duration=slice_s,
                    warmup=args.warmup,
                    cpu=cpu,
                )
                for sample in r.samples:
                    print(f"    error: {sample}")
                merged[name] = merged[name].merge(r) if name in merged else r
    return list(merged.values())


def figures(results: list[Result]) -> dict:
    out = {
        r.name: {
            "requests": r.requests,
            "errors": r.errors,
            "rps": round(r.rps, 1),
            "p50_ms": round(r.pct(50), 1),
            "p99_ms": round(r.pct(99), 1),
            "server_cpu_ms_per_request": round(r.cpu_ms, 1),
            "client_cpu_s": round(r.client_cpu, 1),
        }
        for r in results
    }
    by = {r.name: r for r in results}
    if "create" in by and "naive create" in by and by["naive create"].rps:
        out["create_ratio"] = round(by["create"].rps / by["naive create"].rps, 2)
    if "list" in by and "naive list" in by and by["naive list"].rps:
        out["list_ratio"] = round(by["list"].rps / by["naive list"].rps, 2)
    return out


def report(args, server, results: list[Result]) -> None:
    print()
    print(
        f"{'scenario':<14} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'cpu ms/req':>11}"
    )
    for r in results:
        note = "  (pool used up)" if r.exhausted else ""
        print(
            f"{r.name:<14} {r.requests:>9} {r.errors:>7} {r.rps:>8.1f} "
            f"{r.pct(50):>8.1f} {r.pct(99):>8.1f} {r.cpu_ms:>11.1f}{note}"
        )
    print("(cpu ms/req: gunicorn workers + PostgreSQL backends, per successful request)")
    fig = figures(results)
    by = {r.name: r for r in results}
    print()
    if "create_ratio" in fig:
        ok = fig["create_ratio"] >= GOALS["create_ratio"]
        print(
            f"create / naive create: {fig['create_ratio']:.2f}x  "
            f"(goal >= {GOALS['create_ratio']:.1f}x: {'met' if ok else 'NOT met'})"
        )
    if "create" in by:
        p99 = by["create"].pct(99)
        ok = p99 <= GOALS["create_p99_ms"]
        print(
            f"create p99: {p99:.1f} ms  "
            f"(goal <= {GOALS['create_p99_ms']:.0f} ms: {'met' if ok else 'NOT met'})"
        )
    if "list_ratio" in fig:
        ok = fig["list_ratio"] >= GOALS["list_ratio"]
        print(
            f"list / naive list:     {fig['list_ratio']:.2f}x  "
            f"(goal >= {GOALS['list_ratio']:.1f}x: {'met' if ok else 'NOT met'})"
        )
    for a, b in (("create", "naive create"), ("list", "naive list")):
        if a in by and b in by and by[a].cpu_ms:
            print(f"{a} / {b} by server CPU per request: {by[b].cpu_ms / by[a].cpu_ms:.2f}x")
    print()
    print(f"gunicorn: {' '.join(server.cmd[3:])}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (2 cores; other work on the machine skews req/s)")
    print("Reproduce: " + shlex.join([".venv/bin/python", "benchmarks/run_api.py", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
