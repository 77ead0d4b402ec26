"""Real peers for the delivery tests: a private Redis server, an SMTP server
on loopback (aiosmtpd), a webhook receiver, a port that never answers, a
stand-in for DNS, and Celery worker processes run exactly as production runs
them (``celery -A orders_site worker``), against the test database."""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection

from orders_site.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """``redis-server`` on its own port, keeping nothing on disk; can be
    stopped and started again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to listen")

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), 0.2) as s,
        ):
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        wait_for(lambda: not self._answers(), timeout=10, what="redis-server to stop")


class SmtpServer:
    """An SMTP server on loopback that keeps what it accepts. ``hold_first``
    makes it sit on the first message's DATA until ``release()`` and then
    refuse it, so a test can kill the sender in the middle of a delivery."""

    def __init__(self, *, hold_first: bool = False):
        self.accepted: list[email.message.EmailMessage] = []
        self.holding = threading.Event()
        self._release = threading.Event()
        self._hold = hold_first
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):
        if self._hold:
            self._hold = False
            self.holding.set()
            import asyncio

            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted.append(message)
        return "250 OK"

    def release(self):
        self._release.set()

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.accepted]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.controller.stop()


class ThrowawayCertificates:
    """A throwaway CA and a server certificate it signed for ``names``, made
    with the ``openssl`` command in ``folder``. ``client_context()`` is a
    default client context that trusts that CA (and nothing else)."""

    def __init__(self, folder: Path, *names: str):
        openssl = shutil.which("openssl")
        if openssl is None:
            import pytest

            pytest.skip("needs the openssl command to make a test certificate")
        self.ca, self.key, self.cert = folder / "ca.pem", folder / "key.pem", folder / "cert.pem"
        ca_key, csr, ext = folder / "ca.key", folder / "cert.csr", folder / "ext.cnf"
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        ext.write_text("subjectAltName=" + ",".join(f"DNS:{name}" for name in names) + "\n")
        for args in (
            ["req", "-x509", *ec, "-keyout", ca_key, "-out", self.ca, "-days", "2"]
            + ["-subj", "/CN=Test webhook CA", "-addext", "basicConstraints=critical,CA:TRUE"]
            + ["-addext", "keyUsage=critical,keyCertSign"],
            ["req", "-new", *ec, "-keyout", self.key, "-out", csr, "-subj", f"/CN={names[0]}"],
            ["x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key, "-CAcreateserial"]
            + ["-out", self.cert, "-days", "2", "-extfile", ext],
        ):
            subprocess.run([openssl, *map(str, args)], check=True, capture_output=True)

    def client_context(self, *args, **kwargs) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies chain and name
        context.load_verify_locations(cafile=str(self.ca))
        return context


class WebhookReceiver:
    """A local HTTP endpoint that answers with the given status codes in turn
    (the last one repeats), with ``headers`` on every answer (a redirect's
    ``Location``), and records each request (any method) with its arrival
    time, method, path and headers. With ``tls`` (a ``ThrowawayCertificates``) it
    speaks HTTPS and records the names clients asked for in SNI."""

    def __init__(
        self,
        statuses: list[int],
        *,
        headers: dict[str, str] | None = None,
        tls: ThrowawayCertificates | None = None,
    ):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        self.sni: list[str | None] = []
        receiver = self
        extra_headers = dict(headers or {})

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append(
                    {
                        "at": time.monotonic(),
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(json.dumps({"status": status}).encode())

            do_POST = do_GET = do_PUT = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/orders"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.cert, tls.key)
            context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}/hooks/orders"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SilentListener:
    """A port on loopback that accepts connections and never answers: a
    receiver that hangs."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/orders"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.socket.close()


class FakeDNS:
    """``socket.getaddrinfo`` answering some names from a table, as a DNS
    server out there would; every other name (and IP literal) is resolved
    for real. ``answer(host, *ips)`` sets what the next lookups return;
    ``answer(host, *ips, then=[...])`` returns ``ips`` once and ``then`` from
    the second lookup on (a DNS rebind). ``lookups`` counts each name."""

    def __init__(self, monkeypatch):
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: dict[str, int] = {}
        real = socket.getaddrinfo

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name not in self.answers:
                return real(host, port, family, type, proto, flags)
            self.lookups[name] = self.lookups.get(name, 0) + 1
            queue = self.answers[name]
            ips = queue.pop(0) if len(queue) > 1 else queue[0]
            port = int(port or 0)
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port, 0, 0))
                if ":" in ip
                else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))
                for ip in ips
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(self, host: str, *ips: str, then: list[str] | None = None) -> None:
        self.answers[host] = [list(ips)] + ([list(then)] if then else [])


def database_url() -> str:
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


class Worker:
    """``celery -A orders_site worker`` (with ``-B``: the beat schedule, so
    the outbox sweeper runs) in its own process group."""

    def __init__(
        self, *, redis: RedisServer, tmp_path: Path, env: dict[str, str], beat: bool = True
    ):
        self.log_path = tmp_path / f"worker-{time.monotonic_ns()}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "orders_site.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
            "NOTIFY_SWEEP_SECONDS": "1",
            "NOTIFY_SWEEP_GRACE_SECONDS": "2",
            **env,
        }
        self.args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "orders_site",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"test-{time.monotonic_ns()}@%h",
        ]
        if beat:
            self.args.append("--beat")
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b"ready." in self.log_path.read_bytes(), timeout=60, what="the worker")
        return self

    def pool_processes(self) -> list[int]:
        """The pids of the prefork pool's child processes."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill(self):
        """SIGKILL to the whole worker: parent, pool children and beat."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def producer_using(redis: RedisServer):
    """Make this test process publish to ``redis`` as the web server would
    (not eagerly), and put everything back afterwards."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = redis.url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
