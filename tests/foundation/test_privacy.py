"""The privacy boundary: what the main database holds, and who may import the keystore."""

from __future__ import annotations

import subprocess

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal.contacts import ContactDetails
from portal.contacts.models import Contact
from tests.conftest import Clock
from tests.support import postgres
from tests.support.builders import enrol_family
from tests.support.import_graph import cycles, import_graph, keystore_crossings, reach

pytestmark = pytest.mark.databases

PEOPLE = [
    ("mother", "nb", "Ingrid Fjellheim", "+4792345678", "ingrid.fjellheim@test.example"),
    ("father", "ar", "Yusuf Rahimi", "+4792345679", "yusuf.rahimi@test.example"),
]


@pytest.fixture
def environ(environ: dict[str, str], backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The keystore in a database of its own, as production runs it."""
    factory = request.getfixturevalue(f"{backend}_factory")
    return {**environ, "PORTAL_KEYSTORE_URL": factory.new("keystore")}


def _dump(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        text = "\n".join(connection.iterdump())
        connection.close()
        return text
    parsed = make_url(url)
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", str(postgres.BIN / "pg_dump"), "-h", str(parsed.query["host"]),
         "-U", "postgres", str(parsed.database)],
        check=True, capture_output=True, text=True,
    )
    return result.stdout


def test_main_database_dump_holds_no_identity_and_no_token(app: Flask, clock: Clock) -> None:
    enrolled = enrol_family(app, now=clock.now, people=PEOPLE)
    dump = _dump(app.config["SETTINGS"].database_url)
    assert enrolled.family in dump  # the dump is real: the pseudonym is there
    secrets = [part for person in PEOPLE for part in person[2:]]
    secrets += ["92345678", "fjellheim", "rahimi", "ingrid", "yusuf"]
    for secret in secrets:
        assert secret.lower() not in dump.lower()
    for token in enrolled.tokens.values():
        assert token not in dump


def test_keystore_holds_contacts_sealed_and_opens_them_again(app: Flask, clock: Clock) -> None:
    enrolled = enrol_family(app, now=clock.now, people=PEOPLE)
    keystore_dump = _dump(app.config["SETTINGS"].keystore_url)
    assert "Fjellheim" not in keystore_dump and "92345678" not in keystore_dump
    with app.app_context():
        from portal.contacts import contact_book

        book = contact_book()
        assert book.get(enrolled.respondents[0]) == ContactDetails(*PEOPLE[0][2:])
        assert book.find(phone="+4792345679") == [enrolled.respondents[1]]


def test_a_sealed_value_moved_to_another_row_does_not_open(app: Flask, clock: Clock) -> None:
    enrolled = enrol_family(app, now=clock.now, people=PEOPLE)
    with app.app_context():
        from portal.contacts import contact_book
        from portal.contacts.crypto import KeystoreError

        book = contact_book()
        first, second = (
            book.session.scalars(select(Contact).filter_by(respondent_pseudonym=p)).one()
            for p in enrolled.respondents
        )
        second.name_sealed = first.name_sealed
        with pytest.raises(KeystoreError, match="tampered or moved"):
            book.get(enrolled.respondents[1])


def test_contact_details_never_show_in_a_repr() -> None:
    assert "Fjellheim" not in repr(ContactDetails(*PEOPLE[0][2:]))


# The import graph ------------------------------------------------------------

SEALED_OFF = ("portal.respond", "portal.exports", "portal.families", "portal.measures", "portal.protocol")


@pytest.mark.parametrize("package", SEALED_OFF)
def test_only_staff_and_messaging_reach_the_keystore(package: str) -> None:
    assert keystore_crossings(package) == []


def test_the_import_walk_sees_the_doors_that_exist() -> None:
    assert "portal.contacts" in reach("portal.staff.enrolment")
    assert "portal.contacts" in reach("portal.messaging.dispatcher")
    assert "portal.contacts" not in reach("portal")  # the package root (and create_app's module) stays clean



def test_no_module_of_the_portal_imports_itself_through_others() -> None:
    assert cycles(import_graph("portal")) == []


def test_the_cycle_walk_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == ["a -> b -> a", "b -> a -> b"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
