"""`flask --app portal demo`: a demo study a person can log into and answer."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.db import db
from portal.families.models import Family, Invitation
from portal.staff.models import StaffUser


def test_demo_seeds_both_arms_two_sites_and_prints_logins_and_links(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    result = runner.invoke(args=["demo", "--now", "2026-11-22T10:00"])
    assert result.exit_code == 0, result.output
    logins = re.findall(r"staff login\s+(\S+)\s+(\S+)", result.output)
    links = re.findall(r"parent link\s+\S+/s/(\w+)", result.output)
    assert sorted(email.split("@")[0] for email, _ in logins) == ["admin", "analyst", "coordinator"]
    assert len(links) == 2
    with app.app_context():
        families = db.session.scalars(select(Family)).all()
        assert {f.arm.code for f in families if f.arm} == {"family_partner", "usual_services"}
        assert len({f.site.code for f in families}) >= 2
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 3
    app.config["CLOCK"].now = app.config["CLOCK"].now.replace(year=2026, month=11, day=22, hour=12)
    page = client.get(f"/s/{links[0]}")
    assert page.status_code == 200
    assert f'action="/s/{links[0]}"' in page.text  # the Start button posts back to the link


def test_demo_refuses_to_seed_twice(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "already holds data" in again.output


def test_opening_a_link_changes_nothing(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    result = runner.invoke(args=["demo", "--now", "2026-09-01T10:00"])
    token = re.findall(r"parent link\s+\S+/s/(\w+)", result.output)[0]
    with app.app_context():
        before = [(i.id, i.started_at, i.token_hash) for i in db.session.scalars(select(Invitation))]
    for _ in range(3):
        assert client.get(f"/s/{token}").status_code == 200
    with app.app_context():
        after = [(i.id, i.started_at, i.token_hash) for i in db.session.scalars(select(Invitation))]
    assert after == before


def test_healthz_answers_when_the_database_does(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "main": "ok", "keystore": "ok"}
