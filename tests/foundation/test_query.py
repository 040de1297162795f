"""The parent page's query on the driver's own cursor (portal.db.Query): the same rows, typed the
same, as SQLAlchemy's execute gives; its errors are SQLAlchemy's."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import bindparam, column, select, table
from sqlalchemy.exc import DBAPIError

from portal.db import Query, UTCDateTime, db
from portal.families.models import Invitation
from portal.respond import answers
from tests.conftest import Clock
from tests.respond.conftest import Parent
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def test_the_page_query_gives_what_execute_gives(app: Flask, clock: Clock) -> None:
    family = enrol_family(app, now=clock.now)
    parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
    parent.start()
    parent.answer(1, {"who5_1": "3", "who5_2": "0"})
    parent.answer(2, {})  # a second draft, with nothing in it
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id).filter_by(wave="T0")).one()
        connection = db.connection
        fast = answers._ANSWERING.all(connection, {"invitation_id": invitation_id})
        usual = [tuple(row) for row in connection.execute(answers._ANSWERING.statement,
                                                         {"invitation_id": invitation_id})]
    assert fast == usual and len(fast) == 2
    marks, saved = fast[0], fast[0][13]
    assert isinstance(marks[2], list)  # the wave's instruments, from JSON
    assert (saved["who5_1"], saved["who5_2"], saved["who5_3"]) == (3, 0, None)
    opens_at, started_at = marks[3], marks[5]
    assert opens_at.tzinfo == started_at.tzinfo == dt.UTC and started_at == clock.now
    assert marks[6] is None  # not completed


def test_a_database_error_is_raised_as_sqlalchemy_raises_it(app: Flask) -> None:
    missing = Query(select(column("x")).select_from(table("no_such_table")))
    with app.app_context(), pytest.raises(DBAPIError):  # SQLAlchemy's, which the 503 handler knows
        missing.all(db.connection, {})


def test_a_parameter_that_needs_converting_is_refused(app: Flask) -> None:
    since = Query(select(Invitation.id).where(Invitation.opens_at > bindparam("since", type_=UTCDateTime())))
    with app.app_context(), pytest.raises(ValueError, match="since"):
        since.all(db.connection, {"since": dt.datetime.now(dt.UTC)})
