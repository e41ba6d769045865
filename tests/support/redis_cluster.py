"""A real Redis Cluster on loopback ports, built from redis-server binaries: three masters, and
optionally a replica each (for failover tests: :meth:`RedisCluster.master_of`,
:meth:`RedisCluster.kill`, :meth:`RedisCluster.wait_promoted`)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.redis_server import INSTALL_HINT


class RedisCluster:
    def __init__(
        self,
        directory: Path,
        masters: int = 3,
        replicas: int = 0,
        node_timeout_ms: int = 2000,
        appendonly: bool = False,
    ) -> None:
        self.directory = directory
        self.replicas = replicas
        self.node_timeout_ms = node_timeout_ms
        self.appendonly = appendonly
        nodes = masters * (1 + replicas)
        self.ports = [free_port() for _ in range(nodes)]
        # The cluster bus defaults to port + 10000, which may be taken or past 65535.
        self.bus_ports = [free_port() for _ in range(nodes)]
        self._processes: list[subprocess.Popen[bytes]] = []
        self._by_port: dict[int, subprocess.Popen[bytes]] = {}

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
                        "--cluster-node-timeout", str(self.node_timeout_ms),
                        "--save", "",
                        "--appendonly", "yes" if self.appendonly else "no",
                        # A replica's first sync starts at once, not after 5 s of waiting for
                        # more replicas to share it.
                        "--repl-diskless-sync-delay", "0",
                        "--dir", str(node),
                        "--logfile", str(node / "redis.log"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
            self._by_port[port] = self._processes[-1]
        for port, process in zip(self.ports, self._processes, strict=True):
            if process.poll() is not None:
                log = (self.directory / str(port) / "redis.log").read_text()
                raise RuntimeError(f"cluster node {port} exited:\n{log[-2000:]}")
            self._wait(cli, port, ["PING"], "PONG")
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
             "--cluster-replicas", str(self.replicas), "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        for port in self.ports:
            self._wait(cli, port, ["CLUSTER", "INFO"], "cluster_state:ok")
        if self.replicas:
            # A replica that has not finished its first sync cannot take over yet.
            for port in self.ports:
                if self.role(port) == "slave":
                    self._wait(cli, port, ["INFO", "replication"], "master_link_status:up")

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

    def cli(self, port: int, *command: str, timeout: float = 10) -> str:
        """One redis-cli command against one node; its output ('' when the node is gone)."""
        cli = shutil.which("redis-cli")
        assert cli is not None, INSTALL_HINT
        try:
            result = subprocess.run(
                [cli, "-p", str(port), *command],
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return ""
        return result.stdout.strip()

    def role(self, port: int) -> str:
        """'master', 'slave' or '' (not answering)."""
        info = self.cli(port, "ROLE")
        return info.splitlines()[0] if info else ""

    def live_ports(self) -> list[int]:
        return [port for port, process in self._by_port.items() if process.poll() is None]

    def nodes(self, via: int | None = None) -> list[dict[str, str]]:
        """CLUSTER NODES as seen by one live node: id, port, flags, master id, slots."""
        port = via if via is not None else self.live_ports()[0]
        rows = []
        for line in self.cli(port, "CLUSTER", "NODES").splitlines():
            parts = line.split()
            rows.append(
                {
                    "id": parts[0],
                    "port": parts[1].split("@")[0].rsplit(":", 1)[1],
                    "flags": parts[2],
                    "master": parts[3],
                    "slots": " ".join(parts[8:]),
                }
            )
        return rows

    def master_of(self, key: str, via: int | None = None) -> int:
        """The port of the master that owns ``key``'s slot (CLUSTER KEYSLOT, CLUSTER SHARDS)."""
        port = via if via is not None else self.live_ports()[0]
        slot = int(self.cli(port, "CLUSTER", "KEYSLOT", key))
        for node in self.nodes(port):
            if "master" not in node["flags"] or "fail" in node["flags"]:
                continue
            for span in node["slots"].split():
                if span.startswith("["):
                    continue  # a slot being migrated
                low, _, high = span.partition("-")
                if int(low) <= slot <= int(high or low):
                    return int(node["port"])
        raise LookupError(f"no master owns slot {slot} of {key!r}")

    def replica_of(self, master_port: int) -> int:
        """The port of a replica of the master on ``master_port``."""
        nodes = self.nodes(master_port)
        master_id = next(n["id"] for n in nodes if n["port"] == str(master_port))
        return next(int(n["port"]) for n in nodes if n["master"] == master_id)

    def pid(self, port: int) -> int:
        return self._by_port[port].pid

    def kill(self, port: int) -> None:
        """SIGKILL one node: no shutdown, no last word to its replica."""
        process = self._by_port[port]
        process.kill()
        process.wait(timeout=10)

    def wait_promoted(self, replica_port: int, deadline_seconds: float = 60) -> None:
        """Until the replica is a master and the cluster, as it sees it, is whole again."""
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.role(replica_port) == "master" and "cluster_state:ok" in self.cli(
                replica_port, "CLUSTER", "INFO"
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"replica {replica_port} was not promoted within {deadline_seconds} s")

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()
        self._by_port.clear()
