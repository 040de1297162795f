"""A translation pack installed while the portal runs reaches parents after gunicorn's HUP, which
`systemctl reload family-portal` sends (the unit's ExecReload), and not before: what
`instruments translation-import` and `instruments check` tell the data manager.

The pack is test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Response
from portal.measures.pack_files import read_pack
from tests.faults.served import Gunicorn
from tests.faults.walker import Parent
from tests.support.builders import enrol_family
from tests.support.packs import install_test_pack, marked_text

WAIT_FOR_NEW_WORKERS = 60  # seconds: the new workers build the app before they answer


def _polish_parent(app: Flask) -> str:
    """A parent enrolled now (gunicorn runs on the real clock) who reads Polish."""
    person = ("mother", "pl", "Test Parent", None, "test.parent@test.example")
    family = enrol_family(app, now=dt.datetime.now(dt.UTC), people=[person])
    return family.tokens[f"{family.respondents[0]}/T0"]


def _shown_until(parent: Parent, text: str) -> bool:
    """Whether page 1 comes to show `text` while the workers are replaced (polling real HTTP)."""
    deadline = time.monotonic() + WAIT_FOR_NEW_WORKERS
    while time.monotonic() < deadline:
        if text in parent.request("GET", "/q/1").body:
            return True
        time.sleep(0.2)
    return False


def test_a_pack_installed_while_the_portal_runs_is_offered_after_a_hup(
        app: Flask, served: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "private-instruments"
    folder.mkdir()
    token = _polish_parent(app)
    with Gunicorn({**served, "PORTAL_INSTRUMENTS_PATH": str(folder)}) as server:
        parent = Parent(server.url, token)
        assert parent.start() == "/q/1"
        assert "WHO-Five" in parent.request("GET", "/q/1").body  # no Polish text yet: English, with a notice
        install_test_pack(folder, "who5", "pl")
        for _ in range(4):  # every worker, whichever answers: still the text read when it started
            assert marked_text("item.who5_1") not in parent.request("GET", "/q/1", close=True).body
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGHUP)
        assert _shown_until(parent, marked_text("item.who5_1")), server.logged()
        parent.answer_page("/q/1")
        parent.close()
    with app.app_context():
        draft = db.session.scalars(select(Response).filter_by(instrument_id="who5")).one()
        assert (draft.language, draft.pack_version, draft.pack_hash, draft.pack_mixed) == (
            "pl", "1", read_pack(folder / "who5.pl.yaml").hash, False)
