"""A request that only reads (every GET of a parent's page) cannot write, on either store."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.db import ReadOnly, db
from portal.families.models import Invitation
from portal.staff.models import StaffUser
from tests.conftest import Clock
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def _staff(clock: Clock) -> StaffUser:
    return StaffUser(email="ra@test.example", password_hash="x", role="coordinator", sites=["larvik"],
                     blinded=True, created_at=clock.now)


def test_a_read_only_request_reads_but_refuses_every_write_and_leaves_nothing(
    app: Flask, clock: Clock
) -> None:
    enrol_family(app, now=clock.now)
    with app.test_request_context("/"):
        db.read_only()
        assert db.session.scalar(select(func.count()).select_from(Invitation)) > 0
        db.session.add(_staff(clock))
        with pytest.raises(ReadOnly):
            db.session.commit()
    with app.test_request_context("/"):
        db.read_only()
        with pytest.raises(ReadOnly):
            db.session.execute(update(Invitation).values(token_generation=7))
    with app.test_request_context("/"):
        db.read_only()
        with pytest.raises(ReadOnly):
            db.session.connection().execute(update(Invitation).values(token_generation=7))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0
        assert set(db.session.scalars(select(Invitation.token_generation))) == {0}


def test_an_ordinary_request_still_writes(app: Flask, clock: Clock) -> None:
    with app.test_request_context("/"):
        db.session.add(_staff(clock))
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1
