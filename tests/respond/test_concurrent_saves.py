"""Parents saving pages at the same moment, each on their own phone: no save is refused or lost.

This runs the app's own threads against one database, as gunicorn's threaded workers do.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Response
from tests.conftest import Clock
from tests.respond.conftest import Parent
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

PARENTS, SAVES = 6, 8


def test_parents_saving_at_once_each_keep_their_last_answers(app: Flask, clock: Clock) -> None:
    parents = []
    for number in range(PARENTS):
        family = enrol_family(app, now=clock.now, people=[
            ("mother", "nb", f"Parent {number}", f"+479111110{number}", None)])
        parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
        parent.start()
        parents.append(parent)
    statuses: list[int] = []

    def answer(parent: Parent) -> None:
        for save in range(SAVES):
            reply = parent.answer(1, {f"who5_{item}": str(save % 6) for item in range(1, 6)})
            statuses.append(reply.status_code)

    threads = [threading.Thread(target=answer, args=(parent,)) for parent in parents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * PARENTS * SAVES
    with app.app_context():
        saved = db.session.scalars(select(Response).filter_by(instrument_id="who5")).all()
    last = (SAVES - 1) % 6
    assert [r.answers for r in saved] == [{f"who5_{item}": last for item in range(1, 6)}] * PARENTS
