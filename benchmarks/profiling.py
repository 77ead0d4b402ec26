"""cProfile per request in the gunicorn workers, and the report of it.

``ProfiledApplication`` (installed by ``benchmarks.wsgi`` when
BENCH_PROFILE_DIR is set) keeps one ``cProfile.Profile`` per kind of request
(method + path with numbers folded) in each worker, enables it only while a
request is handled and only once the harness has created ``<dir>/on`` (after
the warm-up), and writes ``<label>.<pid>.prof`` plus a request count when the
worker exits (gunicorn's graceful stop runs ``atexit``) and at most every few
seconds while it runs. The clock is the process's CPU time
(BENCH_PROFILE_CLOCK=cpu, the default: what the request costs the server) or
wall time (``wall``: waits on PostgreSQL and for the CPU count too).
``print_profile`` merges one label's files over the workers and prints the
top functions by cumulative and by own time, per request, and own time by
module.

cProfile needs one profiler per thread: profile with sync workers.
"""

from __future__ import annotations

import atexit
import cProfile
import json
import os
import pstats
import re
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ENV = "BENCH_PROFILE_DIR"
CLOCK_ENV = "BENCH_PROFILE_CLOCK"
DUMP_EVERY_S = 5.0
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def label_of(method: str, path: str) -> str:
    """``POST /api/v1/orders/`` -> ``POST-api-v1-orders``; numbers fold to N."""
    path = re.sub(r"[0-9]+", "N", path)
    return "-".join([method, *[p for p in re.split(r"[^A-Za-z0-9]+", path) if p]])


class ProfiledApplication:
    def __init__(self, app, directory: str):
        self.app = app
        self.directory = directory
        self.profiles: dict[str, list] = {}  # label -> [Profile, requests]
        self.clock = CLOCKS[os.environ.get(CLOCK_ENV, "cpu")]
        self.switch = os.path.join(directory, "on")
        self.last_dump = time.monotonic()
        self.lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)
        atexit.register(self.dump)

    def __call__(self, environ, start_response):
        if not os.path.exists(self.switch):
            return self.app(environ, start_response)  # warming up
        label = label_of(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        entry = self.profiles.setdefault(label, [cProfile.Profile(self.clock), 0])
        profile = entry[0]
        profile.enable()
        try:
            result = self.app(environ, start_response)
            try:
                body = list(result)  # Django's responses are rendered already
            finally:
                if hasattr(result, "close"):
                    result.close()  # request_finished: connections back to the pool
        finally:
            profile.disable()
        entry[1] += 1
        if time.monotonic() - self.last_dump > DUMP_EVERY_S:
            self.dump()
        return body

    def dump(self) -> None:
        with self.lock:
            self.last_dump = time.monotonic()
            pid = os.getpid()
            for label, (profile, requests) in list(self.profiles.items()):
                base = os.path.join(self.directory, f"{label}.{pid}")
                profile.dump_stats(base + ".prof")
                Path(base + ".json").write_text(json.dumps({"requests": requests}))


# --- the report ---------------------------------------------------------------


def load(directory: Path, label: str) -> tuple[pstats.Stats | None, int]:
    """One label's profiles merged over the workers, and its request count."""
    files = sorted(directory.glob(f"{label}.*.prof"))
    if not files:
        return None, 0
    stats = pstats.Stats(*map(str, files), stream=sys.stdout)
    requests = 0
    for f in files:
        try:
            requests += json.loads(f.with_suffix(".json").read_text())["requests"]
        except (OSError, ValueError, KeyError):
            pass
    return stats, requests


def _where(filename: str) -> str:
    """A function's file, shortened: from the package name for installed
    code, from the project root for ours."""
    if filename.startswith("~") or filename.startswith("<"):
        return filename
    for marker in ("site-packages/", "dist-packages/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent) + "/"
    if filename.startswith(root):
        return filename[len(root) :]
    m = re.search(r"python3\.\d+/(.*)", filename)
    return "stdlib/" + m.group(1) if m else filename


def function_name(func: tuple) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a builtin: "<method 'execute' of ...>"
    return f"{_where(filename)}:{line}({name})"


def module_of(func: tuple) -> str:
    """Own time is grouped by package and first sub-package (django/db,
    rest_framework/serializers.py, orders/services ...); builtins by the type
    their name gives (e.g. ``psycopg.Cursor``, ``builtins``)."""
    filename, _line, name = func
    if filename == "~":
        m = re.search(r"of '([A-Za-z0-9_.]+)'", name)
        return f"<builtin {m.group(1)}>" if m else "<builtin>"
    parts = _where(filename).split("/")
    return "/".join(parts[:2])


def top(stats: pstats.Stats, key: int, n: int) -> list[dict]:
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][key], reverse=True)[:n]
    return [
        {
            "function": function_name(func),
            "calls": nc,
            "own_s": tt,
            "cumulative_s": ct,
        }
        for func, (_cc, nc, tt, ct, _callers) in rows
    ]


def by_module(stats: pstats.Stats, n: int) -> list[tuple[str, float]]:
    own: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        own[module_of(func)] += tt
    return sorted(own.items(), key=lambda kv: kv[1], reverse=True)[:n]


def summary(stats: pstats.Stats, requests: int, n: int = 40, clock: str = "cpu") -> dict:
    return {
        "requests": requests,
        "clock": clock,
        "total_s": stats.total_tt,
        "by_cumulative": top(stats, 3, n),
        "by_own_time": top(stats, 2, n),
        "own_time_by_module": by_module(stats, 20),
    }


def print_profile(title: str, prof: dict) -> None:
    requests = max(prof["requests"], 1)
    per = 1000 / requests
    print(f"\n=== {title}: {prof['requests']} requests profiled, ", end="")
    print(
        f"{prof['total_s'] * per:.2f} ms of profiled {prof.get('clock', 'cpu')} time per request "
        "(cProfile's own overhead inflates it)"
    )
    for key, heading in (("by_cumulative", "cumulative"), ("by_own_time", "own time")):
        print(f"\n-- top {len(prof[key])} by {heading} (ms per request) --")
        print(f"{'cum ms':>8} {'cum %':>6} {'own ms':>8} {'own %':>6} {'calls/req':>9}  function")
        total = prof["total_s"] or 1
        for row in prof[key]:
            print(
                f"{row['cumulative_s'] * per:8.3f} {row['cumulative_s'] / total:6.1%} "
                f"{row['own_s'] * per:8.3f} {row['own_s'] / total:6.1%} "
                f"{row['calls'] / requests:9.1f}  {row['function']}"
            )
    print("\n-- own time by module (ms per request, share) --")
    total = prof["total_s"] or 1
    for module, own in prof["own_time_by_module"]:
        print(f"{own * per:8.3f} {own / total:6.1%}  {module}")
