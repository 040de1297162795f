"""Staff sessions held by the server, not by the cookie alone (issue 22, item 3).

Before, a staff cookie saved before signing out, sent again afterwards, still read a family's
name, phone and e-mail; a new password, a second-factor reset or a role change left every open
session running, and a busy session never ended.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock, csrf_from
from tests.staff.conftest import PASSWORD, Staff, StaffFactory
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def copied(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie, as saved at this moment."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, path="/")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(name, cookie.value, path="/")
    return other


def signed_out(client: FlaskClient, path: str = "/staff/dashboard") -> bool:
    answer = client.get(path)
    return answer.status_code == 302 and answer.headers["Location"].startswith("/staff/login")


def test_a_cookie_saved_before_signing_out_is_refused_afterwards(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    family_page = f"/staff/families/{family.family}"
    saved = copied(app, coordinator.client)
    assert "Kari Testesen" in saved.get(family_page).text  # the copy works while the session lives
    coordinator.post("/staff/logout")
    replayed = saved.get(family_page)
    assert replayed.status_code == 302 and "Kari Testesen" not in replayed.text
    assert signed_out(saved, f"/staff/respondents/{family.respondents[0]}/contact")


def test_signing_out_ends_the_account_s_sessions_in_every_browser(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    from tests.staff.conftest import sign_in

    coordinator = staff("coordinator")
    other_browser = app.test_client()
    assert sign_in(other_browser, coordinator.email, coordinator.secret, clock).status_code == 302
    coordinator.post("/staff/logout")
    assert signed_out(coordinator.client) and signed_out(other_browser)


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    elsewhere = copied(app, coordinator.client)
    page = coordinator.client.get("/staff/account/password")
    new = "a brand new passphrase"
    changed = coordinator.client.post("/staff/account/password", data={
        "csrf_token": csrf_from(page.text), "current": PASSWORD, "new": new, "repeated": new})
    assert changed.status_code == 302
    assert coordinator.client.get("/staff/dashboard").status_code == 200
    assert signed_out(elsewhere)


@pytest.mark.parametrize("command", [
    ["users", "disable"], ["users", "reset-2fa"], ["users", "set-role", "--role", "analyst"],
])
def test_the_data_manager_s_account_changes_end_every_session(
    app: Flask, staff: StaffFactory, command: list[str]
) -> None:
    coordinator = staff("coordinator")
    result = app.test_cli_runner().invoke(args=[*command, "--email", coordinator.email])
    assert result.exit_code == 0, result.output
    assert signed_out(coordinator.client, "/staff/")


def test_a_second_factor_reset_from_the_account_page_ends_the_sessions(
    app: Flask, staff: StaffFactory
) -> None:
    admin, coordinator = staff("admin"), staff("coordinator")
    assert _reset_2fa(admin, coordinator).status_code == 302
    assert signed_out(coordinator.client)


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(staff: StaffFactory, clock: Clock) -> None:
    coordinator = staff("coordinator")
    for _ in range(35):  # a page every 20 minutes: never idle
        clock.advance(minutes=20)
        assert coordinator.client.get("/staff/dashboard").status_code == 200
    clock.advance(minutes=20)  # 12 h 0 min 31 s after signing in
    ended = coordinator.client.get("/staff/dashboard")
    assert ended.headers["Location"] == "/staff/login?expired=1"


def _reset_2fa(admin: Staff, other: Staff) -> object:
    return admin.post(f"/staff/users/{other.id}/reset-2fa", form_at="/staff/users")
