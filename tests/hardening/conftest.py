"""Hostile input: a seeded world (one family, signed-in staff) and the checks every answer must pass."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

import portal.models  # noqa: F401  (every table on the metadata)
from portal.db import Base, KeystoreBase
from tests.conftest import Clock
from tests.respond.conftest import compiled_catalogues  # noqa: F401  (translated pages, not English)
from tests.staff.conftest import Staff, StaffFactory
from tests.staff.conftest import app as app  # noqa: F401  (cheap argon2 for staff accounts)
from tests.staff.conftest import staff as staff  # noqa: F401
from tests.support.builders import Enrolled, enrol_family

# Each Hypothesis test gets a bounded number of examples so the hardening suite stays within minutes.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# What a stack trace, a SQL error or Python's own messages look like in a body or in command output.
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|sqlalchemy|psycopg|sqlite3\."
    r"|OperationalError|IntegrityError|UnicodeDecodeError|KeyError|TypeError|AttributeError"
    r"|werkzeug\.|jinja2\.",
)


def no_leak(text: str) -> None:
    found = LEAKS.search(text)
    assert found is None, f"exception text shown: {text[max(0, found.start() - 200): found.end() + 200]!r}"


def table_counts(app: Flask) -> dict[str, int]:
    """Rows in every table of both stores: the before/after picture of a refused request."""
    from portal.db import db

    with app.app_context():
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) or 0
                  for t in Base.metadata.sorted_tables}
        keystore = db.keystore_session()
        counts.update({f"keystore.{t.name}": keystore.scalar(select(func.count()).select_from(t)) or 0
                       for t in KeystoreBase.metadata.sorted_tables})
        return counts


@dataclass
class World:
    family: Enrolled
    token: str
    coordinator: Staff
    admin: Staff


@pytest.fixture
def world(app: Flask, clock: Clock, staff: StaffFactory) -> World:
    family = enrol_family(app, now=clock.now, site="larvik")
    token = next(t for key, t in family.tokens.items() if key.endswith("/T0"))
    return World(family, token, staff("coordinator"), staff("admin"))


class Huge(str):
    """A long value that prints short, so a failing example stays readable (8 of them stay under 256 KiB)."""

    def __new__(cls, length: int) -> Huge:
        return super().__new__(cls, "x" * length)

    def __repr__(self) -> str:
        return f"'x' * {len(self)}"


# What a hostile or broken client sends: NUL bytes, bidi marks, SQL and template syntax, odd numbers, bulk.
ODD = [
    "\x00", "a\x00b", "' OR '1'='1", "1; DROP TABLE response;--", "<script>alert(1)</script>", "\u202e\ufeff",
    "-1", "-0", "1.5", "1e308", "NaN", "inf", "\u0663", "99999999999999999999", "%00", "../../etc/passwd",
    "{{7*7}}", "${7*7}", "\ud7ff", "=cmd|' /C calc'!A0", "2026-02-30", "0000-00-00", " ",
]
NASTY = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(ODD),
    st.integers(min_value=5_000, max_value=30_000).map(Huge),
    st.integers().map(str), st.floats(allow_nan=True).map(str),
)
FIELDS = st.text(min_size=1, max_size=20)


def form_pairs(keys: st.SearchStrategy[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A form as no browser sends it: repeated keys (arrays), random keys, hostile values."""
    return st.lists(st.tuples(keys, NASTY), max_size=8)


def form(csrf: str | None, *pairs: tuple[str, str]) -> MultiDict[str, str]:
    return MultiDict([*([("csrf_token", csrf)] if csrf else []), *pairs])


def check(response: TestResponse, before: dict[str, int], app: Flask, *, wrote_ok: bool) -> None:
    """No crash, no exception text, and a refused request leaves both stores as they were."""
    assert response.status_code < 500, response.status
    no_leak(response.get_data(as_text=True))
    if not wrote_ok or response.status_code >= 400:
        assert table_counts(app) == before, f"a refused request ({response.status}) changed the data"
