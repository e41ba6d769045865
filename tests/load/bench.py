"""`make bench`: the service against a floor, under wrk, in the same run, on the same Redis.

Two endpoints, each measured alternately against its floor (``tests/load/floor.py``) for
several rounds, so that a noisy neighbour slows both sides alike:

- ``POST /v3/auth/email`` with a fresh address every request; floor: parse, ``SET NX EX``.
- ``POST /v3/auth/email/signIn`` with tokens nobody has used; floor: parse, ``GETDEL``, ``SET``.

The service runs as `magiclink serve --no-worker` with its production defaults (JSON logs at
INFO, to a file) except the request rate limits, which would refuse a load from one address;
delivery is a separate process in production and is left out here. Prints throughput, p50 and
p99 per side and their ratios, writes ``bench/results.md``, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr
from redis.asyncio import Redis

from service.accounts.email_address import normalized
from service.accounts.participant import Participant
from service.auth.tokens import SESSION, SIGN_IN, SIGN_IN_CODE, SecretHasher, new_code, new_token
from service.store import keys
from service.store.accounts import AccountStore
from service.store.scripts import Scripts
from tests.load.floor import TOKEN_PREFIX
from tests.load.stack import (
    BENCH,
    MAGICLINK,
    Stack,
    clean_environment,
    free_port,
    stop_on_sigterm,
)

STUDY = "bench"
DELIVERY_EMAILS = 2000
WRK_SCRIPTS = Path(__file__).parent / "wrk"

# The targets, as ratios to the floor measured in the same run.
MIN_REQUEST_LINK_THROUGHPUT = 0.8
MAX_REQUEST_LINK_P99 = 1.5
MIN_SIGN_IN_THROUGHPUT = 0.6


@dataclass(frozen=True)
class Run:
    """One wrk run: what its ``done()`` printed."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers plus socket errors

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def parse(cls, output: str) -> Run:
        lines = [line for line in output.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"wrk printed no summary:\n{output}")
        data = json.loads(lines[-1])
        return cls(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            failures=data["status_errors"] + data["socket_errors"],
        )


@dataclass(frozen=True)
class Side:
    """Every round of one side (service or floor) of one comparison."""

    runs: list[Run]

    @property
    def throughput(self) -> float:
        return statistics.median(run.throughput for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def failures(self) -> int:
        return sum(run.failures for run in self.runs)


@dataclass(frozen=True)
class Comparison:
    endpoint: str
    service: Side
    floor: Side

    # Each round's service run is compared with the floor run just before it, and the median
    # of those ratios taken: a slow spell of the machine then spoils one ratio, not the result.
    @property
    def throughput_ratio(self) -> float:
        return statistics.median(
            s.throughput / f.throughput
            for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )

    @property
    def p99_ratio(self) -> float:
        return statistics.median(
            s.p99_ms / f.p99_ms for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )

    @property
    def p50_ratio(self) -> float:
        return statistics.median(
            s.p50_ms / f.p50_ms for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )


@dataclass(frozen=True)
class Options:
    seconds: int
    connections: int
    rounds: int


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing Debian's package", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("make bench needs wrk: sudo apt-get install wrk")
    return found


def wrk(options: Options, url: str, script: str, *args: str, seconds: int | None = None) -> Run:
    command = [ensure_wrk(), "-t1", f"-c{options.connections}"]
    command += [f"-d{seconds or options.seconds}s", "--timeout", "5s"]
    command += ["-s", str(WRK_SCRIPTS / script), url, "--", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return Run.parse(result.stdout)


class Tokens:
    """Sign-in tokens nobody has used, for the service (real accounts) and for the floor."""

    def __init__(self, redis_url: str, secret_key: str, scratch: Path) -> None:
        self.redis: Redis = Redis.from_url(redis_url, decode_responses=True)
        self.accounts = AccountStore(self.redis, Scripts(self.redis))
        self.hasher = SecretHasher([SecretStr(secret_key)])
        self.scratch = scratch

    async def for_service(self, count: int) -> Path:
        """``count`` consented participants, each with one pending sign-in; a wrk token file."""
        run = secrets.token_hex(4)
        pairs = [(f"signin-{run}-{n}@example.org", new_token()) for n in range(count)]

        async def prepare(email: str, token: str) -> None:
            participant = Participant.new(STUDY, email, consented=True, email_verified=True)
            await self.accounts.create(participant, normalized(email))
            await self.accounts.issue_sign_in_token(
                STUDY,
                normalized(email),
                self.hasher.for_storage(SIGN_IN, token),
                self.hasher.for_storage(SIGN_IN_CODE, new_code()),
                3600,
                emails_per_day=0,
            )

        for start in range(0, count, 90):  # the client's pool holds 100 connections
            await asyncio.gather(*(prepare(*pair) for pair in pairs[start : start + 90]))
        return self._write(pairs)

    async def for_floor(self, count: int) -> Path:
        run = secrets.token_hex(4)
        pairs = [(f"floor-{run}-{n}@example.org", new_token()) for n in range(count)]
        for start in range(0, count, 5000):
            async with self.redis.pipeline(transaction=False) as pipe:
                for _email, token in pairs[start : start + 5000]:
                    pipe.set(TOKEN_PREFIX + token, "1", ex=3600)
                await pipe.execute()
        return self._write(pairs)

    def _write(self, pairs: list[tuple[str, str]]) -> Path:
        path = self.scratch / f"tokens-{secrets.token_hex(4)}.txt"
        path.write_text("".join(f"{email} {token}\n" for email, token in pairs))
        return path


async def compare(
    name: str,
    options: Options,
    service_run: Callable[[], Awaitable[Run]],
    floor_run: Callable[[], Awaitable[Run]],
) -> Comparison:
    service_runs: list[Run] = []
    floor_runs: list[Run] = []
    for round_number in range(1, options.rounds + 1):
        for side, runner, runs in (
            ("floor", floor_run, floor_runs),
            ("service", service_run, service_runs),
        ):
            run = await runner()
            runs.append(run)
            print(
                f"  {name} round {round_number} {side:<7} {run.throughput:8.0f} req/s  "
                f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  failures {run.failures}",
                flush=True,
            )
    return Comparison(name, Side(service_runs), Side(floor_runs))


def token_count(options: Options, throughput: float) -> int:
    # Enough for the run at 1.6x the warm-up's pace; past the end tokens would be reused.
    return math.ceil(throughput * options.seconds * 1.6) + 2000


async def memory_per_item(tokens: Tokens, service_url: str) -> dict[str, int]:
    """MEMORY USAGE of the keys of one participant: account, pending sign-in, session, reauth."""
    path = await tokens.for_service(1)
    email, token = path.read_text().split()
    tag = keys.account_tag(STUDY, normalized(email))
    usage = {
        "account (hash)": await tokens.redis.memory_usage(keys.account(tag)),
        "pending sign-in: link token (sorted set)": await tokens.redis.memory_usage(
            keys.sign_in_tokens(tag)
        ),
        "pending sign-in: typed code (sorted set)": await tokens.redis.memory_usage(
            keys.sign_in_codes(tag)
        ),
    }
    async with httpx.AsyncClient(base_url=service_url) as client:
        answer = await client.post(
            "/v3/auth/email/signIn", json={"study": STUDY, "email": email, "token": token}
        )
    answer.raise_for_status()
    session_hash = tokens.hasher.for_storage(SESSION, answer.json()["sessionToken"])
    usage["session (string)"] = await tokens.redis.memory_usage(keys.session(session_hash))
    usage["reauthentication token (sorted set)"] = await tokens.redis.memory_usage(
        keys.reauth_tokens(tag)
    )
    account_id = await tokens.redis.hget(keys.account(tag), "id")
    usage["participant id index (string)"] = await tokens.redis.memory_usage(
        keys.participant_id(STUDY, str(account_id))
    )
    # The queue still holds every request of the request-link runs (no worker ran).
    jobs = await tokens.redis.xlen(keys.OUTBOX)
    stream = await tokens.redis.memory_usage(keys.OUTBOX, samples=0)
    usage["queued email job (stream entry, average)"] = (stream or 0) // max(1, jobs)
    return {name: int(value or 0) for name, value in usage.items()}


@dataclass(frozen=True)
class Delivery:
    emails: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.emails / self.seconds


async def delivery(tokens: Tokens, service_url: str, start_worker: Callable[[], None]) -> Delivery:
    """How fast one `magiclink worker` empties a queue of sign-in emails into an SMTP sink."""
    await tokens.redis.delete(keys.OUTBOX)  # the request-link runs' unknown addresses
    path = await tokens.for_service(DELIVERY_EMAILS)
    addresses = [line.split()[0] for line in path.read_text().splitlines()]
    async with httpx.AsyncClient(base_url=service_url, timeout=30) as client:
        for start in range(0, len(addresses), 32):
            answers = await asyncio.gather(
                *(
                    client.post("/v3/auth/email", json={"study": STUDY, "email": address})
                    for address in addresses[start : start + 32]
                )
            )
            if any(answer.status_code != 202 for answer in answers):
                raise SystemExit(f"queueing emails: {[a.status_code for a in answers]}")
    started = time.monotonic()
    start_worker()
    while await tokens.redis.xlen(keys.OUTBOX) > 0:
        if time.monotonic() - started > 300:
            raise SystemExit("the worker did not empty the queue within 300 s (bench/worker.log)")
        await asyncio.sleep(0.05)
    return Delivery(len(addresses), time.monotonic() - started)


@dataclass(frozen=True)
class KnownVersusUnknown:
    """Latencies (ms) of link requests for addresses with and without an account."""

    known: list[float]
    unknown: list[float]

    def lines(self) -> list[str]:
        def row(name: str, samples: list[float]) -> str:
            ordered = sorted(samples)
            p90 = ordered[int(len(ordered) * 0.9)]
            return f"| {name} | {len(samples)} | {statistics.median(samples):.3f} | {p90:.3f} |"

        difference = statistics.median(self.known) - statistics.median(self.unknown)
        return [
            "| addresses | requests | median ms | p90 ms |",
            "|---|---:|---:|---:|",
            row("with an account", self.known),
            row("without one", self.unknown),
            "",
            f"Difference of the medians: {difference:+.3f} ms. Not a target: the suite checks "
            "what makes them alike (the same Redis commands, byte-identical answers; "
            "tests/integration/test_abuse.py), this shows the timing that follows.",
        ]


async def known_versus_unknown(
    tokens: Tokens, service_url: str, count: int = 500
) -> KnownVersusUnknown:
    """One client, one request at a time, known and unknown addresses alternately."""
    path = await tokens.for_service(count)  # participants with accounts
    known_addresses = [line.split()[0] for line in path.read_text().splitlines()]
    run = secrets.token_hex(4)
    samples: dict[bool, list[float]] = {True: [], False: []}
    async with httpx.AsyncClient(base_url=service_url, timeout=30) as client:
        for n, known_address in enumerate(known_addresses):
            for known, address in ((True, known_address), (False, f"nobody-{run}-{n}@x.org")):
                started = time.perf_counter()
                answer = await client.post(
                    "/v3/auth/email", json={"study": STUDY, "email": address}
                )
                samples[known].append((time.perf_counter() - started) * 1000)
                if answer.status_code != 202:
                    raise SystemExit(f"known versus unknown: {answer.status_code} {answer.text}")
    return KnownVersusUnknown(samples[True], samples[False])


def machine() -> list[str]:
    def version(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError:
            return "not found"
        return (done.stdout or done.stderr).strip().splitlines()[0].split(" Copyright")[0]

    return [
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        version(["redis-server", "--version"]),
        version([ensure_wrk(), "-v"]),
    ]


def verdicts(request_link: Comparison, sign_in: Comparison) -> list[tuple[str, bool]]:
    return [
        (
            f"request-link throughput {request_link.throughput_ratio:.2f}x the floor "
            f"(target at least {MIN_REQUEST_LINK_THROUGHPUT}x)",
            request_link.throughput_ratio >= MIN_REQUEST_LINK_THROUGHPUT,
        ),
        (
            f"request-link p99 {request_link.p99_ratio:.2f}x the floor "
            f"(target at most {MAX_REQUEST_LINK_P99}x)",
            request_link.p99_ratio <= MAX_REQUEST_LINK_P99,
        ),
        (
            f"sign-in throughput {sign_in.throughput_ratio:.2f}x the floor "
            f"(target at least {MIN_SIGN_IN_THROUGHPUT}x)",
            sign_in.throughput_ratio >= MIN_SIGN_IN_THROUGHPUT,
        ),
        (
            f"no failed requests ({request_link.service.failures + request_link.floor.failures}"
            f" and {sign_in.service.failures + sign_in.floor.failures})",
            request_link.service.failures + request_link.floor.failures == 0
            and sign_in.service.failures + sign_in.floor.failures == 0,
        ),
    ]


def table(comparisons: list[Comparison]) -> list[str]:
    lines = [
        "| endpoint | side | req/s | p50 ms | p99 ms | failures |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for comparison in comparisons:
        for side_name, side in (("service", comparison.service), ("floor", comparison.floor)):
            lines.append(
                f"| {comparison.endpoint} | {side_name} | {side.throughput:.0f} | "
                f"{side.p50_ms:.2f} | {side.p99_ms:.2f} | {side.failures} |"
            )
        lines.append(
            f"| {comparison.endpoint} | **ratio** | **{comparison.throughput_ratio:.2f}** | "
            f"{comparison.p50_ratio:.2f} | "
            f"**{comparison.p99_ratio:.2f}** | |"
        )
    return lines


def rounds_table(comparisons: list[Comparison]) -> list[str]:
    lines = [
        "| endpoint | round | side | req/s | p50 ms | p99 ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for comparison in comparisons:
        for number, (floor, service) in enumerate(
            zip(comparison.floor.runs, comparison.service.runs, strict=True), start=1
        ):
            for side_name, run in (("floor", floor), ("service", service)):
                lines.append(
                    f"| {comparison.endpoint} | {number} | {side_name} | {run.throughput:.0f} | "
                    f"{run.p50_ms:.2f} | {run.p99_ms:.2f} |"
                )
    return lines


def report(
    options: Options,
    comparisons: list[Comparison],
    checks: list[tuple[str, bool]],
    memory: dict[str, int],
    delivered: Delivery,
    alike: KnownVersusUnknown,
) -> str:
    lines = [
        "# make bench: results",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
        + "; ".join(machine())
        + ". The service, the floor, Redis and wrk share this machine.",
        "",
        f"wrk, 1 thread, {options.connections} connections, {options.seconds} s per run; "
        f"{options.rounds} rounds, floor and service alternately. Sides: medians of the rounds; "
        "ratios: the median of each round's service run over the floor run just before it.",
        "The service: `magiclink serve --no-worker`, defaults (JSON logs at INFO) but for "
        "the request rate limits (off: the whole load comes from one address).",
        "The floor (`tests/load/floor.py`): bare Starlette on the same uvicorn and Redis; "
        "request link: parse JSON, `SET NX EX`; sign-in: parse JSON, `GETDEL`, `SET`.",
        "",
        *table(comparisons),
        "",
        "## Targets",
        "",
        *(f"- [{'x' if ok else ' '}] {text}" for text, ok in checks),
        "",
        "## Delivery",
        "",
        f"One `magiclink worker` (default SMTP pool) emptied a queue of {delivered.emails} "
        f"sign-in emails for known participants into `magiclink mailsink` in "
        f"{delivered.seconds:.1f} s: **{delivered.per_second:.0f} emails/s** (each: the study, "
        "a token and code issued, the message rendered with its QR code, SMTP, settled).",
        "",
        "## Known and unknown addresses (`POST /v3/auth/email`, one request at a time)",
        "",
        *alike.lines(),
        "",
        "## Redis memory per item (`MEMORY USAGE`)",
        "",
        "| key | bytes |",
        "|---|---:|",
        *(f"| {name} | {size} |" for name, size in memory.items()),
        "",
        "## Every round",
        "",
        *rounds_table(comparisons),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Measure the service against its floor.")
    parser.add_argument("--seconds", type=int, default=6, help="per run (default 6)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--rounds", type=int, default=5, help="runs per side (5)")
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
        stack.create_study(
            service_url,
            {"identifier": STUDY, "name": "Benchmark", "emailSignInEnabled": True},
        )
        smtp_port, _sink_url = stack.mailsink()
        worker_env = {**env, "MAGICLINK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"}

        def start_worker() -> None:
            stack.start("worker", [MAGICLINK, "worker"], worker_env)

        tokens = Tokens(redis_url, stack.secret_key, stack.scratch)
        urls = Urls(service_url, logging_all_url, floor_url)
        text, met = asyncio.run(measure(options, tokens, urls, start_worker))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}")
    return 0 if met else 1


@dataclass(frozen=True)
class Urls:
    service: str
    service_logging_all: str  # the same service with MAGICLINK_ACCESS_LOG=all
    floor: str


async def measure(
    options: Options, tokens: Tokens, urls: Urls, start_worker: Callable[[], None]
) -> tuple[str, bool]:
    """The report, and whether every target was met."""
    service_url, floor_url = urls.service, urls.floor
    run_id = secrets.token_hex(4)

    async def request_link(url: str) -> Run:
        return wrk(options, url, "request_link.lua", STUDY, f"{run_id}-{secrets.token_hex(3)}")

    print("POST /v3/auth/email: warming up", flush=True)
    await request_link(floor_url)
    await request_link(service_url)
    request_link_comparison = await compare(
        "POST /v3/auth/email",
        options,
        lambda: request_link(service_url),
        lambda: request_link(floor_url),
    )

    print("POST /v3/auth/email/signIn: warming up", flush=True)
    warm_up = Options(2, options.connections, 1)
    pace = {
        "service": wrk(
            warm_up, service_url, "sign_in.lua", STUDY, str(await tokens.for_service(5000))
        ),
        "floor": wrk(warm_up, floor_url, "sign_in.lua", STUDY, str(await tokens.for_floor(5000))),
    }

    async def sign_in_service() -> Run:
        count = token_count(options, pace["service"].throughput)
        return wrk(options, service_url, "sign_in.lua", STUDY, str(await tokens.for_service(count)))

    async def sign_in_floor() -> Run:
        count = token_count(options, pace["floor"].throughput)
        return wrk(options, floor_url, "sign_in.lua", STUDY, str(await tokens.for_floor(count)))

    sign_in_comparison = await compare(
        "POST /v3/auth/email/signIn", options, sign_in_service, sign_in_floor
    )
    print("POST /v3/auth/email with MAGICLINK_ACCESS_LOG=all (not a target)", flush=True)
    await request_link(urls.service_logging_all)
    logging_all = await compare(
        "POST /v3/auth/email, access log all",
        options,
        lambda: request_link(urls.service_logging_all),
        lambda: request_link(floor_url),
    )
    memory = await memory_per_item(tokens, service_url)
    print("POST /v3/auth/email: known and unknown addresses, alternately", flush=True)
    alike = await known_versus_unknown(tokens, service_url)
    print("\n".join(f"  {line}" for line in alike.lines()[2:4]), flush=True)
    print(f"delivery: {DELIVERY_EMAILS} sign-in emails through one worker", flush=True)
    delivered = await delivery(tokens, service_url, start_worker)
    print(f"  {delivered.per_second:.0f} emails/s", flush=True)
    await tokens.redis.aclose()

    comparisons = [request_link_comparison, sign_in_comparison, logging_all]
    checks = verdicts(request_link_comparison, sign_in_comparison)
    print()
    print("\n".join(table(comparisons)))
    for text, ok in checks:
        print(f"{'met' if ok else 'MISSED'}: {text}")
    text = report(options, comparisons, checks, memory, delivered, alike)
    return text, all(ok for _text, ok in checks)


if __name__ == "__main__":
    sys.exit(main())
