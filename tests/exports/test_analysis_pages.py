"""/analysis/: who may download, what a download holds, and blinding by account."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import Clock, csrf_from
from tests.exports.conftest import ARMS, IDENTITIES, Seeded, make_user, record_unblinding, sign_in


def download(client: FlaskClient, **form: str | list[str]) -> zipfile.ZipFile:
    page = client.get("/analysis/")
    assert page.status_code == 200
    response = client.post("/analysis/export", data={"csrf_token": csrf_from(page.text), **form})
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip" and response.headers["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_anonymous_visitors_go_to_the_staff_sign_in(client: FlaskClient) -> None:
    response = client.get("/analysis/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/login")


def test_coordinators_may_not_download(app: Flask, client: FlaskClient, clock: Clock) -> None:
    sign_in(client, make_user(app, role="coordinator", blinded=True), clock.now)
    assert client.get("/analysis/").status_code == 403


def test_an_analyst_downloads_data_codebook_and_manifest(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, seeded: Seeded, clock: Clock
) -> None:
    record_unblinding(app, runner)
    sign_in(client, make_user(app, role="analyst", blinded=False), clock.now)
    archive = download(client, format="csv", layout="wide", waves=["T0"], instruments=["who5"])
    assert sorted(archive.namelist()) == ["codebook.html", "codebook.json", "family-partner_families.csv",
                                          "family-partner_wide.csv", "manifest.json"]
    frame = pd.read_csv(archive.open("family-partner_wide.csv"))
    assert set(frame["arm"]) == set(ARMS)  # an unblinded analyst who did not ask for blinding
    assert "T0_who5_percent" in frame.columns and "T1_who5_percent" not in frame.columns
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["created_by"].startswith("staff:")
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert not any(secret in everything for secret in IDENTITIES)


def test_a_blinded_analyst_always_gets_letters(
    app: Flask, client: FlaskClient, seeded: Seeded, clock: Clock
) -> None:
    sign_in(client, make_user(app, role="analyst", blinded=True), clock.now)
    page = client.get("/analysis/").text
    assert "always shown as A or B" in page and 'name="blind"' not in page
    archive = download(client, format="parquet", layout="long")
    frame = pd.read_parquet(io.BytesIO(archive.read("family-partner_long.parquet")))
    assert set(frame["arm"]) == {"A", "B"}
    assert json.loads(archive.read("manifest.json"))["request"]["blind"] is True


def test_a_bad_choice_is_explained_on_the_page(app: Flask, client: FlaskClient, clock: Clock) -> None:
    sign_in(client, make_user(app, role="admin", blinded=False), clock.now)
    page = client.get("/analysis/")
    response = client.post("/analysis/export", data={"csrf_token": csrf_from(page.text), "format": "xlsx"})
    assert response.status_code == 400 and "the format must be one of csv, sav, dta, parquet" in response.text


def test_a_download_needs_the_form_token(app: Flask, client: FlaskClient, clock: Clock) -> None:
    sign_in(client, make_user(app, role="analyst", blinded=True), clock.now)
    assert client.post("/analysis/export", data={"format": "csv"}).status_code == 400


def test_an_idle_session_goes_back_to_the_sign_in(app: Flask, client: FlaskClient, clock: Clock) -> None:
    sign_in(client, make_user(app, role="analyst", blinded=True), clock.now)
    assert client.get("/analysis/").status_code == 200
    clock.advance(hours=2)
    response = client.get("/analysis/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/login")
