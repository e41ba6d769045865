"""`make bench`: the service against a floor, under wrk, in the same run, on the same Redis.

What it measures, in this order (bench/README.md says how):

- request path (``serve --no-worker``, information): ``POST /v3/auth/email`` with a fresh
  address every request, against the floor; the same with ``MAGICLINK_ACCESS_LOG=all``;
- sign-in (``POST /v3/auth/email/signIn`` with unused tokens) against its floor: a target;
- Redis memory per item; known versus unknown addresses, one request at a time;
- end to end (``tests/load/end_to_end.py``): the default ``serve``, worker in process, counted
  until the outbox is empty again, against the floor: the link-request targets;
- a pending sign-in's memory (``tests/load/memory.py``): a target;
- scale (``tests/load/scale.py``): two ``serve`` versus one; Redis Cluster versus one Redis;
- delivery (``tests/load/delivery.py``): one ``magiclink worker``, then a default ``serve``,
  emptying a queue of sign-in emails: emails/s (a target) and CPU per email;
- onboarding (``tests/load/onboarding.py``, information): ``magiclink onboard`` on a CSV of
  ``--onboarding-participants`` fresh addresses while one ``magiclink worker`` delivers.

Prints the summary, writes ``bench/results.md``, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio.cluster import RedisCluster

from tests.load.alike import known_versus_unknown
from tests.load.delivery import Delivery, deliver
from tests.load.end_to_end import LinkLoad, end_to_end
from tests.load.memory import memory_per_item, pending_sign_in
from tests.load.onboarding import Onboarded, onboard
from tests.load.outbox_probe import OutboxProbe
from tests.load.participants import STUDY, Tokens, request_links
from tests.load.report import Results, render, summary
from tests.load.runs import Comparison, Options, Run, Side, compare, ensure_wrk, wrk
from tests.load.scale import cluster_versus_single, two_serves
from tests.load.stack import BENCH, MAGICLINK, Stack, clean_environment, free_port, stop_on_sigterm

__all__ = ["Comparison", "Run", "Side", "main"]  # tests/unit/test_bench_ratios.py

# The targets (issue 16), as ratios to the floor measured in the same run, or absolute.
MIN_END_TO_END_THROUGHPUT = 0.85
MAX_END_TO_END_P99 = 1.3
MIN_SIGN_IN_THROUGHPUT = 0.8
MIN_EMAILS_PER_SECOND = 500
MAX_PENDING_SIGN_IN_BYTES = 200

SCALE_ROUNDS = 3  # at most; fewer when --rounds is smaller
DELIVERY_CAP_SECONDS = {"worker": 60.0, "serve": 30.0}


@dataclass(frozen=True)
class Urls:
    service: str  # serve --no-worker
    service_logging_all: str  # the same with MAGICLINK_ACCESS_LOG=all
    floor: str


@dataclass(frozen=True)
class Bench:
    """What the measurements need of the stack."""

    options: Options
    stack: Stack
    tokens: Tokens
    urls: Urls
    probe: OutboxProbe
    env: dict[str, str]  # a service's settings, on this stack's Redis
    smtp_env: dict[str, str]  # ... and with MAGICLINK_SMTP_URL at the mail sink
    sink_url: str  # the mail sink's HTTP API
    delivery_emails: int
    onboarding_participants: int


def token_count(options: Options, throughput: float) -> int:
    # Enough for the run at 1.6x the warm-up's pace; past the end tokens would be reused.
    return math.ceil(throughput * options.seconds * 1.6) + 2000


async def request_path(bench: Bench, load: LinkLoad) -> tuple[Comparison, Comparison]:
    """``serve --no-worker`` against the floor, then the same with every access logged."""
    options, urls = bench.options, bench.urls
    name = "POST /v3/auth/email, request path"
    print(f"{name}: warming up", flush=True)
    load.run(urls.floor)
    load.run(urls.service)

    async def service() -> Run:
        return load.run(urls.service)

    async def floor() -> Run:
        return load.run(urls.floor)

    async def logging_all() -> Run:
        return load.run(urls.service_logging_all)

    path = await compare(name, options, service, floor)
    print("POST /v3/auth/email with MAGICLINK_ACCESS_LOG=all (not a target)", flush=True)
    load.run(urls.service_logging_all)
    return path, await compare(f"{name}, access log all", options, logging_all, floor)


async def sign_in(bench: Bench) -> Comparison:
    options, urls, tokens = bench.options, bench.urls, bench.tokens
    print("POST /v3/auth/email/signIn: warming up", flush=True)
    warm_up = Options(2, options.connections, 1)
    pace = {
        "service": wrk(
            warm_up, urls.service, "sign_in.lua", STUDY, str(await tokens.for_service(5000))
        ),
        "floor": wrk(warm_up, urls.floor, "sign_in.lua", STUDY, str(await tokens.for_floor(5000))),
    }

    async def service() -> Run:
        count = token_count(options, pace["service"].throughput)
        return wrk(
            options, urls.service, "sign_in.lua", STUDY, str(await tokens.for_service(count))
        )

    async def floor() -> Run:
        count = token_count(options, pace["floor"].throughput)
        return wrk(options, urls.floor, "sign_in.lua", STUDY, str(await tokens.for_floor(count)))

    return await compare("POST /v3/auth/email/signIn", options, service, floor)


async def cluster(bench: Bench, load: LinkLoad, single_url: str, rounds: int) -> Comparison:
    """The end-to-end load on a serve against a Redis Cluster versus the one on one Redis."""
    print("Redis Cluster versus single Redis, end to end (not a target)", flush=True)
    stack = bench.stack
    url = stack.cluster()
    env = {**bench.smtp_env, "MAGICLINK_REDIS_URL": url}
    cluster_url = stack.service(env, name="service-cluster")
    stack.create_study(cluster_url, STUDY_BODY)
    host, port = url.removeprefix("redis+cluster://").split(",")[0].rsplit(":", 1)
    client = RedisCluster(host=host, port=int(port), decode_responses=True)
    try:
        cluster_probe = OutboxProbe(client, "bench/service-cluster.log")
        return await cluster_versus_single(
            load, (single_url, bench.probe), (cluster_url, cluster_probe), rounds
        )
    finally:
        await client.aclose()
        stack.stop("service-cluster")
        stack.stop_cluster()


async def delivery(bench: Bench) -> list[Delivery]:
    """One ``magiclink worker``, then a default ``serve`` (no requests), emptying a queue."""
    stack, probe = bench.stack, bench.probe
    sink_pid = stack.process("mailsink").pid

    def worker() -> int:
        return stack.start("worker", [MAGICLINK, "worker"], bench.smtp_env).pid

    def serve() -> int:
        stack.service(bench.smtp_env, name="service-delivery")
        return stack.process("service-delivery").pid

    runs: list[tuple[str, str, Callable[[], int]]] = [
        ("worker", "one `magiclink worker`", worker),
        ("service-delivery", "a default `magiclink serve` (no requests)", serve),
    ]
    delivered = []
    for name, who, start in runs:
        print(f"delivery: {bench.delivery_emails} sign-in emails, {who}", flush=True)
        addresses = await bench.tokens.participants(bench.delivery_emails, "delivery")
        await request_links(bench.urls.service, addresses)
        cap = DELIVERY_CAP_SECONDS["worker" if name == "worker" else "serve"]
        done = await deliver(who, probe, start, sink_pid, cap)
        print(f"  {done.summary()}", flush=True)
        delivered.append(done)
        stack.stop(name)
        await probe.clear()  # what is left when the cap stopped it
    return delivered


async def onboarding(bench: Bench) -> Onboarded:
    """``magiclink onboard`` on a CSV of fresh addresses, one ``magiclink worker`` delivering."""
    count = bench.onboarding_participants
    print(f"onboarding: {count} participants, `magiclink onboard` and one worker", flush=True)
    done = await onboard(
        bench.stack, bench.tokens.redis, bench.smtp_env, bench.sink_url, STUDY, count
    )
    print(f"  {done.summary()}", flush=True)
    if not done.complete:
        print(f"warning: onboarding delivered {done.delivered} of {count}", flush=True)
    return done


def verdicts(
    end_to_end_run: Comparison,
    sign_in_run: Comparison,
    delivered: Delivery,
    pending_bytes: int,
    failures: int,
) -> list[tuple[str, bool]]:
    return [
        (
            f"end-to-end link-request throughput {end_to_end_run.throughput_ratio:.2f}x the floor "
            f"(target at least {MIN_END_TO_END_THROUGHPUT}x)",
            end_to_end_run.throughput_ratio >= MIN_END_TO_END_THROUGHPUT,
        ),
        (
            f"end-to-end link-request p99 {end_to_end_run.p99_ratio:.2f}x the floor "
            f"(target at most {MAX_END_TO_END_P99}x)",
            end_to_end_run.p99_ratio <= MAX_END_TO_END_P99,
        ),
        (
            f"sign-in throughput {sign_in_run.throughput_ratio:.2f}x the floor "
            f"(target at least {MIN_SIGN_IN_THROUGHPUT}x)",
            sign_in_run.throughput_ratio >= MIN_SIGN_IN_THROUGHPUT,
        ),
        (
            f"delivery by one worker {delivered.per_second:.0f} emails/s, "
            f"{delivered.cpu_ms_per_email:.2f} CPU ms per email "
            f"(target at least {MIN_EMAILS_PER_SECOND} emails/s)",
            delivered.per_second >= MIN_EMAILS_PER_SECOND,
        ),
        (
            f"a pending sign-in (link and code) adds {pending_bytes} B to Redis "
            f"(target at most {MAX_PENDING_SIGN_IN_BYTES} B)",
            pending_bytes <= MAX_PENDING_SIGN_IN_BYTES,
        ),
        (f"no failed requests ({failures})", failures == 0),
    ]


async def measure(bench: Bench) -> tuple[str, bool]:
    """The report, and whether every target was met."""
    options, stack, probe = bench.options, bench.stack, bench.probe
    scale_rounds = min(SCALE_ROUNDS, options.rounds)
    load = LinkLoad(options)
    path, logging_all = await request_path(bench, load)
    sign_in_run = await sign_in(bench)
    memory = await memory_per_item(bench.tokens, bench.urls.service)
    print("POST /v3/auth/email: known and unknown addresses, alternately", flush=True)
    alike = await known_versus_unknown(bench.tokens, bench.urls.service)
    print("\n".join(f"  {line}" for line in alike.lines()[2:4]), flush=True)

    await probe.clear()  # the request-path runs' jobs: no worker ran
    end_to_end_url = stack.service(bench.smtp_env, name="service-e2e")
    end_to_end_run = await end_to_end(load, probe, end_to_end_url, bench.urls.floor)
    pending = await pending_sign_in(bench.tokens, end_to_end_url, probe)
    print(f"a pending sign-in adds {pending.added} B", flush=True)
    print("two serves versus one, end to end (not a target)", flush=True)

    def start_second() -> str:
        return stack.service(bench.smtp_env, name="service-e2e-second")

    def stop_second() -> None:
        stack.stop("service-e2e-second")

    scale = await two_serves(load, probe, end_to_end_url, start_second, stop_second, scale_rounds)
    cluster_run = await cluster(bench, load, end_to_end_url, scale_rounds)
    stack.stop("service-e2e")
    await probe.clear()
    delivered = await delivery(bench)
    onboarded = await onboarding(bench)
    dead = await probe.dead()
    await bench.tokens.redis.aclose()
    if dead:
        print(f"warning: {dead} jobs in the dead letters (bench/*.log)", flush=True)

    comparisons = [end_to_end_run, path, sign_in_run, logging_all]
    failures = sum(c.failures for c in [*comparisons, cluster_run]) + scale.failures
    checks = verdicts(end_to_end_run, sign_in_run, delivered[0], pending.added, failures)
    results = Results(
        options=options,
        comparisons=comparisons,
        checks=checks,
        delivered=delivered,
        delivery_emails=bench.delivery_emails,
        onboarded=onboarded,
        pending=pending,
        memory=memory,
        two_serves=scale,
        cluster=cluster_run,
        alike=alike,
    )
    text = render(results)
    print()
    print(summary(text))
    return text, all(ok for _text, ok in checks)


STUDY_BODY: dict[str, object] = {
    "identifier": STUDY,
    "name": "Benchmark",
    "emailSignInEnabled": True,
}


def main() -> int:
    parser = argparse.ArgumentParser(description="Measure the service against its floor.")
    parser.add_argument("--seconds", type=int, default=6, help="per run (default 6)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--rounds", type=int, default=5, help="runs per side (5)")
    parser.add_argument(
        "--delivery-emails", type=int, default=5000, help="queued for each delivery run (5000)"
    )
    parser.add_argument(
        "--onboarding-participants",
        type=int,
        default=10000,
        help="in the onboarding run's CSV (10000)",
    )
    parser.add_argument(
        "--output", type=Path, default=BENCH / "results.md", help="(bench/results.md)"
    )
    args = parser.parse_args()
    options = Options(args.seconds, args.connections, args.rounds)
    ensure_wrk()
    stop_on_sigterm()
    with Stack("bench") as stack:
        redis_url = stack.redis()
        floor_port = free_port()
        floor = stack.start(
            "floor",
            [
                sys.executable,
                "-m",
                "tests.load.floor",
                "--port",
                str(floor_port),
                *("--redis", redis_url),
            ],
            clean_environment(),
        )
        floor_url = f"http://127.0.0.1:{floor_port}"
        stack.wait_until_up(f"{floor_url}/health", "floor", floor)
        env = stack.service_environment(redis_url)
        service_url = stack.service(env, "--no-worker")
        logging_all_url = stack.service(
            stack.service_environment(redis_url, access_log="all"),
            "--no-worker",
            name="service-access-log-all",
        )
        stack.create_study(service_url, STUDY_BODY)
        smtp_port, sink_url = stack.mailsink()
        tokens = Tokens(redis_url, stack.secret_key, stack.scratch)
        bench = Bench(
            options=options,
            stack=stack,
            tokens=tokens,
            urls=Urls(service_url, logging_all_url, floor_url),
            probe=OutboxProbe(tokens.redis, "bench/service-e2e.log, bench/worker.log"),
            env=env,
            smtp_env={**env, "MAGICLINK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"},
            sink_url=sink_url,
            delivery_emails=args.delivery_emails,
            onboarding_participants=args.onboarding_participants,
        )
        text, met = asyncio.run(measure(bench))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
