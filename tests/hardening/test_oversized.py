"""Oversized input: bodies over MAX_CONTENT_LENGTH get 413 and a plain page, and nothing is written.

Very long addresses, tokens and headers get an ordinary answer, never a crash.
"""

from __future__ import annotations

import base64
import http.client

import pytest
from flask import Flask

from tests.conftest import csrf_from
from tests.hardening.conftest import World, no_leak, table_counts
from tests.support.live import serve

pytestmark = pytest.mark.databases
LIMIT = 256 * 1024
OVER = LIMIT + 1024


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """An SMS gateway with a receipt key, so the receipt endpoint is open (nothing is ever sent to it)."""
    return {**environ, "PORTAL_SMS_URL": "http://127.0.0.1:9/sms", "PORTAL_SMS_TOKEN": "t",
            "PORTAL_SMS_SENDER": "Studien", "PORTAL_SMS_RECEIPT_KEY": base64.b64encode(b"r" * 32).decode()}


def test_the_limit_is_what_the_portal_sets(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT


def test_an_oversized_answer_page_gets_413_in_the_parents_language(app: Flask, world: World) -> None:
    client = app.test_client()
    client.post(f"/s/{world.token}", data={"csrf_token": csrf_from(client.get(f"/s/{world.token}").text)})
    token = csrf_from(client.get("/q/1").text)
    before = table_counts(app)
    response = client.post("/q/1", data={"csrf_token": token, "who5_1": "3", "padding": "x" * OVER},
                           headers={"Accept-Language": "ar"})
    assert response.status_code == 413
    assert "<h1>" in response.text and 'lang="ar"' in response.text
    no_leak(response.text)
    assert table_counts(app) == before


@pytest.mark.parametrize("path", ["/s", "/language"])
def test_oversized_parent_forms_get_413(app: Flask, world: World, path: str) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/s").text)
    before = table_counts(app)
    response = client.post(path, data={"csrf_token": token, "code": "x" * OVER})
    assert response.status_code == 413
    no_leak(response.text)
    assert table_counts(app) == before


def test_an_oversized_staff_form_gets_413_and_no_note(app: Flask, world: World) -> None:
    page = f"/staff/families/{world.family.family}"
    token = csrf_from(world.coordinator.client.get(page).text)  # opening the page is itself audited
    before = table_counts(app)
    response = world.coordinator.client.post(f"{page}/notes", data={"csrf_token": token, "text": "y" * OVER})
    assert response.status_code == 413
    assert "Too much data" in response.text
    no_leak(response.text)
    assert table_counts(app) == before


def test_an_oversized_multipart_upload_gets_413(app: Flask, world: World) -> None:
    import io

    before = table_counts(app)
    response = world.coordinator.post("/staff/enrol", {"site": "larvik", "file": (io.BytesIO(b"z" * OVER),
                                                                                   "big.csv")},  # type: ignore
                                      form_at="/staff/enrol")
    assert response.status_code == 413
    assert table_counts(app) == before


def test_an_oversized_sms_receipt_gets_413_in_json(app: Flask, world: World) -> None:
    before = table_counts(app)
    response = app.test_client().post("/messaging/receipts/sms", data=b"{" + b" " * OVER + b"}",
                                      headers={"Content-Type": "application/json", "X-Signature": "sha256=0"})
    assert response.status_code == 413
    assert response.is_json and "error" in response.json
    assert table_counts(app) == before


def test_a_chunked_body_without_length_is_cut_at_the_limit(app: Flask, world: World) -> None:
    """No Content-Length to check up front (a real chunked upload): the limit holds while the body is read."""
    client = app.test_client()
    token = csrf_from(client.get("/s").text)
    cookie = client.get_cookie("session")
    assert cookie is not None
    before = table_counts(app)
    with serve(app) as base:
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        connection.putrequest("POST", "/s")
        for name, value in (("Content-Type", "application/x-www-form-urlencoded"),
                            ("Transfer-Encoding", "chunked"), ("Cookie", f"session={cookie.value}")):
            connection.putheader(name, value)
        connection.endheaders()
        for chunk in (f"csrf_token={token}&code=".encode(), *[b"x" * 65536] * 5):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
    assert response.status == 413
    no_leak(body)
    assert table_counts(app) == before


@pytest.mark.parametrize("length", [2_000, 20_000, 200_000])
def test_very_long_links_and_addresses_get_the_neutral_page(app: Flask, world: World, length: int) -> None:
    client = app.test_client()
    for path in ("/s/" + "a" * length, "/q/" + "9" * length, "/staff/families/" + "F" * length,
                 "/" + "z" * length, "/s?" + "q=" * length):
        response = client.get(path)
        assert response.status_code in (200, 302, 404), (path[:30], response.status)
        no_leak(response.text)


def test_a_huge_accept_language_header_is_read_safely(app: Flask, world: World) -> None:
    client = app.test_client()
    headers = {"Accept-Language": ",".join(f"x{i};q=0.{i % 9}" for i in range(20_000)) + ",ar;q=0.01"}
    for path in ("/s", f"/s/{world.token}", "/no-such-page", "/staff/login"):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 404)
        no_leak(response.text)
    weird = {"Accept-Language": "\u00e6\u00f8\u00e5;q=abc, ;;;, *;q=-1, nb;q=1e999"}
    assert client.get("/s", headers=weird).status_code == 200
