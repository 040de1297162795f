"""The parent's language: stored first, then their switch, then the browser's, then Bokmål."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import db
from portal.families.models import Respondent
from portal.i18n import LANGUAGES
from tests.conftest import Clock, csrf_from
from tests.respond.conftest import Parent
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def _lang_dir(html: str) -> str:
    return html[html.index("<html"): html.index(">", html.index("<html")) + 1]


@pytest.mark.parametrize(("header", "expected"), [
    ("no", "nb"), ("nn-NO,nn;q=0.9", "nn"), ("ar", "ar"), ("de-DE,pl;q=0.5", "pl"), ("de", "nb"), ("", "nb"),
])
def test_a_page_without_an_invitation_follows_the_browser(client: FlaskClient, header: str,
                                                          expected: str) -> None:
    html = client.get("/s", headers={"Accept-Language": header} if header else {}).text
    direction = "rtl" if expected == "ar" else "ltr"
    assert _lang_dir(html) == f'<html lang="{expected}" dir="{direction}">'


def test_the_stored_language_beats_the_browser(app: Flask, clock: Clock) -> None:
    family = enrol_family(app, now=clock.now, people=[("father", "ar", "Omar Test", "+4791111112", None)])
    parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
    page = parent.client.get(f"/s/{parent.token}", headers={"Accept-Language": "en"})
    assert _lang_dir(page.text) == '<html lang="ar" dir="rtl">'
    assert "مرحبًا" in page.text


def test_the_switch_is_a_post_that_stores_the_choice(app: Flask, parent: Parent) -> None:
    page = parent.open()
    assert all(f'lang="{code}"' in page.text and name in page.text for code, name in LANGUAGES.items())
    switched = parent.client.post("/language", data={
        "csrf_token": csrf_from(page.text), "lang": "uk", "next": f"/s/{parent.token}"})
    assert switched.status_code == 303 and switched.location == f"/s/{parent.token}"
    with app.app_context():
        assert db.session.scalars(select(Respondent.language)).one() == "uk"
    parent.start()
    assert "Сторінка" in parent.client.get("/q/1").text
    assert parent.client.get("/language").status_code == 405


def test_the_switch_never_sends_a_parent_to_another_site(parent: Parent) -> None:
    page = parent.open()
    away = parent.client.post("/language", data={
        "csrf_token": csrf_from(page.text), "lang": "en", "next": "//evil.example/x"})
    assert away.location == "/s"


def test_items_only_in_published_languages_and_the_parent_is_told(parent: Parent) -> None:
    parent.start()
    html = parent.client.get("/q/1").text
    assert '<h1 lang="en" dir="ltr">WHO-Five' in html
    assert "finnes ikke i en publisert versjon på ditt språk" in html
    assert "Mest av tiden" not in html  # never our own translation of an item


def test_every_language_has_its_own_catalogue_in_use(app: Flask, client: FlaskClient) -> None:
    seen = {client.get("/s/unknown", headers={"Accept-Language": code}).text.split("<h1>")[1][:30]
            for code in LANGUAGES}
    assert len(seen) == len(LANGUAGES)
