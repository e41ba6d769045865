"""``magiclink provision link`` as an operator runs it: a subprocess, no Redis."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.support.service_process import magiclink

BASE_URL = "https://signin.example.org"
ENV = {"MAGICLINK_BASE_URL": BASE_URL}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("study", "--study", "sleep-study", "--login-hint", "ann@example.org"),
            f"{BASE_URL}/p/sleep-study?login_hint=ann%40example.org",
        ),
        (
            ("element", "--account-provider", "example.org", "--login-hint", "mxid:@a:example.org"),
            "https://mobile.element.io/element/?account_provider=example.org"
            "&login_hint=mxid:@a:example.org",
        ),
        (
            ("element-pro", "--account-provider", "example.org"),
            "https://mobile.element.io/element-pro/?account_provider=example.org",
        ),
        (
            ("element-classic", "--account-provider", "example.org"),
            "https://mobile.element.io/?hs_url=https://example.org",
        ),
        (
            (
                "sametime",
                "--host",
                "st.example.org",
                "--port",
                "443",
                "--user",
                "ann smith@example.org",
                "--community-name",
                "Our Co",
                "--param",
                "savePassword=false",
            ),
            "hclsametime://ann%20smith%40example.org@st.example.org:443/"
            "?action=AddCommunity&communityName=Our%20Co&savePassword=false",
        ),
    ],
)
def test_prints_the_link(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    result = magiclink(ENV, tmp_path, "provision", "link", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "unknown profile 'nope'"),
        (("study",), "--study"),
        (("element",), "--account-provider"),
        (("sametime",), "--host"),
        (("sametime", "--host", "st.example.org", "--param", "password=x"), "password"),
        (("sametime", "--host", "st.example.org", "--user", "ann:secret"), "password"),
        (("sametime", "--host", "st.example.org", "--param", "savePassword"), "KEY=VALUE"),
        (("study", "--study", "s", "--qr", "code.jpg"), ".svg or .png"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = magiclink(ENV, tmp_path, "provision", "link", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_writes_an_svg_qr_code(tmp_path: Path) -> None:
    qr = tmp_path / "study.svg"
    result = magiclink(ENV, tmp_path, "provision", "link", "study", "--study", "s", "--qr", str(qr))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{BASE_URL}/p/s\n"
    root = ElementTree.parse(qr).getroot()  # noqa: S314 - the file this test just wrote
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_writes_a_png_qr_code(tmp_path: Path) -> None:
    qr = tmp_path / "element.PNG"
    result = magiclink(
        {},
        tmp_path,
        "provision",
        "link",
        "element",
        "--account-provider",
        "example.org",
        "--qr",
        str(qr),
    )
    assert result.returncode == 0, result.stderr
    assert qr.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_unwritable_qr_file_is_an_error(tmp_path: Path) -> None:
    qr = tmp_path / "missing-dir" / "q.svg"
    result = magiclink(ENV, tmp_path, "provision", "link", "study", "--study", "s", "--qr", str(qr))
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert result.stdout == ""
