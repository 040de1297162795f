"""Phone-first and light: the first page and its stylesheet, and nothing else, under 25 KB."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.respond.conftest import Parent

pytestmark = pytest.mark.databases

BUDGET = 25 * 1024


def test_first_page_with_everything_it_loads_is_well_under_budget(parent: Parent) -> None:
    page = parent.open()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert assets == ["/static/portal.css"]  # one small stylesheet, no script needed, no other origin
    bodies = [page.data]
    for path in assets:
        with parent.client.get(path) as asset:
            bodies.append(asset.data)
    raw = sum(len(body) for body in bodies)
    assert raw < BUDGET * 0.6, raw  # even uncompressed, with room for headers
    assert sum(len(gzip.compress(body)) for body in bodies) < BUDGET / 4


def test_a_question_page_stays_small_too(parent: Parent) -> None:
    parent.start()
    assert len(parent.client.get("/q/5").data) < BUDGET * 0.6


def test_an_expired_form_keeps_what_was_typed(parent: Parent) -> None:
    """A page left open past its form token shows the choices again instead of losing them."""
    parent.start()
    stale = parent.client.post("/q/1", data={"csrf_token": "expired", "who5_1": "4", "go": "next"})
    assert stale.status_code == 400
    assert 'name="who5_1" value="4" checked' in stale.text and 'role="alert"' in stale.text
