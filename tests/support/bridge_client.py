"""A Bridge client nobody on this project wrote: OpenAPI Generator's ``python`` client,
generated from Bridge's own REST definition (``tests/contracts/bridge-rest-api.json.gz``).

It parses our answers the way Bridge's generated SDKs do, so a field of the wrong type or a
missing required one shows up as the error an app would hit.

Generating takes seconds (a JVM), so it happens once per definition and generator version:
the client is cached under ``.cache/bridge-client/<key>/`` at the repository root (gitignored).
It is generated into a temporary directory beside the cache entry and renamed into place in one
step, so two pytest processes never import a half-written client; the loser of a race throws
its copy away.

The generated package is imported at run time and handed out as ``Any``: it is not our code,
so neither mypy nor ruff look at it.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.metadata
import importlib.resources
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "tests" / "contracts" / "bridge-rest-api.json.gz"
CACHE = ROOT / ".cache" / "bridge-client"
PACKAGE = "bridge_client"
GENERATOR = "openapi-generator-cli"  # the PyPI package that carries the generator's jar
# Part of the cache key: different options make a different client.
OPTIONS = (
    "generate",
    "-g",
    "python",
    "--package-name",
    PACKAGE,
    # Bridge's definition has a few schema errors the generator's validator rejects although
    # the client it generates is fine (Bridge's own build skips validation the same way).
    "--skip-validate-spec",
    "--global-property",
    "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
    # Importing all of Bridge's 50-odd APIs eagerly takes seconds (pydantic builds a validator
    # per method); lazily, only the few the tests use are built.
    "--additional-properties",
    "lazyImports=true",
)

JAVA_HINT = (
    "java is not installed, and OpenAPI Generator (which generates the Bridge client of the "
    "end-to-end tests) runs on it. Install a Java runtime: 'sudo apt-get install "
    "default-jre-headless' (Debian/Ubuntu) or 'brew install openjdk' (macOS), or run '.ci/run', "
    "which installs it."
)
GENERATOR_HINT = (
    f"the Python package {GENERATOR!r} (OpenAPI Generator) is not installed. Install the test "
    "dependencies: make install."
)


def generator_version() -> str:
    try:
        return importlib.metadata.version(GENERATOR)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(GENERATOR_HINT, pytrace=False)


def cache_key(definition: bytes, version: str) -> str:
    """The cache entry of a client: what it was generated from, and how."""
    digest = hashlib.sha256(definition)
    digest.update(b"\0" + version.encode() + b"\0" + "\0".join(OPTIONS).encode())
    return digest.hexdigest()[:32]


def _generate(definition: bytes, into: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.fail(JAVA_HINT, pytrace=False)
    jar = importlib.resources.files("openapi_generator_cli") / "openapi-generator.jar"
    spec = into / "bridge-rest-api.json"
    spec.write_bytes(definition)
    done = subprocess.run(
        [java, "-jar", str(jar), *OPTIONS, "-i", str(spec), "-o", str(into / "client")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not (into / "client" / PACKAGE / "__init__.py").is_file():
        raise RuntimeError(
            f"OpenAPI Generator failed (exit status {done.returncode}):\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )


def client_directory() -> Path:
    """The directory that holds the generated ``bridge_client`` package, generated if needed."""
    definition = gzip.decompress(DEFINITION.read_bytes())
    entry = CACHE / cache_key(definition, generator_version())
    if entry.is_dir():
        return entry / "client"
    CACHE.mkdir(parents=True, exist_ok=True)
    # Same file system as the entry, so that the rename below is atomic.
    work = Path(tempfile.mkdtemp(prefix="generating-", dir=CACHE))
    try:
        _generate(definition, work)
        work.chmod(0o755)  # mkdtemp's 0700 would hide the cache from other users
        try:
            work.rename(entry)
        except OSError:
            # Another process renamed its complete copy into place first: use that one.
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gone already when our rename won
    return entry / "client"


@cache
def bridge_client() -> ModuleType:
    """The generated package (``bridge_client``), imported once per process, with its
    ``models`` (a lazily imported package only has the submodules something imported)."""
    directory = str(client_directory())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    importlib.import_module(f"{PACKAGE}.models")
    return importlib.import_module(PACKAGE)


def api_client(base_url: str) -> Any:
    """A ``bridge_client.ApiClient`` that talks to the service at ``base_url``."""
    client = bridge_client()
    configuration = client.Configuration(host=base_url)
    return client.ApiClient(configuration)
