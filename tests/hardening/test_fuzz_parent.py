"""Fuzzing the parent's pages: whatever a phone (or an attacker) posts, the answer is a page, never a crash.

Properties on every answer: no 500 (the test app propagates exceptions, so a crash fails the test),
no exception text in the body, and a refused request leaves every table of both stores as it was.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import select

from portal import registry
from portal.db import db
from portal.families.models import Invitation, Respondent
from portal.respond.paging import plan
from tests.conftest import csrf_from
from tests.hardening.conftest import FIELDS, FUZZ, LEAKS, NASTY, World, check, form, form_pairs, table_counts

pytestmark = pytest.mark.databases


def _csrf(client: FlaskClient, path: str) -> str:
    return csrf_from(client.get(path).text)


def _started(app: Flask, world: World) -> FlaskClient:
    client = app.test_client()
    client.post(f"/s/{world.token}", data=form(_csrf(client, f"/s/{world.token}")))
    return client


def _baseline_pages(app: Flask, world: World) -> tuple[int, list[str]]:
    """How many pages the baseline wave has, and every item id on them."""
    with app.app_context():
        invitation = db.session.scalars(
            select(Invitation).join(Respondent).where(Respondent.pseudonym == world.family.respondents[0],
                                                      Invitation.wave == "T0")
        ).one()
        instruments = [registry.catalogue()[i] for i in invitation.instruments]
        return len(plan(instruments)), sorted({item.id for ins in instruments for item in ins.items})


@FUZZ
@given(data=st.data())
def test_page_answers_never_crash_and_bad_ones_save_nothing(
    app: Flask, world: World, data: st.DataObject
) -> None:
    client = _started(app, world)
    pages, item_ids = _baseline_pages(app, world)
    number = data.draw(st.integers(min_value=-2, max_value=pages + 2))
    pairs = data.draw(form_pairs(st.one_of(st.sampled_from([*item_ids, "go", "text"]), FIELDS)))
    before = table_counts(app)
    response = client.post(f"/q/{number}", data=form(_csrf(client, "/q/1"), *pairs))
    check(response, before, app, wrote_ok=response.status_code in (302, 303))


@FUZZ
@given(pairs=form_pairs(FIELDS), code=NASTY)
def test_access_code_form_answers_with_a_page(
    app: Flask, world: World, pairs: list[tuple[str, str]], code: str
) -> None:
    client = app.test_client()
    before = table_counts(app)
    response = client.post("/s", data=form(_csrf(client, "/s"), ("code", code), *pairs),
                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code in (200, 302, 400, 429)
    counted = 1 if response.status_code == 200 else 0  # a wrong code is the one refusal that is counted
    check(response, {**before, "code_attempt": before["code_attempt"] + counted}, app,
          wrote_ok=response.status_code == 302)


def _has_nul(pairs: list[tuple[str, str]]) -> bool:
    return any("\x00" in key + value for key, value in pairs)


@FUZZ
@given(pairs=form_pairs(st.sampled_from(["lang", "next", "x"])))
def test_language_switch_takes_anything_and_stays_on_this_site(
    app: Flask, world: World, pairs: list[tuple[str, str]]
) -> None:
    client = _started(app, world)
    before = table_counts(app)
    response = client.post("/language", data=form(_csrf(client, "/q/1"), *pairs))
    assert response.status_code == (400 if _has_nul(pairs) else 303)
    if response.status_code == 400:
        return check(response, before, app, wrote_ok=False)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    check(response, before, app, wrote_ok=True)


@FUZZ
@given(pairs=form_pairs(FIELDS))
def test_start_and_submit_ignore_extra_fields(app: Flask, world: World, pairs: list[tuple[str, str]]) -> None:
    client = app.test_client()
    response = client.post(f"/s/{world.token}", data=form(_csrf(client, f"/s/{world.token}"), *pairs))
    if _has_nul(pairs):  # no person types a NUL byte: the request is refused before anything happens
        assert response.status_code == 400
        return
    assert response.status_code == 302
    before = table_counts(app)
    response = client.post("/q/submit", data=form(_csrf(client, "/q/1"), *pairs))
    # nothing is answered yet, so a required instrument sends the parent back to the review page
    assert response.status_code in (302, 303)
    check(response, before, app, wrote_ok=True)


SEGMENT = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=40).map(lambda b: "".join(f"%{x:02X}" for x in b)),
    st.sampled_from(["%00", "%ZZ", "%", "%C0%AF", "..%2F..%2F", "a" * 26, "A" * 26, "%E2%80%AE", "x" * 5000]),
)


@FUZZ
@given(segment=SEGMENT)
def test_any_link_gives_the_neutral_page(app: Flask, world: World, segment: str) -> None:
    # The page links back to its own path (the language switch): a path that spells a leak's word
    # ("sqlalchemy", drawn by Hypothesis from the code's own constants) cannot be told from a leak.
    assume(LEAKS.search(segment) is None)
    client = app.test_client()
    before = table_counts(app)
    response = client.get("/s/" + segment.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"))
    assert response.status_code in (404, 405, 308), response.status
    check(response, before, app, wrote_ok=False)
    if response.status_code == 404:
        assert 'action="/s/' not in response.text  # the neutral page, never a start form


@FUZZ
@given(pairs=form_pairs(FIELDS))
def test_posts_without_csrf_are_refused_and_change_nothing(
    app: Flask, world: World, pairs: list[tuple[str, str]]
) -> None:
    client = _started(app, world)
    before = table_counts(app)
    for path in (f"/s/{world.token}", "/s", "/q/1", "/q/submit", "/language"):
        response = client.post(path, data=form(None, *[p for p in pairs if p[0] != "csrf_token"]))
        assert response.status_code == 400, (path, response.status)
        check(response, before, app, wrote_ok=False)
