"""A bad setting stops the start with one clear line, never a traceback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from portal.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
STRONG = base64.b64encode(os.urandom(32)).decode()
PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": STRONG, "PORTAL_LINK_KEY": STRONG,
    "PORTAL_KEYSTORE_KEY": STRONG, "PORTAL_BLIND_INDEX_KEY": STRONG,
    "PORTAL_AUDIT_KEY": STRONG, "PORTAL_BACKUP_KEY": STRONG,
}


def run_flask(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update({
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PYTHONPATH": str(ROOT), **env,
    })
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_production_without_a_secret_names_the_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "PORTAL_LINK_KEY"}
    assert_one_line(run_flask(tmp_path, env, "db", "upgrade"), "PORTAL_LINK_KEY is not set")


def test_production_with_a_weak_secret_names_the_variable(tmp_path: Path) -> None:
    env = {**PRODUCTION, "PORTAL_KEYSTORE_KEY": base64.b64encode(b"a" * 32).decode()}
    assert_one_line(run_flask(tmp_path, env, "db", "upgrade"), "PORTAL_KEYSTORE_KEY is too weak")


def test_a_database_url_of_the_wrong_kind_is_one_line(tmp_path: Path) -> None:
    result = run_flask(tmp_path, {"PORTAL_DATABASE_URL": "mysql+nothing://x/y"}, "db", "upgrade")
    assert_one_line(result, "PORTAL_DATABASE_URL is not a database URL")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_in_one_line(tmp_path: Path, url: str) -> None:
    assert_one_line(run_flask(tmp_path, {"PORTAL_DATABASE_URL": url}, "db", "upgrade"),
                    "PORTAL_DATABASE_URL must name a SQLite file")


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@/nowhere?host={tmp_path}"
    assert_one_line(run_flask(tmp_path, {"PORTAL_DATABASE_URL": url}, "db", "upgrade"),
                    "cannot reach the main database")


def test_a_malformed_study_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    study = (ROOT / "studies" / "family-partner.yaml").read_text()
    broken = tmp_path / "study.yaml"
    broken.write_text(study.replace("timezone: Europe/Oslo", "timezone: Europe/Atlantis"))
    result = run_flask(tmp_path, {"PORTAL_STUDY_FILE": str(broken)}, "db", "upgrade")
    assert_one_line(result, str(broken), "study.timezone", "Europe/Atlantis")


def test_a_study_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "study.yaml"
    broken.write_text("study:\n  id: [unclosed\n")
    result = run_flask(tmp_path, {"PORTAL_STUDY_FILE": str(broken)}, "db", "upgrade")
    assert_one_line(result, str(broken), "not valid YAML")


def test_development_secrets_are_made_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"PORTAL_ENV": "development"}, tmp_path)
    second = load_settings({"PORTAL_ENV": "development"}, tmp_path)
    assert first.link_key == second.link_key and len(first.link_key) == 32
    assert len({first.secret_key, first.link_key, first.keystore_key, first.blind_index_key}) == 4
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_workers_starting_together_share_one_set_of_development_secrets(tmp_path: Path) -> None:
    """gunicorn boots its workers at once, and each loads the settings: none may read the secrets file
    half-written (a CI run saw a worker fail to boot on an empty secrets.json)."""
    for round_ in range(40):
        instance = tmp_path / str(round_)
        start = threading.Barrier(8)

        def boot(instance: Path = instance, start: threading.Barrier = start) -> bytes:
            start.wait()
            return load_settings({"PORTAL_ENV": "development"}, instance).link_key

        with ThreadPoolExecutor(8) as pool:
            keys = list(pool.map(lambda _: boot(), range(8)))
        assert len(set(keys)) == 1


def test_settings_never_print_a_secret() -> None:
    old = base64.b64encode(os.urandom(32)).decode()
    settings = load_settings({**PRODUCTION, "PORTAL_KEYSTORE_OLD_KEYS": old}, Path("/nonexistent"))
    for key in (STRONG, old):
        assert key not in repr(settings) and repr(base64.b64decode(key)) not in repr(settings)
    assert "keystore_old_keys" not in repr(settings)


@pytest.mark.parametrize("variable", ["PORTAL_AUDIT_KEY", "PORTAL_BACKUP_KEY"])
def test_production_needs_the_audit_and_backup_keys(variable: str) -> None:
    without = {name: value for name, value in PRODUCTION.items() if name != variable}
    with pytest.raises(ConfigError, match=variable):
        load_settings(without, Path("/nonexistent"))


def test_development_secrets_made_before_a_newer_secret_get_it_added(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps(
        {name: base64.b64encode(bytes([n]) * 32).decode() for n, name in enumerate(
            ("secret_key", "link_key", "keystore_key", "blind_index_key"), start=1)}))
    first = load_settings({"PORTAL_ENV": "development"}, tmp_path)
    again = load_settings({"PORTAL_ENV": "development"}, tmp_path)
    assert first.link_key == bytes([2]) * 32 and len(first.audit_key) == 32
    assert (again.audit_key, again.backup_key) == (first.audit_key, first.backup_key)


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        load_settings({"PORTAL_ENV": "staging"}, Path("/nonexistent"))
