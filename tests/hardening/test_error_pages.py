"""Error pages: a 404, 405, 400 (CSRF) and 500 each get a plain page, never exception text.

The parent's side stays neutral and in the parent's language; the workspace's side speaks the staff
member's language (before sign-in the browser's Norwegian or English, else the study's: Norwegian).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from portal.db import db
from tests.hardening.conftest import World, no_leak, table_counts

SECRET = "FP-SECR-ET00 kari@hidden.example"  # what a careless exception message might carry


@pytest.fixture
def crashing_app(app: Flask) -> Iterator[Flask]:
    """The test app with routes that fail on purpose: never in product code."""

    def crash() -> str:
        raise RuntimeError(f"boom for {SECRET}")

    def broken_query() -> str:
        db.session.execute(text("INSERT INTO staff_note DEFAULT VALUES"))  # NOT NULL: an IntegrityError
        return "unreachable"

    for prefix in ("", "/staff", "/analysis"):
        app.add_url_rule(f"{prefix}/test-crash", f"test_crash{prefix.replace('/', '_')}", crash)
    app.add_url_rule("/test-broken-query", "test_broken_query", broken_query)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave like production: the error page, not the exception
    yield app


def _plain(body: str) -> None:
    no_leak(body)
    assert SECRET not in body and "boom" not in body and "staff_note" not in body


@pytest.mark.parametrize("language,expected", [("ar", 'lang="ar" dir="rtl"'), ("nb", 'lang="nb"'),
                                               ("en", 'lang="en"')])
def test_a_parent_crash_gets_a_neutral_page_in_their_language(
    crashing_app: Flask, language: str, expected: str
) -> None:
    response = crashing_app.test_client().get("/test-crash", headers={"Accept-Language": language})
    assert response.status_code == 500
    assert expected in response.text
    _plain(response.text)
    assert "<h1>" in response.text and "staff" not in response.text.lower()


def test_a_database_error_gets_the_page_and_the_next_request_works(crashing_app: Flask) -> None:
    client = crashing_app.test_client()
    response = client.get("/test-broken-query")
    assert response.status_code == 500
    _plain(response.text)
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/staff/test-crash", "/analysis/test-crash"])
def test_a_workspace_crash_gets_a_plain_page_in_the_readers_language(crashing_app: Flask, path: str) -> None:
    client = crashing_app.test_client()
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 500 and '<html lang="en"' in response.text
    assert "Something went wrong" in response.text and "Nothing was saved" in response.text
    _plain(response.text)
    norwegian = client.get(path)  # no language asked for: the study's
    assert norwegian.status_code == 500 and '<html lang="nb"' in norwegian.text
    assert "Noe gikk galt" in norwegian.text and "Ingenting ble lagret" in norwegian.text
    _plain(norwegian.text)


def test_unknown_addresses_look_like_unknown_links(client: FlaskClient) -> None:
    unknown = client.get("/no/such/page", headers={"Accept-Language": "pl"})
    link = client.get("/s/" + "a" * 26, headers={"Accept-Language": "pl"})
    assert unknown.status_code == link.status_code == 404
    assert 'lang="pl"' in unknown.text
    heading = link.text[link.text.index("<h1>"): link.text.index("</h1>")]
    assert heading in unknown.text
    _plain(unknown.text)


def test_a_wrong_method_gets_the_same_neutral_page(client: FlaskClient) -> None:
    response = client.get("/q/submit")
    assert response.status_code == 405
    assert "Allow" in response.headers
    _plain(response.text)
    assert "<h1>" in response.text


def test_workspace_404_and_405_are_plain_pages(client: FlaskClient) -> None:
    missing = client.get("/staff/no-such-page", headers={"Accept-Language": "en"})
    wrong = client.get("/staff/logout")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert wrong.status_code == 405 and "Fant ikke siden" in wrong.text
    for response in (missing, wrong):
        _plain(response.text)


def test_a_staff_form_without_its_csrf_token_is_refused_and_says_why(app: Flask, world: World) -> None:
    before = table_counts(app)
    response = world.coordinator.client.post(f"/staff/families/{world.family.family}/notes",
                                             data={"text": "a note"})
    assert response.status_code == 400
    assert "The page was open too long" in response.text
    _plain(response.text)
    assert table_counts(app) == before


def test_a_parent_form_without_its_csrf_token_gets_the_open_again_page(app: Flask, world: World) -> None:
    client = app.test_client()
    before = table_counts(app)
    response = client.post(f"/s/{world.token}", data={}, headers={"Accept-Language": "uk"})
    assert response.status_code == 400
    assert 'lang="uk"' in response.text and f'href="/s/{world.token}"' in response.text
    _plain(response.text)
    assert table_counts(app) == before


def test_the_sms_gateway_endpoint_answers_errors_in_json(client: FlaskClient) -> None:
    response = client.get("/messaging/receipts/sms")
    assert response.status_code == 405
    assert response.is_json and response.json == {"error": "Method Not Allowed"}
