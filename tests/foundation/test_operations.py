"""The data manager's commands: audit verify, key rotation and destruction, backup and restore."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from portal import create_app, registry
from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Family, Response
from tests.conftest import Clock
from tests.support.builders import enrol_family
from tests.support.tamper import tampering

pytestmark = pytest.mark.databases

NEW_KEY = base64.b64encode(b"N" * 32).decode()


def families(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Family.pseudonym)))


def contact_of(app: Flask, pseudonym: str) -> object:
    with app.app_context():
        from portal.contacts import contact_book

        return contact_book().get(pseudonym)


def test_audit_verify_passes_then_names_the_edited_entry(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    enrol_family(app, now=clock.now)
    enrol_family(app, now=clock.now)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Audit trail intact" in ok.output
    with tampering(app) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="someone else"))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "broken at entry 1" in broken.output


def test_rotation_reseals_every_contact_and_old_key_can_go(
    app: Flask, environ: dict[str, str], tmp_path: Path, clock: Clock
) -> None:
    enrolled = enrol_family(app, now=clock.now)
    before = contact_of(app, enrolled.respondents[0])
    rotated_env = {**environ, "PORTAL_KEYSTORE_KEY": NEW_KEY,
                   "PORTAL_KEYSTORE_OLD_KEYS": environ["PORTAL_KEYSTORE_KEY"]}
    rotating = create_app({"environ": rotated_env, "instance_path": tmp_path / "r"})
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "Re-sealed 1 contacts" in result.output
    status = rotating.test_cli_runner().invoke(args=["keys", "status"]).output
    assert "(current)" in status and status.count("values") == 1  # nothing left under the old key
    only_new = create_app({"environ": {**environ, "PORTAL_KEYSTORE_KEY": NEW_KEY},
                           "instance_path": tmp_path / "n"})
    assert contact_of(only_new, enrolled.respondents[0]) == before
    for built in (rotating, only_new):
        built.extensions["portal.db"].dispose()


def test_destroying_the_keystore_keeps_the_answers(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    enrolled = enrol_family(app, now=clock.now)
    refused = runner.invoke(args=["keys", "destroy"])
    assert refused.exit_code != 0 and "--confirm" in refused.output
    assert contact_of(app, enrolled.respondents[0]) is not None
    done = runner.invoke(args=["keys", "destroy", "--confirm"])
    assert done.exit_code == 0 and "Deleted 1 contacts" in done.output
    assert contact_of(app, enrolled.respondents[0]) is None
    assert enrolled.family in families(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0  # untouched, not erased


def test_backup_and_restore_round_trip_each_store_apart(
    app: Flask, runner: FlaskCliRunner, clock: Clock, tmp_path: Path
) -> None:
    kept = enrol_family(app, now=clock.now)
    main_file, keystore_file = tmp_path / "main.backup", tmp_path / "keystore.backup"
    assert runner.invoke(args=["backup", "--out", str(main_file)]).exit_code == 0
    assert runner.invoke(args=["backup", "--store", "keystore", "--out", str(keystore_file)]).exit_code == 0
    assert b"Testesen" not in main_file.read_bytes()  # the main backup holds no contact store
    later = enrol_family(app, now=clock.now)
    assert families(app) == {kept.family, later.family}

    refused = runner.invoke(args=["restore", "--from", str(main_file)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    restored = runner.invoke(args=["restore", "--from", str(main_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert families(app) == {kept.family}
    result = runner.invoke(args=["restore", "--store", "keystore", "--from", str(keystore_file), "--yes"])
    assert result.exit_code == 0, result.output
    assert contact_of(app, kept.respondents[0]) is not None
    assert contact_of(app, later.respondents[0]) is None


def test_a_backup_never_overwrites_and_garbage_is_refused(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    existing = tmp_path / "there.backup"
    existing.write_text("precious")
    result = runner.invoke(args=["backup", "--out", str(existing)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert existing.read_text() == "precious"
    garbage = runner.invoke(args=["restore", "--from", str(existing), "--yes"])
    assert garbage.exit_code != 0 and "Traceback" not in garbage.output


def _staff_with_authenticator(app: Flask, email: str, secret: str) -> None:
    from portal.staff import accounts, sealing

    with app.app_context():
        user = accounts.create(db.session, email=email, role="admin", sites=[], blinded=True,
                               password="a long enough password", actor="test", now=registry.now())
        user.totp_secret = sealing.seal(user.id, secret)
        db.session.commit()


def test_a_backup_is_owner_only_encrypted_and_its_manifest_holds_the_audit_head(
    app: Flask, runner: FlaskCliRunner, clock: Clock, tmp_path: Path
) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DP"
    _staff_with_authenticator(app, "dm@staff.example", secret)
    enrol_family(app, now=clock.now)
    main_file, keystore_file = tmp_path / "main.backup", tmp_path / "keystore.backup"
    assert runner.invoke(args=["backup", "--out", str(main_file)]).exit_code == 0
    assert runner.invoke(args=["backup", "--store", "keystore", "--out", str(keystore_file)]).exit_code == 0
    for written in (main_file, keystore_file, tmp_path / "main.backup.manifest.json"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600, written
    for readable in (b"dm@staff.example", secret.encode(), b"Testesen", b"kari@test.example", b"SQLite",
                     b"PGDMP", b"staff_user"):
        assert readable not in main_file.read_bytes() + keystore_file.read_bytes()
    manifest = json.loads((tmp_path / "main.backup.manifest.json").read_text())
    head = runner.invoke(args=["audit", "head"]).output.strip()
    assert f"{manifest['audit_head']['entry']}:{manifest['audit_head']['hash']}" == head
    noted = tmp_path / "main.backup.manifest.json"
    assert runner.invoke(args=["audit", "verify", f"--anchor={noted}"]).exit_code == 0


def test_restore_refuses_a_file_it_cannot_authenticate_and_changes_nothing(
    app: Flask, environ: dict[str, str], runner: FlaskCliRunner, clock: Clock, tmp_path: Path
) -> None:
    kept = enrol_family(app, now=clock.now)
    good = tmp_path / "main.backup"
    assert runner.invoke(args=["backup", "--out", str(good)]).exit_code == 0
    later = enrol_family(app, now=clock.now)
    data = good.read_bytes()
    changed, cut = tmp_path / "changed.backup", tmp_path / "cut.backup"
    changed.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    cut.write_bytes(data[: len(data) // 2])
    for bad in (changed, cut):
        result = runner.invoke(args=["restore", "--from", str(bad), "--yes"])
        assert result.exit_code == 1 and "does not open" in result.output
        assert "nothing changed" in result.output
    other_key = create_app({"environ": {**environ, "PORTAL_BACKUP_KEY": NEW_KEY},
                            "instance_path": tmp_path / "o"})
    result = other_key.test_cli_runner().invoke(args=["restore", "--from", str(good), "--yes"])
    other_key.extensions["portal.db"].dispose()
    assert result.exit_code == 1 and "another PORTAL_BACKUP_KEY" in result.output
    wrong_store = runner.invoke(args=["restore", "--store", "keystore", "--from", str(good), "--yes"])
    assert wrong_store.exit_code == 1 and "not a backup of the keystore store" in wrong_store.output
    assert families(app) == {kept.family, later.family}


def test_a_restore_says_in_the_trail_what_it_rolled_back_and_the_trail_still_verifies(
    app: Flask, runner: FlaskCliRunner, clock: Clock, tmp_path: Path
) -> None:
    enrol_family(app, now=clock.now)
    backup_file = tmp_path / "main.backup"
    assert runner.invoke(args=["backup", "--out", str(backup_file)]).exit_code == 0
    enrol_family(app, now=clock.now)
    enrol_family(app, now=clock.now)
    head = runner.invoke(args=["audit", "head"]).output.strip()
    assert head.startswith("3:")
    restored = runner.invoke(args=["restore", "--from", str(backup_file), "--yes"])
    assert restored.exit_code == 0 and "Audit entries 2-3 were rolled back" in restored.output
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert entry is not None and (entry.seq, entry.action) == (2, "restore")
        assert entry.details["rolled_back"] == {"first": 2, "last": 3, "head": head.split(":")[1]}
    verified = runner.invoke(args=["audit", "verify", f"--anchor={head}"])
    assert verified.exit_code == 0, verified.output


def test_a_new_sqlite_database_file_is_owner_only(environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "portal.sqlite3"
    path.parent.mkdir()
    built = create_app({"environ": {**environ, "PORTAL_DATABASE_URL": f"sqlite:///{path}"},
                        "instance_path": tmp_path / "i"})
    built.test_cli_runner().invoke(args=["db", "upgrade"])
    built.extensions["portal.db"].dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
