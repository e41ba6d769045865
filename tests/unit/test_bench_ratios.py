"""make bench's arithmetic: wrk's summary line, and ratios of paired rounds."""

from __future__ import annotations

import pytest

from tests.load.bench import Comparison, Run, Side


def _run(requests: int, p99_ms: float = 4.0) -> Run:
    return Run(requests=requests, seconds=1.0, p50_ms=1.0, p99_ms=p99_ms, failures=0)


def test_wrk_summary_line_is_read_in_seconds_and_milliseconds() -> None:
    output = (
        "Running 6s test @ http://127.0.0.1:8000\n"
        '{"requests":6000,"duration_us":2000000,"p50_us":2500,"p99_us":9000,"max_us":12000,'
        '"status_errors":3,"socket_errors":1}\n'
    )
    run = Run.parse(output)
    assert run.throughput == 3000
    assert (run.p50_ms, run.p99_ms) == (2.5, 9.0)
    assert run.failures == 4


def test_output_without_a_summary_stops_the_bench() -> None:
    with pytest.raises(SystemExit, match="no summary"):
        Run.parse("unable to connect to 127.0.0.1:8000")


def test_ratios_pair_each_service_round_with_its_floor_round() -> None:
    # A slow spell in round 2 slows both sides; pairing keeps it out of the result.
    floor = Side([_run(1000, 4.0), _run(500, 8.0), _run(1000, 4.0)])
    service = Side([_run(900, 4.4), _run(450, 8.8), _run(700, 6.0)])
    comparison = Comparison("POST /x", service, floor)
    assert comparison.throughput_ratio == pytest.approx(0.9)
    assert comparison.p99_ratio == pytest.approx(1.1)
    assert service.throughput == 700  # each side alone: the median of its rounds
