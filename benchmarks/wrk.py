"""Running wrk: one slice is one wrk process with a Lua script of
``benchmarks/wrk/`` and its BENCH_* environment; the script's ``done()``
prints a ``BENCH_JSON {...}`` line that becomes a ``WrkResult``.

wrk is the Debian package ``wrk`` (``apt-get install -y wrk``); ``make
bench-api`` installs it when it is missing.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent / "wrk"


def find_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit(
            "wrk is needed (a C HTTP load generator): apt-get install -y wrk "
            "(make bench-api does it when it may), then run again."
        )
    return path


@dataclass
class WrkResult:
    requests: int = 0
    duration_s: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    latency_us: dict[str, float] = field(default_factory=dict)
    # (latency ms, weight in requests): the slice's distribution, poolable
    quantiles: list[tuple[float, float]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # a script's own figures
    client_cpu_s: float = 0.0  # wrk's own user+system time
    command: str = ""

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.get(k, 0) for k in ("connect", "read", "write", "timeout"))

    @property
    def error_count(self) -> int:
        """Socket errors plus answers outside 2xx."""
        return self.socket_errors + self.errors.get("non_2xx", 0)


def percentile(points: list[tuple[float, float]], p: float) -> float:
    """The p-th percentile in ms of pooled (latency ms, weight) points."""
    total = sum(w for _v, w in points)
    if not total:
        return float("nan")
    rank = p / 100 * total
    seen = 0.0
    for value, weight in sorted(points):
        seen += weight
        if seen >= rank - 1e-9:
            return value
    return max(v for v, _w in points)


def parse(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"wrk printed no BENCH_JSON line:\n{stdout[-2000:]}")


def run_wrk(
    wrk: str,
    url: str,
    script: str,
    env: dict[str, str],
    *,
    threads: int,
    connections: int,
    duration: float,
    timeout: float = 10.0,
) -> WrkResult:
    """One wrk run of ``duration`` seconds; ``env`` is added to the
    environment the Lua script reads."""
    threads = max(1, min(threads, connections))
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout:g}s",
        "-s",
        str(SCRIPTS / script),
        url,
    ]
    full_env = {
        **os.environ,
        "LUA_PATH": f"{SCRIPTS}/?.lua;;",
        "BENCH_THREADS": str(threads),
        **env,
    }
    cpu_before = _children_cpu()
    proc = subprocess.Popen(
        cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=duration + timeout + 60)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    usage = _children_cpu() - cpu_before
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {' '.join(cmd)}\n{stdout}{stderr}")
    data = parse(stdout)
    return WrkResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        errors={k: int(v) for k, v in data["errors"].items()},
        statuses={str(k): int(v) for k, v in (data.get("statuses") or {}).items()},
        samples=list(data.get("samples") or []),
        latency_us=data["latency_us"],
        quantiles=[
            (us / 1000, width / 100 * int(data["requests"]))
            for _p, width, us in data.get("quantiles") or []
        ],
        extra={
            k: v
            for k, v in data.items()
            if k not in {"requests", "duration_us", "errors", "statuses", "samples"}
            and k not in {"latency_us", "quantiles", "bytes"}
        },
        client_cpu_s=usage,
        command=" ".join(cmd[:6] + ["-s", f"benchmarks/wrk/{script}", url]),
    )


def _children_cpu() -> float:
    """CPU time of every child process reaped so far (the difference around
    one wrk run is wrk's: gunicorn is reaped only at the end)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
