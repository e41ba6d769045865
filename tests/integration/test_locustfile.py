"""The Locust file loads and defines its users (only where the `load` extra is installed)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

LOCUSTFILE = Path(__file__).resolve().parents[1] / "load" / "locustfile.py"


@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="the `load` extra is not installed"
)
def test_locustfile_defines_the_flow_and_the_herd() -> None:
    # In a subprocess: importing Locust monkey-patches the standard library (gevent).
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    users = result.stdout.split()
    assert "Participant" in users
    assert "ThunderingHerd" in users
