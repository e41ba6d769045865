"""The deployment files in deploy/: Kubernetes manifests validated against the Kubernetes JSON
schemas (bundled offline by kubernetes-validate), the probes, the Dockerfile's essentials, the
compose file's structure (and `docker compose config` when the client has the plugin), the
proxy in front (the Ingress, and the nginx snippet, checked with `nginx -t` when nginx is
installed), and the wheel the image installs carrying the templates and Lua scripts.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from service.settings import ListenAddress, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.30"  # the oldest version the manifests must work on
METRICS_PORT = 9100  # never on a Service: the email counters tell which addresses have accounts

Manifest = dict[str, Any]


def load_all(path: Path) -> list[Manifest]:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert documents, f"{path.name} is empty"
    assert all(isinstance(doc, dict) for doc in documents), path.name
    return documents


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def manifests() -> dict[str, Manifest]:
    found: dict[str, Manifest] = {}
    for path in manifest_files():
        for doc in load_all(path):
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def deployment(name: str) -> Manifest:
    return manifests()[f"Deployment/{name}"]


def container(name: str) -> Manifest:
    containers: list[Manifest] = deployment(name)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def documented_variables() -> set[str]:
    """The MAGICLINK_* variables of the README's configuration table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(MAGICLINK_[A-Z_]+)`", table))


# --- Kubernetes -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_is_valid_against_the_kubernetes_schema(path: Path) -> None:
    for doc in load_all(path):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    broken = copy.deepcopy(deployment("magiclink"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = [1]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    unknown_field = copy.deepcopy(deployment("magiclink"))
    unknown_field["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown_field, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    (kustomization,) = load_all(KUBERNETES / "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    expected = {p.name for p in manifest_files()} - {"secret.example.yaml"}
    assert sorted(kustomization["resources"]) == sorted(expected)


def test_serve_probes_point_at_ready_and_health() -> None:
    serve = container("magiclink")
    ports = {port["name"]: port["containerPort"] for port in serve["ports"]}
    assert ports == {"http": 8000, "metrics": METRICS_PORT}
    assert serve["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert serve["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert serve["args"][:2] == ["magiclink", "serve"]
    assert "--no-worker" in serve["args"]
    assert serve["args"][serve["args"].index("--host") + 1] == "0.0.0.0"  # noqa: S104


def test_worker_runs_the_worker_command() -> None:
    assert container("magiclink-worker")["args"] == ["magiclink", "worker"]


def test_worker_liveness_and_readiness_ask_its_metrics_listener() -> None:
    worker = container("magiclink-worker")
    assert worker["livenessProbe"]["httpGet"] == {"path": "/health", "port": "metrics"}
    # Behind no Service, but a rollout waits for new workers that reach Redis.
    assert worker["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "metrics"}


@pytest.mark.parametrize("name", ["magiclink", "magiclink-worker"])
def test_pods_serve_metrics_on_their_own_port_for_prometheus(name: str) -> None:
    ports = {port["name"]: port["containerPort"] for port in container(name)["ports"]}
    assert ports["metrics"] == METRICS_PORT
    # Both Deployments read the address from the ConfigMap; it listens where the port says.
    configmap = manifests()["ConfigMap/magiclink"]
    address = ListenAddress.parse(
        "MAGICLINK_METRICS_ADDR", configmap["data"]["MAGICLINK_METRICS_ADDR"]
    )
    assert address == ListenAddress("0.0.0.0", METRICS_PORT)  # noqa: S104
    assert not any(v["name"] == "MAGICLINK_METRICS_ADDR" for v in container(name)["env"])
    annotations = deployment(name)["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(METRICS_PORT),
        "prometheus.io/path": "/metrics",
    }


def test_no_service_exposes_the_metrics_port() -> None:
    services = [doc for key, doc in manifests().items() if key.startswith("Service/")]
    assert services
    for service in services:
        for port in service["spec"]["ports"]:
            assert port["targetPort"] not in ("metrics", METRICS_PORT), service["metadata"]
            assert port["port"] != METRICS_PORT, service["metadata"]


@pytest.mark.parametrize("name", ["magiclink", "magiclink-worker"])
def test_pods_are_locked_down_and_sized(name: str) -> None:
    pod = deployment(name)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    box = container(name)
    assert box["securityContext"]["readOnlyRootFilesystem"] is True
    assert box["securityContext"]["allowPrivilegeEscalation"] is False
    assert box["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(box["resources"]["requests"])
    assert "memory" in box["resources"]["limits"]
    # The root filesystem is read-only: /tmp must be a writable volume.
    assert {m["mountPath"] for m in box["volumeMounts"]} == {"/tmp"}  # noqa: S108


@pytest.mark.parametrize("name", ["magiclink", "magiclink-worker"])
def test_pods_take_config_from_the_configmap_and_secrets_from_the_secret(name: str) -> None:
    found = manifests()
    configmap = found["ConfigMap/magiclink"]
    secret = found["Secret/magiclink"]
    box = container(name)
    assert box["envFrom"] == [{"configMapRef": {"name": "magiclink"}}]
    for variable in box["env"]:
        ref = variable["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "magiclink"
        assert ref["key"] in secret["stringData"], ref["key"]
    from_secret = {variable["name"] for variable in box["env"]}
    assert {"MAGICLINK_REDIS_URL", "MAGICLINK_SECRET_KEY", "MAGICLINK_SMTP_URL"} <= from_secret
    known = documented_variables()
    assert set(configmap["data"]) <= known
    assert set(secret["stringData"]) <= known
    assert not set(configmap["data"]) & set(secret["stringData"])


def test_example_secret_holds_only_placeholders() -> None:
    secret = manifests()["Secret/magiclink"]
    assert "EXAMPLE ONLY" in (KUBERNETES / "secret.example.yaml").read_text()
    for key, value in secret["stringData"].items():
        assert "CHANGE-ME" in value, key


def test_autoscaler_and_disruption_budget_target_the_serve_pods() -> None:
    found = manifests()
    hpa = found["HorizontalPodAutoscaler/magiclink"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "magiclink",
    }
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert 1 < hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    serve_labels = deployment("magiclink")["spec"]["template"]["metadata"]["labels"]
    pdb = found["PodDisruptionBudget/magiclink"]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"]["matchLabels"].items() <= serve_labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    service = found["Service/magiclink"]
    assert service["spec"]["selector"].items() <= serve_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    # The autoscaler owns the scale: a count in the Deployment would reset it on every apply.
    assert "replicas" not in deployment("magiclink")["spec"]


def test_a_stopping_worker_has_time_to_finish_its_smtp_exchange() -> None:
    grace = deployment("magiclink-worker")["spec"]["template"]["spec"][
        "terminationGracePeriodSeconds"
    ]
    assert grace >= SERVICE.smtp_timeout_seconds + 10


def test_trusted_proxies_example_is_no_wider_than_a_pod_range() -> None:
    configured = manifests()["ConfigMap/magiclink"]["data"]["MAGICLINK_TRUSTED_PROXIES"]
    for network in configured.split(","):
        # Any address listed may claim any client address; a /8 is a whole cluster and more.
        assert ipaddress.ip_network(network.strip()).prefixlen >= 16, network


# --- the proxy in front: the Ingress (ingress-nginx), and nginx --------------------------------

INGRESS_NGINX = "nginx.ingress.kubernetes.io"
NGINX_CONF = DEPLOY / "nginx" / "magiclink.conf"
# The service's own limits: the proxy's must be the same or stricter.
SERVICE = Settings()


def nginx_size(value: str) -> int:
    """Bytes of an nginx size: ``512``, ``8k``, ``1m``."""
    size = re.fullmatch(r"(\d+)([kKmM]?)", value.strip())
    assert size is not None, value
    return int(size[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[size[2].lower()]


def ingress() -> Manifest:
    return manifests()["Ingress/magiclink"]


def test_ingress_routes_only_to_the_services_http_port() -> None:
    found = manifests()
    spec = ingress()["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert "defaultBackend" not in spec
    backends = [path["backend"] for rule in spec["rules"] for path in rule["http"]["paths"]]
    assert backends
    for backend in backends:
        assert backend == {"service": {"name": "magiclink", "port": {"name": "http"}}}
    assert "http" in {port["name"] for port in found["Service/magiclink"]["spec"]["ports"]}
    # The host is the one the links point at, and TLS covers it.
    host = urlsplit(found["ConfigMap/magiclink"]["data"]["MAGICLINK_BASE_URL"]).hostname
    assert [rule["host"] for rule in spec["rules"]] == [host]
    assert [entry["hosts"] for entry in spec["tls"]] == [[host]]


def test_ingress_bounds_bodies_timeouts_and_clients() -> None:
    annotations = {
        key.removeprefix(f"{INGRESS_NGINX}/"): value
        for key, value in ingress()["metadata"]["annotations"].items()
    }
    assert nginx_size(annotations["proxy-body-size"]) == SERVICE.max_body_bytes
    assert nginx_size(annotations["client-body-buffer-size"]) >= SERVICE.max_body_bytes
    assert annotations["proxy-request-buffering"] == "on"
    for timeout in ("proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout"):
        assert 1 <= int(annotations[timeout]) <= 30, timeout
    assert int(annotations["limit-connections"]) > 0
    assert int(annotations["limit-rps"]) > 0
    # ingress-nginx ignores these as annotations: they belong in its ConfigMap, which the
    # file's comment spells out, with values no looser than the service's own.
    config_map_only = {"client-header-timeout", "client-body-timeout", "keep-alive"}
    assert not config_map_only & set(annotations)
    assert not any(name.startswith(("client-header", "large-client")) for name in annotations)
    text = (KUBERNETES / "ingress.yaml").read_text()
    suggested = dict(re.findall(r'^#\s+([a-z-]+): "([^"]+)"', text, re.MULTILINE))
    assert int(suggested["client-header-timeout"]) <= SERVICE.header_timeout_seconds
    assert int(suggested["client-body-timeout"]) <= SERVICE.header_timeout_seconds
    count, size = suggested["large-client-header-buffers"].split()
    assert int(count) * nginx_size(size) <= SERVICE.max_header_bytes
    assert int(suggested["upstream-keepalive-timeout"]) < SERVICE.keep_alive_seconds


def nginx_directives(block: str = "") -> list[tuple[str, str]]:
    """(name, arguments) of each simple directive in the nginx snippet, or in its first block
    that starts with ``block`` (e.g. ``upstream``); comments dropped."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    if block:
        found = re.search(rf"{block}[^{{]*{{([^}}]*)}}", text)
        assert found is not None, block
        text = found[1]
    return [(name, args.strip()) for name, args in re.findall(r"([a-z_0-9]+)\s+([^;{}]*);", text)]


def test_nginx_snippet_limits_match_the_service() -> None:
    directives = nginx_directives()
    single = dict(directives)
    assert nginx_size(single["client_max_body_size"]) == SERVICE.max_body_bytes
    assert nginx_size(single["client_body_buffer_size"]) >= SERVICE.max_body_bytes
    count, size = single["large_client_header_buffers"].split()
    assert int(count) * nginx_size(size) <= SERVICE.max_header_bytes
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert int(single[timeout].removesuffix("s")) <= SERVICE.header_timeout_seconds, timeout
    # Upstream connections are dropped before the service's keep-alive drops them.
    upstream = dict(nginx_directives("upstream"))
    assert int(upstream["keepalive_timeout"].removesuffix("s")) < SERVICE.keep_alive_seconds
    zones = {args.split("zone=")[1].split(":")[0] for name, args in directives if "_zone" in name}
    assert single["limit_conn"].split()[0] in zones
    assert single["limit_req"].split()[0].removeprefix("zone=") in zones


def test_nginx_snippet_proxies_with_the_clients_address() -> None:
    directives = nginx_directives()
    assert ("proxy_pass", "http://magiclink") in directives
    # Set, not appended to: a client cannot put addresses of its choosing in front of its own.
    assert ("proxy_set_header", "X-Forwarded-For $remote_addr") in directives
    assert ("proxy_request_buffering", "on") in directives


def test_nginx_accepts_the_snippet(tmp_path: Path) -> None:
    """`nginx -t` on the snippet inside a minimal configuration, when nginx is installed."""
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl not installed; the structural tests above still ran")
    keys = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    subject = ["-subj", "/CN=signin.example.org", "-days", "1"]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", *subject, *keys],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = NGINX_CONF.read_text().replace("/etc/ssl/magiclink/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- Dockerfile -------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    starts = [i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM"]
    assert len(starts) >= 2, "the Dockerfile is multi-stage"
    return instructions[starts[-1] :]


def test_dockerfile_is_multi_stage_on_one_pinned_slim_python() -> None:
    bases = [
        args.split()[0] for instruction, args in dockerfile_instructions() if instruction == "FROM"
    ]
    # One exact Python release on one Debian release, the same in both stages: not a moving tag.
    assert len(set(bases)) == 1, bases
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", bases[0]), bases
    runs = [args for instruction, args in dockerfile_instructions() if instruction == "RUN"]
    # The dependencies are the lock's, hash-checked.
    assert any("uv export --locked" in args and "--require-hashes" in args for args in runs)
    final = final_stage()
    assert any(i == "COPY" and args.startswith("--from=") for i, args in final)
    assert any(i == "RUN" and "pip install" in args for i, args in final)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for instruction, args in final_stage() if instruction == "USER"]
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), user


def test_dockerfile_serves_and_checks_health_on_one_port_setting() -> None:
    final = dict(final_stage())
    assert final["EXPOSE"] == "8000"
    assert final["ENV"] == "PORT=8000"
    healthcheck = final["HEALTHCHECK"]
    assert "urllib.request" in healthcheck
    # The check follows the port the server was moved to, not a hard-coded 8000.
    assert "http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000')" in healthcheck
    assert "curl" not in healthcheck
    assert final["CMD"] == (
        '["sh", "-c", "exec magiclink serve --host 0.0.0.0 --port \\"${PORT}\\""]'
    )


def test_dockerfile_healthcheck_command_is_valid_python() -> None:
    healthcheck = dict(final_stage())["HEALTHCHECK"]
    code = re.search(r'"-c", "(.*)"\]$', healthcheck)
    assert code is not None, healthcheck
    compile(code.group(1), "HEALTHCHECK", "exec")


def test_dockerfile_copies_what_the_wheel_needs_and_the_context_sends_it() -> None:
    sources = [
        source.rstrip("/")
        for instruction, args in dockerfile_instructions()
        if instruction == "COPY" and not args.startswith("--from=")
        for source in args.split()[:-1]
    ]
    for needed in ("pyproject.toml", "uv.lock", "README.md", "service", "templates"):
        assert needed in sources, needed
    # Every file the build copies from the context is let through the ignore file.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for source in sources:
        assert f"!{source}" in ignore or f"!{source}/" in ignore, source


# --- docker compose ---------------------------------------------------------------------------


COMPOSE = DEPLOY / "docker-compose.yml"


def compose() -> Manifest:
    (document,) = load_all(COMPOSE)
    return document


def test_compose_has_the_four_services() -> None:
    services = compose()["services"]
    assert set(services) == {"magiclink", "worker", "redis", "mailsink"}
    assert services["magiclink"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert services["worker"]["image"] == services["magiclink"]["image"]
    assert services["magiclink"]["command"][:2] == ["magiclink", "serve"]
    assert "--no-worker" in services["magiclink"]["command"]
    assert services["worker"]["command"] == ["magiclink", "worker"]


def test_compose_waits_for_a_healthy_redis_with_aof() -> None:
    services = compose()["services"]
    for name in ("magiclink", "worker"):
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in redis["volumes"]
    assert "/usr/local/etc/redis/redis.conf" in redis["command"]
    data_dir = redis["command"][redis["command"].index("--dir") + 1]
    volumes = {v.split(":")[1]: v.split(":")[0] for v in redis["volumes"]}
    assert volumes[data_dir] in compose()["volumes"], "the AOF lives in a named volume"
    assert re.search(r"^appendonly yes$", (DEPLOY / "redis.conf").read_text(), re.MULTILINE)


def test_compose_environment_is_documented_and_secrets_are_required() -> None:
    services = compose()["services"]
    environment = services["magiclink"]["environment"]
    assert environment == services["worker"]["environment"]
    assert set(environment) <= documented_variables()
    assert environment["MAGICLINK_REDIS_URL"] == "redis://redis:6379/0"
    assert environment["MAGICLINK_SMTP_URL"] == "smtp://mailsink:1025"
    for secret in ("MAGICLINK_SECRET_KEY", "MAGICLINK_ADMIN_KEY"):
        assert environment[secret].startswith(f"${{{secret}:?"), environment[secret]


def test_compose_keeps_metrics_on_the_compose_network() -> None:
    services = compose()["services"]
    for name in ("magiclink", "worker"):
        assert services[name]["environment"]["MAGICLINK_METRICS_ADDR"] == "0.0.0.0:9100"
        for published in services[name].get("ports", []):  # [HOST_IP:]HOST_PORT:PORT
            *host_side, container_port = str(published).split(":")
            if container_port == "9100":
                assert host_side[:1] == ["127.0.0.1"], published  # loopback only
                assert len(host_side) == 2, published
    # A worker has no API port: its health check asks the metrics listener.
    assert "http://127.0.0.1:9100/health" in " ".join(services["worker"]["healthcheck"]["test"])


def test_compose_mail_sink_listens_where_the_service_sends() -> None:
    mailsink = compose()["services"]["mailsink"]
    assert mailsink["image"].startswith("axllent/mailpit")
    assert "127.0.0.1:8025:8025" in mailsink["ports"]


def docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False, timeout=30
    )
    return probe.returncode == 0


def test_docker_compose_config_accepts_the_file() -> None:
    """`docker compose config -q` when the client has the plugin (no engine needed)."""
    if not docker_compose_available():
        pytest.skip("docker compose plugin not installed; the structural tests above still ran")
    env = {
        **os.environ,
        "MAGICLINK_SECRET_KEY": "x" * 64,
        "MAGICLINK_ADMIN_KEY": "y" * 32,
    }
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    env.pop("MAGICLINK_SECRET_KEY")
    missing = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    assert missing.returncode != 0
    assert "MAGICLINK_SECRET_KEY" in missing.stderr


# --- the wheel the image installs -------------------------------------------------------------


def test_wheel_carries_templates_and_lua_scripts(tmp_path: Path) -> None:
    # The uv that make installs from PyPI (the venv it builds has no pip).
    uv = ROOT / ".cache" / "uv" / "bin" / "uv"
    assert uv.exists(), "uv is installed by make (make install)"
    subprocess.run(
        [str(uv), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("magiclink-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "service/_templates/landing.html" in names
    assert "service/_templates/email/sign_in.html" in names
    lua_in_wheel = {n for n in names if re.fullmatch(r"service/store/lua/[^/]+\.lua", n)}
    lua_in_tree = {
        f"service/store/lua/{p.name}" for p in (ROOT / "service" / "store" / "lua").glob("*.lua")
    }
    assert lua_in_tree
    assert lua_in_wheel == lua_in_tree
    assert any(n.endswith("entry_points.txt") for n in names)
