"""Refused and dropped connections lead to retries and then a visible failure, never to `sent`."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Alert
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.messaging.rules import MAX_ATTEMPTS
from portal.messaging.transports import Pacer
from tests.messaging.journey import oslo
from tests.messaging.servers import Gateway, Mailbox, dropping_server, free_port, smtp_server
from tests.support.builders import enrol_family

MAIL_ONLY = ("mother", "nb", "Kari Testesen", None, "kari@test.example")
PHONE = ("mother", "nb", "Kari Testesen", "+4791111111", None)
ENROLLED_AT = oslo(2026, 9, 1, 14, 0)


@pytest.fixture
def smtp_port(request: pytest.FixtureRequest, mail: tuple[Mailbox, int]) -> Iterator[int]:
    """Where the app's SMTP settings point: the test mailbox, nothing listening, or a server that hangs up."""
    kind = getattr(request, "param", "mailbox")
    if kind == "drop":
        with dropping_server() as port:
            yield port
    else:
        yield free_port() if kind == "refuse" else mail[1]


@pytest.fixture
def environ(environ: dict[str, str], smtp_port: int) -> dict[str, str]:
    return {**environ, "PORTAL_SMTP_PORT": str(smtp_port)}


def _invitation_message(app: Flask) -> OutboxMessage:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "invitation").order_by(OutboxMessage.due_at)).first()


def _dispatch_until_settled(runner: FlaskCliRunner, app: Flask) -> list[OutboxMessage]:
    seen = []
    moment = ENROLLED_AT
    for _ in range(MAX_ATTEMPTS + 2):
        result = runner.invoke(args=["dispatch", "--now", moment.isoformat()])
        assert result.exit_code == 0, result.output
        message = _invitation_message(app)
        seen.append(message)
        if message.status != MessageStatus.pending:
            break
        moment = message.next_attempt_at
    return seen


@pytest.mark.parametrize("smtp_port", ["refuse", "drop"], indirect=True)
def test_an_unreachable_mail_server_means_retries_with_backoff_then_a_visible_failure(
    app: Flask, runner: FlaskCliRunner, smtp_port: int
) -> None:
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MAIL_ONLY])
    history = _dispatch_until_settled(runner, app)
    assert [m.status for m in history] == ["pending"] * (MAX_ATTEMPTS - 1) + ["failed"]
    waits = [b.next_attempt_at - a.next_attempt_at for a, b in zip(history, history[1:-1], strict=False)]
    assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))  # backing off
    final = history[-1]
    assert final.sent_at is None and final.attempts == MAX_ATTEMPTS
    assert final.last_error.startswith("SMTP connection failed")
    with app.app_context():
        outcomes = db.session.scalars(select(ContactAttempt.outcome).order_by(ContactAttempt.id)).all()
        alerts = db.session.scalars(select(Alert)).all()
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert [a.kind for a in alerts] == ["bounced"]
    assert "T0 invitation not delivered: SMTP connection failed" in alerts[0].detail
    assert "kari" not in alerts[0].detail.lower() and "kari" not in final.last_error.lower()


def test_a_recipient_refused_for_good_fails_at_once_with_an_alert(
    app: Flask, runner: FlaskCliRunner, mailbox: Mailbox
) -> None:
    mailbox.refuse_with = "550 5.1.1 mailbox kari@test.example unknown"
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MAIL_ONLY])
    runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
    message = _invitation_message(app)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "SMTP 550: message refused"
    with app.app_context():
        assert db.session.scalars(select(Alert.kind)).all() == ["bounced"]


def test_a_gateway_outage_is_retried_and_the_message_goes_once_it_is_back(
    app: Flask, runner: FlaskCliRunner, gateway: Gateway
) -> None:
    gateway.status = 503
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[PHONE])
    runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
    first = _invitation_message(app)
    assert (first.status, first.last_error) == ("pending", "SMS gateway HTTP 503, try again later")
    gateway.status = 200
    runner.invoke(args=["dispatch", "--now", first.next_attempt_at.isoformat()])
    second = _invitation_message(app)
    assert (second.status, second.attempts) == ("sent", 2)
    assert len(gateway.received) == 1
    assert gateway.headers[0]["Authorization"] == "Bearer test-gateway-token"
    assert gateway.headers[0]["Idempotency-Key"] == second.idempotency_key
    assert gateway.received[0]["from"] == "Studien"


def test_a_gateway_that_rejects_the_message_fails_it_without_retrying(
    app: Flask, runner: FlaskCliRunner, gateway: Gateway
) -> None:
    gateway.status = 400
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[PHONE])
    runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
    message = _invitation_message(app)
    assert (message.status, message.last_error) == ("failed", "SMS gateway HTTP 400: message refused")


def test_the_mail_server_login_is_used_and_each_connection_serves_the_whole_batch(app: Flask) -> None:
    from portal import create_app
    from tests.conftest import TEST_KEYS

    with smtp_server(login=("portal", "s3cret")) as (mailbox, port):
        second = create_app({"environ": {
            "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": app.config["SETTINGS"].database_url, **TEST_KEYS,
            "PORTAL_SMTP_PORT": str(port), "PORTAL_SMTP_USER": "portal", "PORTAL_SMTP_PASSWORD": "s3cret",
            "PORTAL_SEND_CONNECTIONS": "2",
        }, "instance_path": app.instance_path})
        for number in range(12):
            person = ("mother", "nb", f"Parent {number}", None, f"p{number}@test.example")
            enrol_family(second, now=ENROLLED_AT.astimezone(dt.UTC), people=[person])
        result = second.test_cli_runner().invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
        second.extensions["portal.db"].dispose()
    assert "sent 12," in result.output
    # at most one login per connection, however many messages: connections are reused, never per message
    assert mailbox.logins in (["portal"], ["portal", "portal"])
    assert sorted(m.to[0] for m in mailbox.mails) == sorted(f"p{n}@test.example" for n in range(12))


def test_the_pacer_spaces_sends_evenly_to_the_configured_rate() -> None:
    moments = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        moments[0] += seconds

    pacer = Pacer(rate=4, clock=lambda: moments[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert Pacer(rate=0).interval == 0


def test_one_pacer_shared_by_several_connections_gives_each_send_its_own_slot() -> None:
    """The rate limit holds for the dispatcher as a whole, not per connection."""
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)

    pacer = Pacer(rate=4, clock=lambda: 0.0, sleep=sleep)  # time stands still: every send must queue
    threads = [threading.Thread(target=lambda: [pacer.wait() for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(slept) == [0.25 * slot for slot in range(1, 20)]  # 20 sends, 20 distinct slots


def test_contact_details_that_do_not_open_fail_that_message_and_the_batch_goes_on(
    app: Flask, runner: FlaskCliRunner, mailbox: Mailbox
) -> None:
    from portal.contacts.models import Contact

    first = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MAIL_ONLY])
    second = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC),
                          people=[("father", "en", "Ola Testesen", None, "ola@test.example")])
    with app.app_context():
        rows = {c.respondent_pseudonym: c for c in db.session.scalars(select(Contact))}
        # a sealed value moved to another row does not open
        rows[first.respondents[0]].email_sealed = rows[second.respondents[0]].email_sealed
        db.session.commit()
    output = runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()]).output
    assert output.startswith("sent 1, retried 0, failed 1,")
    assert [m.to for m in mailbox.mails] == [["ola@test.example"]]
    with app.app_context():
        assert db.session.scalars(select(Alert.detail)).one().endswith("contact details do not open "
                                                                        "(is the keystore key set right?)")
