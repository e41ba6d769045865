"""``magiclink serve`` as a real process on a free port, for end-to-end and fault tests."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.ports import free_port


class ServiceProcess:
    def __init__(
        self, env: dict[str, str], cwd: Path, *args: str, open_files: tuple[int, int] | None = None
    ) -> None:
        """``open_files``: the process's (soft, hard) limit on open files, else this one's."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / f"serve-{self.port}-{time.monotonic_ns()}.log"
        self._command = [sys.executable, "-m", "service", "serve", "--port", str(self.port), *args]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MAGICLINK_")}
        self._env = {**clean, **env}
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._open_files = open_files

    def set_env(self, name: str, value: str) -> None:
        """Add to the environment before ``start()``, e.g. ``MAGICLINK_BASE_URL`` = ``self.url``
        (the port, and so the URL, is only known once the object exists)."""
        assert self._process is None, "set the environment before start()"
        self._env[name] = value

    @property
    def environment(self) -> dict[str, str]:
        """The environment the process runs with (MAGICLINK_* from the test only)."""
        return dict(self._env)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    @property
    def pid(self) -> int:
        assert self._process is not None, "start() first"
        return self._process.pid

    def _limit_open_files(self) -> None:  # in the child, before it runs the service
        if self._open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, self._open_files)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command,
                cwd=self._cwd,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._limit_open_files if self._open_files else None,
            )
        deadline = time.monotonic() + 20
        while True:
            assert self._process.poll() is None, self.log
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start within 20 s"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM: uvicorn shuts down gracefully, then exits with the signal's status."""
        assert self._process is not None
        self._process.terminate()
        assert self._process.wait(timeout=15) in (0, -signal.SIGTERM), self.log
        assert "Application shutdown complete" in self.log
        self._process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when the machine or the OOM killer takes it."""
        assert self._process is not None
        self._process.kill()
        self._process.wait(timeout=15)
        self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def ensure_stopped(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=15)


def magiclink(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``magiclink`` command to its end, with only the test's MAGICLINK_* settings."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("MAGICLINK_")}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=cwd,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def running(service: ServiceProcess) -> Iterator[ServiceProcess]:
    """Start the process; when the block ends, stop it (gracefully while it still runs)."""
    service.start()
    try:
        yield service
    finally:
        if service.running:
            service.stop()
        service.ensure_stopped()


@contextmanager
def serving(env: dict[str, str], cwd: Path, *args: str) -> Iterator[tuple[str, Path]]:
    """Run ``magiclink serve`` until the block ends; yields its URL and its log file."""
    with running(ServiceProcess(env, cwd, *args)) as service:
        yield service.url, service.log_path
