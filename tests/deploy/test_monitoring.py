"""The Prometheus alert rules and the Grafana dashboard in deploy/: promtool checks the rules
and runs their unit tests, and every metric and label they name is one the service exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from service.observability.metrics import Metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts_test.yaml"
DASHBOARD = DEPLOY / "grafana" / "magiclink.json"
PROMTOOL_HINT = (
    "promtool is missing: it comes with Debian's prometheus package ('sudo apt-get install "
    "prometheus'; as root, 'make test' installs it)"
)
_METRIC = re.compile(r"\bmagiclink_[a-z_]+")
_BY = re.compile(r"\bby \(([^)]*)\)")
_MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"")
# Labels every scraped series gets from Prometheus itself, and the histogram's buckets.
_SCRAPE_LABELS = {"instance", "job", "le"}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool is not None, PROMTOOL_HINT
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_accepts_the_alert_rules() -> None:
    checked = _promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_each_alert_fires_on_its_case_and_not_on_a_healthy_service() -> None:
    tested = _promtool("test", "rules", str(ALERT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # Every alert has a test that expects it to fire.
    tests = yaml.safe_load(ALERT_TESTS.read_text())["tests"]
    firing = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert firing == set(_alerts()), firing


def _alerts() -> dict[str, str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def _exported() -> dict[str, set[str]]:
    """Every series name the service exports (counters with _total, histograms with _bucket,
    _sum and _count), with its label names: one sample of each family is enough."""
    metrics = Metrics()
    metrics.http.observe("GET", "/health", 200, 0.001)  # the request histogram has a sample
    for family_name in ("emails", "sign_ins", "failed_sign_ins", "refused", "landing_views"):
        family = getattr(metrics, family_name)
        family.labels(*("x" for _ in family._labelnames)).inc()
    metrics.outbox_depth.labels("dead").set(0)
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def _expressions() -> list[tuple[str, str]]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    found = [(f"alert {name}", expr) for name, expr in _alerts().items()]
    found += [
        (f"panel {panel['title']!r}", target["expr"])
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    return found


@pytest.mark.parametrize(("where", "expr"), _expressions(), ids=lambda value: str(value)[:50])
def test_every_metric_and_label_named_is_exported(where: str, expr: str) -> None:
    exported = _exported()
    named = set(_METRIC.findall(expr))
    assert named, f"{where} names no magiclink metric: {expr}"
    unknown = named - set(exported)
    assert not unknown, f"{where} names metrics the service does not export: {sorted(unknown)}"
    labels = set().union(*(exported[name] for name in named)) | _SCRAPE_LABELS
    used = {label.strip() for group in _BY.findall(expr) for label in group.split(",")} | set(
        _MATCHER.findall(expr)
    )
    assert used <= labels, f"{where} uses labels its metrics lack: {sorted(used - labels)}"


def test_the_dashboard_is_one_grafana_dashboard_with_its_datasource_as_a_variable() -> None:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "magiclink"
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert "DS_PROMETHEUS" in variables
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert len(titles) == len(set(titles))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
