"""The analysts' API: tokens made by an admin, shown once, stored hashed; the web page's exports and
blinding over GET; refused, expired and revoked tokens; a per-minute limit; every download audited."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text

from portal.audit import AuditEvent
from portal.db import db
from portal.exports.api_tokens import PER_MINUTE, hash_api_token
from tests.conftest import Clock
from tests.exports.conftest import ARMS, IDENTITIES, Seeded, make_user, record_unblinding

pytestmark = pytest.mark.databases
API = "/analysis/api/v1"


def make_token(runner: FlaskCliRunner, email: str, *extra: str) -> str:
    result = runner.invoke(args=["tokens", "create", "--email", email, *extra])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def get(client: FlaskClient, path: str, token: str, **query: str) -> tuple[int, bytes, dict[str, str]]:
    response = client.get(f"{API}/{path}", query_string=query, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.data, dict(response.headers)


def sav(data: bytes, tmp_path: Path) -> tuple[object, object]:
    path = tmp_path / "file.sav"
    path.write_bytes(data)
    return pyreadstat.read_sav(str(path))


def test_a_token_is_shown_once_and_only_its_keyed_hash_is_kept(
    app: Flask, runner: FlaskCliRunner
) -> None:
    make_user(app, role="analyst", blinded=True, email="ana@staff.example")
    token = make_token(runner, "ana@staff.example", "--label", "R on the stats server")
    assert token.startswith("fpa_") and len(token) > 40
    listed = runner.invoke(args=["tokens", "list"]).output
    assert "R on the stats server" in listed and "active" in listed and token not in listed
    with app.app_context():
        rows = repr(db.session.execute(text("SELECT * FROM api_token")).all())
        assert token not in rows and token[4:] not in rows
        assert hash_api_token(app.config["SETTINGS"].secret_key, token) in rows
    make_user(app, role="coordinator", blinded=True, email="coord@staff.example")
    refused = runner.invoke(args=["tokens", "create", "--email", "coord@staff.example"])
    assert refused.exit_code == 2 and "analyst and admin accounts only" in refused.output


def test_without_a_good_token_nothing_is_served(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, clock: Clock
) -> None:
    assert client.get(f"{API}/data/wide.csv").status_code == 401
    make_user(app, role="analyst", blinded=True, email="ana@staff.example")
    token = make_token(runner, "ana@staff.example", "--days", "30", "--now", clock.now.isoformat())
    assert get(client, "", token)[0] == 200
    status, body, headers = get(client, "", token[:-2] + "xx")
    assert status == 401 and "unknown, revoked or expired" in json.loads(body)["error"]
    assert headers["WWW-Authenticate"].startswith("Bearer")
    clock.advance(days=30)
    assert get(client, "", token)[0] == 401  # expired
    clock.advance(days=-29)
    assert runner.invoke(args=["tokens", "revoke", "--id", "1"]).exit_code == 0
    assert get(client, "", token)[0] == 401  # revoked


def test_the_api_serves_the_pages_files_with_labels_and_blinding(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    make_user(app, role="analyst", blinded=False, email="open@staff.example")
    token = make_token(runner, "open@staff.example")
    status, body, headers = get(client, "data/wide.sav", token, waves="T0")
    assert status == 200 and headers["Content-Type"] == "application/x-spss-sav"
    frame, meta = sav(body, tmp_path)
    assert set(frame["arm"]) == {"A", "B"}  # blinded study, no unblinding yet
    assert meta.variable_value_labels["T0_phq9_total_band"][4.0] == "moderately_severe"
    assert "T1_who5_raw" not in frame.columns
    record_unblinding(app, runner)
    assert set(sav(get(client, "data/wide.sav", token)[1], tmp_path)[0]["arm"]) == set(ARMS)
    assert set(sav(get(client, "data/wide.sav", token, blind="1")[1], tmp_path)[0]["arm"]) == {"A", "B"}
    families = sav(get(client, "families.sav", token)[1], tmp_path)[0]
    assert len(families) == len(seeded.families)
    book = json.loads(get(client, "codebook.json", token, layout="long", format="dta")[1])
    assert book["request"]["layout"] == "long" and book["family_file"]["rows"] == 3
    status, body, _ = get(client, "export.zip", token, layout="retention", format="parquet")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert status == 200 and "family-partner_retention.parquet" in names and "manifest.json" in names
    everything = body + get(client, "data/long.csv", token)[1] + get(client, "manifest.json", token)[1]
    assert not any(secret.encode() in everything for secret in [*IDENTITIES, token])
    status, body, _ = get(client, "data/wide.xlsx", token)
    assert status == 400 and "the format must be one of" in json.loads(body)["error"]


def test_a_blinded_analyst_gets_letters_after_the_unblinding_too(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    record_unblinding(app, runner)
    make_user(app, role="analyst", blinded=True, email="ana@staff.example")
    token = make_token(runner, "ana@staff.example")
    assert json.loads(get(client, "", token)[1])["arms_shown"] is False
    assert set(sav(get(client, "data/wide.sav", token)[1], tmp_path)[0]["arm"]) == {"A", "B"}


def test_requests_are_limited_per_minute_and_every_download_is_audited(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, seeded: Seeded, clock: Clock
) -> None:
    user = make_user(app, role="analyst", blinded=True, email="ana@staff.example")
    token = make_token(runner, "ana@staff.example")
    assert get(client, "data/long.csv", token)[0] == 200
    for _ in range(PER_MINUTE - 1):
        assert get(client, "", token)[0] == 200
    status, body, headers = get(client, "", token)
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert "30 requests a minute" in json.loads(body)["error"]
    clock.advance(minutes=1)
    assert get(client, "", token)[0] == 200
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent).filter_by(action="export")).all()
        created = db.session.scalars(select(AuditEvent).filter_by(action="api_token_created")).all()
    assert [e.actor for e in exports] == [f"staff:{user}/api:1"]
    assert token not in repr([(e.actor, e.details) for e in exports])
    assert exports[0].details["request"]["layout"] == "long" and len(created) == 1
