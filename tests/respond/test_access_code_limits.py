"""Access-code limits that no one elsewhere can use to lock a parent out (issue 22, item 5).

Behind one trusted proxy (PORTAL_TRUSTED_PROXIES=1), as behind a load balancer: each phone's
address comes from X-Forwarded-For. Before, every phone shared the balancer's address.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import insert

from portal.db import db
from portal.respond import throttle
from tests.conftest import Clock, client_at
from tests.respond.test_access_code import _code, _try
from tests.support.builders import Enrolled

pytestmark = pytest.mark.databases


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "PORTAL_TRUSTED_PROXIES": "1"}


def test_sixty_wrong_codes_elsewhere_do_not_refuse_a_parent_s_right_code(
    app: Flask, family: Enrolled
) -> None:
    guesser = client_at(app, "198.51.100.7")
    for n in range(60):
        _try(guesser, f"{n:04d}-ZZZZ")
    assert _try(guesser, "ABCD-EFGH") == 429
    assert _try(client_at(app, "203.0.113.20"), _code(app)) == "/q/1"


def test_five_wrong_codes_sharing_a_parent_s_prefix_do_not_block_that_parent(
    app: Flask, family: Enrolled
) -> None:
    real = _code(app)
    near = real[:5] + ("0000" if real[5:] != "0000" else "1111")
    guesser = client_at(app, "198.51.100.7")
    assert [_try(guesser, near) for _ in range(5)] == [200] * 5
    assert _try(guesser, real) == 429  # the guesser's own tries at this bucket wait
    assert _try(client_at(app, "203.0.113.20"), real) == "/q/1"


def test_an_ipv6_phone_counts_as_its_whole_64(app: Flask, family: Enrolled) -> None:
    real = _code(app)
    near = real[:5] + ("0000" if real[5:] != "0000" else "1111")
    for host in range(5):
        _try(client_at(app, f"2001:db8:9:1::{host + 1:x}"), near)
    assert _try(client_at(app, "2001:db8:9:1::99"), real) == 429
    assert _try(client_at(app, "2001:db8:9:2::1"), real) == "/q/1"


def test_a_flood_of_failures_from_many_places_trips_the_breaker_for_a_while(
    app: Flask, family: Enrolled, clock: Clock, parent_link: str
) -> None:
    with app.app_context():
        flood = [{"at": clock.now, "bucket": f"b{n}", "address": f"a{n}"}
                 for n in range(throttle.BREAKER_LIMIT)]
        db.session.execute(insert(throttle.CodeAttempt), flood)
        db.session.commit()
    assert _try(client_at(app, "203.0.113.20"), _code(app)) == 429
    assert client_at(app, "203.0.113.20").get(parent_link).status_code == 200  # the link itself still works
    clock.advance(minutes=16)
    assert _try(client_at(app, "203.0.113.20"), _code(app)) == "/q/1"


@pytest.fixture
def parent_link(token: str) -> str:
    return f"/s/{token}"
