"""The store side of a fault or load run: families enrolled for today, and what was stored."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Response
from tests.conftest import TEST_KEYS
from tests.support.builders import Enrolled, enrol_family


def served_environ(database_url: str, instance: Path) -> dict[str, str]:
    """What gunicorn's workers read: the test database, the test keys, an instance folder of their own."""
    instance.mkdir(parents=True, exist_ok=True)
    return {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(instance),
            **TEST_KEYS}


def enrol_today(app: Flask, count: int) -> list[str]:
    """`count` one-parent families enrolled now, so that their baseline link is open on the real clock."""
    now = dt.datetime.now(dt.UTC)
    tokens = []
    for number in range(count):
        person = ("mother", "nb", f"Parent {number}", None, f"parent{number}@test.example")
        enrolled: Enrolled = enrol_family(app, now=now, people=[person])
        tokens.append(enrolled.tokens[f"{enrolled.respondents[0]}/T0"])
    return tokens


def completions(app: Flask) -> Counter[tuple[int, str]]:
    """Completed responses per (invitation, instrument): exactly-once storage means every count is 1."""
    with app.app_context():
        rows = db.session.execute(
            select(Response.invitation_id, Response.instrument_id).where(Response.status == "completed")
        ).all()
    return Counter((invitation_id, instrument_id) for invitation_id, instrument_id in rows)


def stored_answers(app: Flask) -> dict[str, object]:
    """Every saved answer of every response, drafts included, keyed by item id."""
    with app.app_context():
        answers: dict[str, object] = {}
        for response in db.session.scalars(select(Response)):
            answers.update(response.answers)
        return answers


def invitations(app: Flask) -> list[Invitation]:
    with app.app_context():
        return list(db.session.scalars(select(Invitation).where(Invitation.wave == "T0")))
