"""The data manager's commands: audit verify, key rotation and destruction, backup and restore."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from portal import create_app
from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Family, Response
from tests.conftest import Clock
from tests.support.builders import enrol_family

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
    with app.app_context():
        first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        db.session.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(actor="someone else"))
        db.session.commit()
        broken_id = first.id
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"broken at entry {broken_id}" in broken.output


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
