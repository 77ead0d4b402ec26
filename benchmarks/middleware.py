"""Server-side counters for the benchmark: requests and database queries.

``QueryCountMiddleware`` (first in ``benchmarks.settings``' MIDDLEWARE,
active only when ``BENCH_STATS_DIR`` is set) wraps each request in
``connection.execute_wrapper`` and counts every statement Django sends
through a cursor: the session, the user, the token, savepoints, the view's
queries. Not counted: BEGIN/COMMIT/ROLLBACK (psycopg sends them for
``atomic`` without a cursor) and the pool's connection checks.

Each worker process keeps its running totals (requests, queries) and the
requests it is handling now in its own 24-byte file,
``BENCH_STATS_DIR/<pid>.bin``, written through ``mmap`` (a memory store per
request, no system call). The harness sums the files over every worker before
and after a slice; ``/bench-naive/stats/`` answers the same sums over HTTP.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading

from django.core.exceptions import MiddlewareNotUsed
from django.db import connection

ENV = "BENCH_STATS_DIR"
_FORMAT = "<qqq"  # requests, queries, in progress
_SIZE = struct.calcsize(_FORMAT)


def read_totals(directory: str | None = None) -> dict[str, int]:
    """The counters summed over every process that wrote one."""
    directory = directory or os.environ.get(ENV, "")
    requests = queries = active = processes = 0
    if directory and os.path.isdir(directory):
        for name in os.listdir(directory):
            if not name.endswith(".bin"):
                continue
            try:
                with open(os.path.join(directory, name), "rb") as f:
                    data = f.read(_SIZE)
            except OSError:
                continue
            if len(data) == _SIZE:
                r, q, a = struct.unpack(_FORMAT, data)
                requests, queries, active = requests + r, queries + q, active + a
                processes += 1
    return {"requests": requests, "queries": queries, "active": active, "processes": processes}


class _Counters:
    """This process's totals, in its mmap'd file (created after the fork)."""

    def __init__(self, directory: str):
        self.directory = directory
        self.lock = threading.Lock()  # gthread workers: one file, several threads
        self.pid = None
        self.requests = self.queries = self.active = 0
        self.map = None

    def _open(self) -> None:
        self.pid = os.getpid()
        self.requests = self.queries = self.active = 0
        path = os.path.join(self.directory, f"{self.pid}.bin")
        with open(path, "w+b") as f:
            f.write(b"\0" * _SIZE)
            f.flush()
            self.map = mmap.mmap(f.fileno(), _SIZE)

    def start(self) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self._open()
            self.active += 1
            struct.pack_into(_FORMAT, self.map, 0, self.requests, self.queries, self.active)

    def end(self, queries: int) -> None:
        with self.lock:
            self.requests += 1
            self.queries += queries
            self.active -= 1
            struct.pack_into(_FORMAT, self.map, 0, self.requests, self.queries, self.active)


class QueryCountMiddleware:
    def __init__(self, get_response):
        directory = os.environ.get(ENV)
        if not directory:
            raise MiddlewareNotUsed
        os.makedirs(directory, exist_ok=True)
        self.get_response = get_response
        self.counters = _Counters(directory)

    def __call__(self, request):
        count = [0]

        def counting(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        self.counters.start()
        try:
            with connection.execute_wrapper(counting):
                return self.get_response(request)
        finally:
            self.counters.end(count[0])
