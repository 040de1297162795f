"""/metrics for Prometheus and /healthz for load balancers, as a monitoring system reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from portal import create_app
from portal.db import db
from portal.families.models import Alert, Family
from portal.messaging.models import OutboxMessage
from tests.conftest import Clock
from tests.respond.conftest import Parent
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def scrape(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics read from 127.0.0.1: (name, sorted labels) -> value."""
    answer = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def parent_requests(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    return sum(value for (name, labels), value in samples.items()
               if name == "portal_requests_total" and ("group", "parent") in labels)


def test_a_parents_requests_are_counted_by_route_group_and_no_token_reaches_a_label(
    app: Flask, clock: Clock
) -> None:
    family = enrol_family(app, now=clock.now)
    token = family.tokens[f"{family.respondents[0]}/T0"]
    before = scrape(app)
    parent = Parent(app.test_client(), token)
    assert parent.open().status_code == 200
    assert parent.start().status_code == 302
    after = scrape(app)
    assert parent_requests(after) - parent_requests(before) == 3  # the link, the link again, Start
    assert after[("portal_requests_total", (("group", "parent"), ("method", "POST"), ("status", "302")))] >= 1
    assert after[("portal_request_duration_seconds_count", (("group", "parent"),))] >= 2
    exposition = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    assert token not in exposition and family.family not in exposition and "/s/" not in exposition


def test_a_made_up_method_does_not_make_a_label_of_its_own(app: Flask) -> None:
    app.test_client().open("/healthz", method="BREW")
    labels = {labels for name, labels in scrape(app) if name == "portal_requests_total"}
    assert (("group", "other"), ("method", "other"), ("status", "405")) in labels  # no route: no group
    assert not any(("method", "BREW") in found for found in labels)


def test_metrics_are_refused_to_any_address_not_configured(environ: dict[str, str], tmp_path: Path) -> None:
    app = create_app({"environ": {**environ, "PORTAL_METRICS_ALLOW": "10.0.0.0/24"},
                      "instance_path": tmp_path / "i"})
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.1.7"}).status_code == 404
    app.extensions["portal.db"].dispose()


def test_a_bad_allow_list_stops_the_start_in_one_line(environ: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="PORTAL_METRICS_ALLOW must be addresses or networks"):
        create_app({"environ": {**environ, "PORTAL_METRICS_ALLOW": "prometheus.example"},
                    "instance_path": tmp_path / "i"})


def test_the_outbox_backlog_failed_deliveries_and_open_alerts_are_counted(app: Flask, clock: Clock) -> None:
    family = enrol_family(app, now=clock.now)
    with app.app_context():
        due, failed = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2)).all()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == due)
                           .values(next_attempt_at=clock.now - dt.timedelta(minutes=10)))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == failed)
                           .values(status="failed", attempts=5, last_error="refused by the relay"))
        family_id = db.session.scalar(select(Family.id).where(Family.pseudonym == family.family))
        db.session.add(Alert(family_id=family_id, kind="phq9_item9", created_at=clock.now))
        db.session.commit()
    samples = scrape(app)
    assert samples[("portal_outbox_due_messages", ())] >= 1
    assert samples[("portal_outbox_oldest_due_seconds", ())] >= 600
    assert samples[("portal_delivery_failures", (("outcome", "failed"),))] == 1
    assert samples[("portal_delivery_failures", (("outcome", "bounced"),))] == 0
    assert samples[("portal_open_alerts", (("kind", "phq9_item9"),))] == 1
    assert samples[("portal_store_up", ())] == 1


def test_healthz_names_the_store_that_does_not_answer(environ: dict[str, str], tmp_path: Path) -> None:
    fine = create_app({"environ": environ, "instance_path": tmp_path / "a"})
    assert fine.test_client().get("/healthz").get_json() == {"status": "ok", "main": "ok", "keystore": "ok"}
    broken = {**environ, "PORTAL_KEYSTORE_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'keystore.sqlite3'}"}
    app = create_app({"environ": broken, "instance_path": tmp_path / "b"})
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "main": "ok", "keystore": "unavailable"}
    for built in (fine, app):
        built.extensions["portal.db"].dispose()
