"""The HTTP limits of ``magiclink serve`` (service/api/http_limits.py, cli.py), attacked for real.

Each test does to a real ``magiclink serve`` process, over raw sockets, what an attacker did to
it before these limits: a 10 MB header, 100,000 headers, 30 unfinished 20 MB headers at once,
hundreds of connections that trickle in a request head (slowloris) or a body, and more
connections than the process serves. Memory is read from /proc/PID/status: the peak (VmHWM) is
reset to the current size before an attack (/proc/PID/clear_refs), so the peak after it is what
the attack cost. Time bounds are generous: the machine is shared and busy.
"""

from __future__ import annotations

import contextlib
import re
import resource
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.service_process import ServiceProcess, running

MAX_HEADER_BYTES = 4096
MAX_HEADERS = 20
TIMEOUT_SECONDS = 1  # MAGICLINK_HEADER_TIMEOUT_SECONDS of the services here
CLOSED_WITHIN = 20.0  # seconds: what "closed" means in these tests (the setting is 1 s)
LIMITS = {
    "MAGICLINK_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
    "MAGICLINK_MAX_HEADERS": str(MAX_HEADERS),
    "MAGICLINK_HEADER_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
}
MIB = 1024  # in kB, the unit of /proc/PID/status


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    with running(ServiceProcess(LIMITS, tmp_path_factory.mktemp("http-limits"))) as process:
        yield process


# --- helpers ------------------------------------------------------------------------------------


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def reset_peak(pid: int) -> int:
    """Reset the process's peak resident size (VmHWM) to its current one; that size, in kB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_kb(pid, "VmHWM")


def status_of(sock: socket.socket, timeout: float = 10) -> int | None:
    """The status the server answered on ``sock``, or None if it closed without an answer."""
    sock.settimeout(timeout)
    received = b""
    try:
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    except ConnectionResetError:
        pass  # it closed with our bytes unread: the kernel resets instead of a clean close
    return int(received[9:12]) if received.startswith(b"HTTP/1.1 ") else None


def send(sock: socket.socket, *parts: bytes) -> None:
    """Send until done or until the server closes the connection."""
    try:
        for part in parts:
            sock.sendall(part)
    except (BrokenPipeError, ConnectionResetError):
        pass


def exchange(port: int, *parts: bytes) -> int | None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        send(sock, *parts)
        return status_of(sock)


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the (non-blocking) connection was closed by the server; reads any answer."""
    try:
        while True:
            if not sock.recv(4096):
                return True
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def drip_until_closed(sock: socket.socket, what: str) -> bytes:
    """Send a byte every 0.2 s until the server closes the (non-blocking) connection, which it
    must within CLOSED_WITHIN; what it answered meanwhile."""
    answered = b""
    started = time.monotonic()
    while True:
        try:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answered += chunk
        except BlockingIOError:
            pass
        except ConnectionResetError:
            break
        assert time.monotonic() - started < CLOSED_WITHIN, f"the {what} was let be"
        try:
            sock.send(b" ")
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.2)
    print(f"{what}: closed after {time.monotonic() - started:.2f} s")
    return answered


def head(*headers: bytes, path: bytes = b"/health") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


# --- the request head ---------------------------------------------------------------------------


def test_the_head_is_bounded_in_bytes_and_in_headers(service: ServiceProcess) -> None:
    # URL, names and values: "/health" (7) + "host" "x" (5) + "x-pad" (5) + the padding.
    padding = MAX_HEADER_BYTES - 7 - 5 - 5
    assert exchange(service.port, head(b"Host: x", b"X-Pad: " + b"p" * padding)) == 200
    assert exchange(service.port, head(b"Host: x", b"X-Pad: " + b"p" * (padding + 1))) == 431
    # The URL counts too: a long one and no room for headers.
    assert exchange(service.port, head(b"Host: x", path=b"/" + b"a" * MAX_HEADER_BYTES)) == 431
    headers = [b"Host: x", *(b"X-%d: v" % i for i in range(MAX_HEADERS - 1))]
    assert exchange(service.port, head(*headers)) == 200
    assert exchange(service.port, head(*headers, b"X-One-Too-Many: v")) == 431


def test_a_10_mb_header_is_refused_without_being_held(service: ServiceProcess) -> None:
    before = reset_peak(service.pid)
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
        send(sock, request, b"a" * (10 * 1024 * 1024), b"\r\n\r\n")
        assert status_of(sock) in (431, None)  # None: reset before the answer was read
    growth = memory_kb(service.pid, "VmHWM") - before
    print(f"10 MB header: peak RSS grew {growth} kB")
    assert growth < 4 * MIB
    assert exchange(service.port, head(b"Host: x")) == 200


def test_100000_headers_are_refused(service: ServiceProcess) -> None:
    before = reset_peak(service.pid)
    many = [b"Host: x", *(b"X-%d: v" % i for i in range(100_000))]
    assert exchange(service.port, head(*many)) in (431, None)
    growth = memory_kb(service.pid, "VmHWM") - before
    print(f"100,000 headers: peak RSS grew {growth} kB")
    assert growth < 4 * MIB


def test_30_unfinished_20_mb_headers_at_once_hold_no_memory(service: ServiceProcess) -> None:
    before = reset_peak(service.pid)
    piece = b"a" * (256 * 1024)
    sockets = [socket.create_connection(("127.0.0.1", service.port), timeout=30) for _ in range(30)]
    sent_all = threading.Barrier(len(sockets) + 1, timeout=120)

    def attack(sock: socket.socket) -> None:
        send(sock, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ", *[piece] * 80)  # 20 MB
        sent_all.wait()  # every header held open (or refused) at once, never finished

    threads = [threading.Thread(target=attack, args=(sock,)) for sock in sockets]
    for thread in threads:
        thread.start()
    sent_all.wait()
    growth = memory_kb(service.pid, "VmHWM") - before
    try:
        for sock in sockets:
            sock.setblocking(False)
        closed = [closed_by_server(sock) for sock in sockets]
    finally:
        for thread in threads:
            thread.join()
        for sock in sockets:
            sock.close()
    print(f"30 unfinished 20 MB headers: peak RSS grew {growth} kB")
    assert growth < 30 * MIB
    assert all(closed), "every such connection is closed by the server"


# --- slow clients -------------------------------------------------------------------------------


def test_slowloris_connections_are_closed_and_others_still_served(tmp_path: Path) -> None:
    """300 connections trickle in request heads, more than the process may open files (256)
    when it starts: the server raises that limit, answers others all along, and closes each
    trickling connection once its time is up."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096:
        pytest.skip(f"the hard limit on open files ({hard}) leaves no room to raise")
    attackers: list[socket.socket] = []
    with (
        running(ServiceProcess(LIMITS, tmp_path, open_files=(256, hard))) as process,
        contextlib.ExitStack() as sockets,
    ):
        started = time.monotonic()
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", process.port), timeout=10)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            sock.setblocking(False)
            attackers.append(sockets.enter_context(sock))
        # While all of them hold a connection, a normal request is answered.
        assert httpx.get(f"{process.url}/health", timeout=10).status_code == 200
        closed_at: dict[int, float] = {}
        while len(closed_at) < len(attackers) and time.monotonic() - started < CLOSED_WITHIN:
            for index, sock in enumerate(attackers):
                if index in closed_at:
                    continue
                if closed_by_server(sock):
                    closed_at[index] = time.monotonic() - started
                    continue
                try:
                    sock.send(b"X")  # one more byte of a header name that never ends
                except (BrokenPipeError, ConnectionResetError):
                    closed_at[index] = time.monotonic() - started
            time.sleep(0.2)
        print(
            f"slowloris: {len(closed_at)} of {len(attackers)} closed, the last after "
            f"{max(closed_at.values(), default=0):.2f} s"
        )
        assert len(closed_at) == len(attackers)
        assert httpx.get(f"{process.url}/health", timeout=10).status_code == 200
        # What let it take them all: the soft limit raised to the hard one.
        limits = Path(f"/proc/{process.pid}/limits").read_text()
        assert re.search(rf"^Max open files +{hard} +{hard} ", limits, re.MULTILINE), limits


def test_a_trickling_body_is_answered_408_and_closed(service: ServiceProcess) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v3/auth/email HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        sock.setblocking(False)
        drip_until_closed(sock, "trickling body")
    # Stated in the answer too (a fresh connection: the one above is gone).
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(b"POST /v3/auth/email HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
        assert status_of(sock, timeout=CLOSED_WITHIN) == 408
    # The request the deadline cut short is the client's failing, not a server error.
    assert "Traceback" not in service.log
    assert "POST /v3/auth/email 500" not in service.log


def test_a_trickling_body_after_an_early_answer_is_closed_without_another(
    service: ServiceProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v3/auth/email HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200000\r\n\r\n" + b" " * (70 * 1024)
        )
        assert status_of(sock) == 413  # over 64 KiB: answered before the body's end
        sock.setblocking(False)
        after = drip_until_closed(sock, "trickling body after a 413")
        assert b"HTTP/1.1" not in after  # the 413 was the answer; no 408 follows it


def test_an_idle_connection_is_closed(service: ServiceProcess) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=CLOSED_WITHIN) as sock:
        started = time.monotonic()
        assert sock.recv(4096) == b""  # closed without a word: it had asked nothing
        print(f"idle connection: closed after {time.monotonic() - started:.2f} s")


# --- the number of connections ------------------------------------------------------------------


def test_connections_beyond_the_limit_are_answered_503(tmp_path: Path) -> None:
    limit = 10
    env = {**LIMITS, "MAGICLINK_MAX_CONNECTIONS": str(limit)}
    env["MAGICLINK_HEADER_TIMEOUT_SECONDS"] = "60"  # the held connections must stay
    held: list[socket.socket] = []
    with running(ServiceProcess(env, tmp_path)) as process, contextlib.ExitStack() as sockets:
        for _ in range(limit):
            sock = socket.create_connection(("127.0.0.1", process.port), timeout=10)
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            held.append(sockets.enter_context(sock))
        deadline = time.monotonic() + CLOSED_WITHIN
        while (status := exchange(process.port, head(b"Host: x"))) != 503:
            assert time.monotonic() < deadline, f"answered {status}, not 503"
            time.sleep(0.1)
        for sock in held:
            sock.close()
        while (status := exchange(process.port, head(b"Host: x"))) != 200:
            assert time.monotonic() < deadline, f"answered {status} after the others left"
            time.sleep(0.1)


def test_the_connection_limit_is_lowered_to_fit_the_open_files(tmp_path: Path) -> None:
    with running(ServiceProcess(LIMITS, tmp_path, open_files=(256, 256))) as process:
        # Two files a connection (its socket, a Redis connection) and 64 besides.
        assert "MAGICLINK_MAX_CONNECTIONS=1000 needs 2064 open files" in process.log
        assert "serving at most 96 connections" in process.log
