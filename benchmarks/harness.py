"""The bench's stage: the database, the seeded data, tokens and sessions,
gunicorn, and the server-side meters (CPU from /proc, queries from
``benchmarks.middleware``)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from benchmarks import middleware

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/orders_bench"


# --- the database and its data ----------------------------------------------------


def database_url() -> str:
    """BENCH_DATABASE_URL, else DATABASE_URL if it names a bench database,
    else the default: a DATABASE_URL meant for the app or the tests (CI sets
    one) is never the one reset."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" in urlsplit(url).path:
        return url
    if url:
        print(f"DATABASE_URL does not name a bench database; using {DEFAULT_DB}")
    return DEFAULT_DB


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


def django_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="benchmarks.settings", DATABASE_URL=url, **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {shlex.join(cmd)}")
    return done.stdout


def prepare(url: str, env: dict[str, str], *, history: int, pool: int) -> dict:
    """Reset, migrate, collect the static files, seed; issue the tokens.
    Returns the seed's data with ``tokens`` added."""
    py = sys.executable
    print(f"Resetting {urlsplit(url).path.lstrip('/')} and migrating...", flush=True)
    reset_database(url)
    run([py, "manage.py", "migrate", "--noinput"], env)
    run([py, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    print(f"Seeding {history} orders of history and {pool} submitted to approve...", flush=True)
    seed = [py, "-m", "benchmarks.seed", "--history", str(history), "--pool", str(pool)]
    data = json.loads(run(seed, env))
    data["tokens"] = {
        user: run(
            [py, "manage.py", "issue_api_token", "--user", user, "--name", "bench"], env
        ).strip()
        for user in ("integration", "manager")
    }
    return data


# --- gunicorn -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the harness dies, even by
    SIGKILL (Linux prctl PR_SET_PDEATHSIG), so no gunicorn outlives a run."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    """gunicorn in its own process group, stopped by ``stop`` (safe to call
    twice; the harness calls it in ``finally``) or when the harness dies."""

    def __init__(self, args, env: dict[str, str], log: Path, app: str):
        self.port = free_port()
        self.cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"{HOST}:{self.port}",
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
            preexec_fn=_die_with_parent,
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, token: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                status, _h, _b = request(
                    self.port,
                    "GET",
                    "/api/v1/orders/?page_size=1",
                    {"Authorization": f"Token {token}"},
                )
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
                self.proc.wait(timeout=20)
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


# --- HTTP from the harness (logins, checks) -----------------------------------------


def request(port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            out[key.strip()] = rest.split(";", 1)[0]
    return out


def login(port: int, username: str, password: str) -> str:
    """A real sign-in through /accounts/login/ (GET the form for its CSRF
    token, POST it); returns the Cookie header wrk sends: sessionid and
    csrftoken."""
    status, headers, body = request(port, "GET", "/accounts/login/", {})
    jar = _cookies(headers)
    m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not m or "csrftoken" not in jar:
        raise RuntimeError(f"login page: {status}, no CSRF token")
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": m.group(1).decode()}
    ).encode()
    status, headers, body = request(
        port,
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
        },
        form,
    )
    jar.update(_cookies(headers))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {username} failed: {status} {body[:300]!r}")
    return f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}"


# --- server-side meters -------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


@dataclass
class Meters:
    """A snapshot: CPU seconds per process of gunicorn (master + workers) and
    of the PostgreSQL backends connected to the bench database as its user,
    and the query counters summed over the workers."""

    gunicorn: dict[int, float]
    postgres: dict[int, float]
    requests: int
    queries: int
    at: float

    def __sub__(self, before: Meters) -> dict:
        def delta(now: dict[int, float], then: dict[int, float]) -> float:
            # A process that started during the slice counts from zero; one
            # that ended during it is lost (the pool keeps its connections).
            return sum(cpu - then.get(pid, 0.0) for pid, cpu in now.items())

        return {
            "gunicorn_cpu_s": delta(self.gunicorn, before.gunicorn),
            "postgres_cpu_s": delta(self.postgres, before.postgres),
            "server_requests": self.requests - before.requests,
            "queries": self.queries - before.queries,
            "wall_s": self.at - before.at,
        }


class Meter:
    def __init__(self, master: int, database_url: str, stats_dir: str):
        parts = urlsplit(database_url)
        self.master = master
        # "postgres: [<cluster name>: ]<user> <database> <client address> <state>"
        user, database = parts.username or "postgres", parts.path.lstrip("/")
        self.backend = re.compile(
            rb"^postgres: (?:\S+: )?" + re.escape(f"{user} {database} ".encode())
        )
        self.stats_dir = stats_dir

    def _backends(self) -> dict[int, float]:
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ")
            except OSError:
                continue
            if self.backend.match(cmd):
                cpu = _cpu_seconds(int(entry))
                if cpu is not None:
                    out[int(entry)] = cpu
        return out

    def drain(self, timeout: float = 120) -> float:
        """Wait until no worker is handling a request and none was started
        for a moment: requests wrk gave up on at the end of a slice still
        run on the server (a sync worker notices the closed socket only when
        it answers), and belong to that slice, not to the next. Returns the
        seconds waited."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            totals = middleware.read_totals(self.stats_dir)
            now = (totals["requests"], totals["active"])
            if totals["active"] == 0 and now == last:
                break
            last = now
            time.sleep(0.2)
        return time.monotonic() - t0

    def snapshot(self) -> Meters:
        pids = [self.master, *_children(self.master)]
        gunicorn = {p: c for p in pids if (c := _cpu_seconds(p)) is not None}
        totals = middleware.read_totals(self.stats_dir)
        return Meters(
            gunicorn, self._backends(), totals["requests"], totals["queries"], time.monotonic()
        )
