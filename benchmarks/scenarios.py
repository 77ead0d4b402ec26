"""The scenarios, each the product beside its baseline(s), and the runner
that measures their sides in alternating slices on one gunicorn.

A scenario's first side is the product; the others are its counterparts
(``benchmarks/naive``). For every round, each side runs one slice of
``--duration`` seconds, the order reversed every other round (A B C, C B A,
A B C ...), so that a load spike elsewhere on the machine falls on every
side rather than on one. Before its first slice each side gets an
unmeasured warm-up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from benchmarks.harness import Meter
from benchmarks.wrk import WrkResult, run_wrk

MIX = "list:20,detail:60,create:20"  # 80 % reads, 20 % writes


@dataclass
class Side:
    name: str  # "product", "naive", "plain"
    script: str
    env: dict[str, str]
    what: str  # the request, for the report


@dataclass
class Scenario:
    name: str
    sides: list[Side]
    clients: int | None = None  # None: --clients
    note: str = ""


@dataclass
class SliceResult:
    scenario: str
    side: str
    round: int
    wrk: WrkResult
    server: dict = field(default_factory=dict)


def build(args, data: dict, cookies: dict[str, str], workdir: Path) -> list[Scenario]:
    tokens = data["tokens"]
    numbers = workdir / "numbers.txt"
    numbers.write_text("\n".join(data["sample"]) + "\n")
    order = {
        "BENCH_CUSTOMERS": ",".join(map(str, data["customers"])),
        "BENCH_SKUS": ",".join(data["skus"]),
        "BENCH_DELIVERY": (date.today() + timedelta(days=60)).isoformat(),
    }
    store = {**order, "BENCH_TOKEN": tokens["integration"]}
    manager = {"BENCH_TOKEN": tokens["manager"]}

    def create(path):
        return {**store, "BENCH_PATH": path}

    def get(path, who=manager):
        return {**who, "BENCH_PATH": path, "BENCH_NUMBERS_FILE": str(numbers)}

    def mixed(list_path, detail_path, create_path):
        return {
            **store,
            "BENCH_READ_TOKEN": tokens["manager"],
            "BENCH_MIX": args.mix,
            "BENCH_LIST_PATH": list_path,
            "BENCH_DETAIL_PATH": detail_path,
            "BENCH_CREATE_PATH": create_path,
            "BENCH_NUMBERS_FILE": str(numbers),
        }

    product_create = Side(
        "product", "create.lua", create("/api/v1/orders/"), "POST /api/v1/orders/ (5 lines)"
    )
    naive_create = Side(
        "naive", "create.lua", create("/bench-naive/orders/"), "POST /bench-naive/orders/"
    )
    plain_create = Side(
        "plain",
        "create.lua",
        create("/bench-naive/plain/orders/"),
        "POST /bench-naive/plain/orders/ (no auth/throttle/idempotency)",
    )
    sales = {"BENCH_COOKIE": cookies["sales"]}
    scenarios = [
        Scenario("create", [product_create, naive_create, plain_create]),
        Scenario(
            "create-1c",
            [product_create, naive_create, plain_create],
            clients=1,
            note="one client: latency with no queueing",
        ),
        Scenario(
            "list",
            [
                Side("product", "get.lua", get("/api/v1/orders/?page_size=50"), "GET 50 orders"),
                Side(
                    "naive",
                    "get.lua",
                    get("/bench-naive/orders/?page_size=50"),
                    "GET /bench-naive/orders/?page_size=50",
                ),
            ],
        ),
        Scenario(
            "detail",
            [
                Side("product", "get.lua", get("/api/v1/orders/{n}/"), "GET /api/v1/orders/{n}/"),
                Side(
                    "naive",
                    "get.lua",
                    get("/bench-naive/orders/{n}/"),
                    "GET /bench-naive/orders/{n}/",
                ),
            ],
        ),
        Scenario(
            "page",
            [
                Side("product", "get.lua", get("/orders/", sales), "GET /orders/ (HTML, 25 rows)"),
                Side(
                    "plain",
                    "get.lua",
                    get("/bench-naive/orders-page/", sales),
                    "GET /bench-naive/orders-page/ (ListView, 25 rows)",
                ),
            ],
        ),
        Scenario(
            "warehouse",
            [
                Side(
                    "product",
                    "get.lua",
                    get("/warehouse/", {"BENCH_COOKIE": cookies["warehouse"]}),
                    "GET /warehouse/ (HTML queue, 100 rows)",
                )
            ],
        ),
        Scenario(
            "mixed",
            [
                Side(
                    "product",
                    "mixed.lua",
                    mixed("/api/v1/orders/?page_size=50", "/api/v1/orders/{n}/", "/api/v1/orders/"),
                    f"{args.mix} over the product's list, detail, create",
                ),
                Side(
                    "naive",
                    "mixed.lua",
                    mixed(
                        "/bench-naive/orders/?page_size=50",
                        "/bench-naive/orders/{n}/",
                        "/bench-naive/orders/",
                    ),
                    f"{args.mix} over the naive list, detail, create",
                ),
            ],
        ),
        Scenario(
            "approve",
            [
                Side(
                    "product",
                    "approve.lua",
                    {**manager, "BENCH_POOL_FILE": ""},
                    "POST /api/v1/orders/{n}/approve/, each pool order once",
                ),
                replace(naive_create, name="naive-create"),
            ],
            note="compared with the naive create's rate",
        ),
    ]
    if args.clients == 1:
        scenarios = [s for s in scenarios if s.name != "create-1c"]
    return scenarios


class Pool:
    """The submitted orders to approve: each slice gets a file of those not
    used yet, and its ``pool_used`` moves the start on."""

    def __init__(self, numbers: list[str], workdir: Path):
        self.numbers = numbers
        self.offset = 0
        self.workdir = workdir

    def file_for_slice(self) -> str:
        path = self.workdir / f"pool-{self.offset}.txt"
        path.write_text("\n".join(self.numbers[self.offset :]) + "\n")
        return str(path)

    def used(self, result: WrkResult) -> None:
        self.offset += int(result.extra.get("pool_used", 0))


@dataclass
class Bench:
    """What every slice needs: wrk, the server, its meters, the pool."""

    args: object
    wrk: str
    url: str
    meter: Meter
    pool: Pool


def run_slice(bench: Bench, scenario: Scenario, side: Side, seconds: float, rnd: int):
    clients = scenario.clients or bench.args.clients
    env = {**side.env, "BENCH_SEED": str(random.randrange(10**12))}
    if side.script == "approve.lua":
        env["BENCH_POOL_FILE"] = bench.pool.file_for_slice()
    before = bench.meter.snapshot()
    result = run_wrk(
        bench.wrk,
        bench.url,
        side.script,
        env,
        threads=min(bench.args.wrk_threads, clients),
        connections=clients,
        duration=seconds,
        timeout=bench.args.timeout,
    )
    drained = bench.meter.drain()
    meters = bench.meter.snapshot() - before
    meters["drain_s"] = drained
    if side.script == "approve.lua":
        bench.pool.used(result)
    return SliceResult(scenario.name, side.name, rnd, result, meters)


def run_all(bench: Bench, scenarios: list[Scenario]) -> list[SliceResult]:
    args = bench.args
    results: list[SliceResult] = []
    for scenario in scenarios:
        clients = scenario.clients or args.clients
        threads = min(args.wrk_threads, clients)
        sides = scenario.sides
        if args.warmup > 0:
            for side in sides:
                print(f"  {scenario.name} / {side.name}: warm-up {args.warmup:g} s", flush=True)
                run_slice(bench, scenario, side, args.warmup, 0)
        for rnd in range(1, args.rounds + 1):
            for side in sides if rnd % 2 else sides[::-1]:
                r = run_slice(bench, scenario, side, args.duration, rnd)
                w = r.wrk
                print(
                    f"  {scenario.name} / {side.name}: slice {rnd}/{args.rounds}, "
                    f"-t{threads} -c{clients}: {w.requests} requests, "
                    f"{w.requests / w.duration_s:.1f}/s, {w.error_count} errors",
                    flush=True,
                )
                for sample in w.samples[:3]:
                    print(f"    error: {sample[:200]}", flush=True)
                results.append(r)
    return results
