"""A real three-master Redis Cluster on loopback ports, built from redis-server binaries."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.redis_server import INSTALL_HINT


class RedisCluster:
    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.directory = directory
        self.ports = [free_port() for _ in range(masters)]
        # The cluster bus defaults to port + 10000, which may be taken or past 65535.
        self.bus_ports = [free_port() for _ in range(masters)]
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            pytest.fail(INSTALL_HINT, pytrace=False)
        try:
            self._start(server, cli)
        except BaseException:
            self.stop()
            raise

    def _start(self, server: str, cli: str) -> None:
        for port, bus_port in zip(self.ports, self.bus_ports, strict=True):
            node = self.directory / str(port)
            node.mkdir(parents=True, exist_ok=True)
            self._processes.append(
                subprocess.Popen(
                    [
                        server,
                        "--port", str(port),
                        "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes",
                        "--cluster-port", str(bus_port),
                        "--cluster-config-file", str(node / "nodes.conf"),
                        "--cluster-node-timeout", "2000",
                        "--save", "",
                        "--appendonly", "no",
                        "--dir", str(node),
                        "--logfile", str(node / "redis.log"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        for port, process in zip(self.ports, self._processes, strict=True):
            if process.poll() is not None:
                log = (self.directory / str(port) / "redis.log").read_text()
                raise RuntimeError(f"cluster node {port} exited:\n{log[-2000:]}")
            self._wait(cli, port, ["PING"], "PONG")
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        for port in self.ports:
            self._wait(cli, port, ["CLUSTER", "INFO"], "cluster_state:ok")

    def _wait(self, cli: str, port: int, command: list[str], expected: str) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            result = subprocess.run(
                [cli, "-p", str(port), *command], capture_output=True, text=True, check=False
            )
            if expected in result.stdout:
                return
            time.sleep(0.1)
        raise RuntimeError(f"cluster node {port} did not answer {expected!r} within 20 s")

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()
