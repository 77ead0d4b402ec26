"""The harness's arithmetic: pooled percentiles, the approve pool's
partition, profile labels. No server, no wrk."""

from benchmarks.profiling import label_of
from benchmarks.scenarios import Pool
from benchmarks.wrk import WrkResult, percentile


def test_percentile_of_pooled_points():
    # Two slices: 90 requests at 1 ms and 10 at 5 ms, then 100 at 2 ms.
    points = [(1.0, 90.0), (5.0, 10.0), (2.0, 100.0)]
    assert percentile(points, 50) == 2.0
    assert percentile(points, 94) == 2.0
    assert percentile(points, 99) == 5.0
    assert percentile([], 50) != percentile([], 50)  # nan


def test_pool_slices_never_hand_out_a_number_twice(tmp_path):
    pool = Pool([f"SO-{i}" for i in range(10)], tmp_path)
    first = open(pool.file_for_slice()).read().split()
    assert first[0] == "SO-0"
    pool.used(WrkResult(extra={"pool_used": 4}))
    second = open(pool.file_for_slice()).read().split()
    assert second[0] == "SO-4" and len(second) == 6


def test_profile_labels_fold_numbers():
    assert label_of("POST", "/api/v1/orders/") == "POST-api-vN-orders"
    assert label_of("POST", "/bench-naive/plain/orders/") == "POST-bench-naive-plain-orders"
    assert label_of("GET", "/api/v1/orders/SO-2026-000123/") == "GET-api-vN-orders-SO-N-N"
