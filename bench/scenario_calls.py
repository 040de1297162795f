"""Benchmark: the call list for one site with 2,000 respondents in open waves, on PostgreSQL.

A private PostgreSQL cluster, migrated; 2,000 respondents at Larvik (and 500 at Lillehammer, whom
the Larvik coordinator must not see), each with all five waves planned and the baseline open: a
third started, most with one to three messages sent (some with delivery receipts), half phoned once
or twice, a few open alerts; each with a name, phone and e-mail sealed in the keystore. Seeding is
not timed.

A signed-in Larvik coordinator then asks, in this process through Flask's test client, for every
page of the list (40 pages of 50) three times, the overdue filter, a search by part of a name (which
opens the 2,000 names in memory) and by phone, and the CSV call sheet of all 2,000 rows. Each time
is the server's whole answer: the queries, the keystore, the audit entry, the template.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.scenario_load import percentile
from bench.scenario_respond import KEYS, postgres_store

NOW = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
AT_SITE, ELSEWHERE = 2_000, 500
GOAL = "call list, one site, 2,000 respondents in open waves (PostgreSQL): a page < 150 ms (p95), " \
       "the CSV sheet < 2 s"
ROUNDS = 3


def _seed(app: Any, rng: random.Random, at_site: int, elsewhere: int) -> None:
    """Families, respondents, every wave, messages and alerts in bulk; contacts through the keystore's API."""
    from portal import registry
    from portal.contacts import ContactDetails, contact_book
    from portal.db import db
    from portal.families.models import Alert, Family, Invitation, Respondent, Site, Study
    from portal.messaging.models import ContactAttempt, OutboxMessage
    from portal.staff.records import StaffAttempt

    with app.app_context():
        protocol = registry.protocol()
        db.session.execute(insert(Study), [{"id": 1, "slug": protocol.id}])
        db.session.execute(insert(Site), [{"id": i + 1, "study_id": 1, "code": s.id, "name": s.name}
                                          for i, s in enumerate(protocol.sites)])
        site_ids = {s.id: i + 1 for i, s in enumerate(protocol.sites)}
        names = ("family", "respondent", "invitation", "outbox_message", "contact_attempt", "staff_attempt",
                 "alert")
        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        people = [("larvik", n) for n in range(at_site)] + [("lillehammer", n) for n in range(elsewhere)]
        for number, (site, _n) in enumerate(people, start=1):
            _family(tables, number, site_ids[site], protocol, rng)
        for model in (Family, Respondent, Invitation, OutboxMessage, ContactAttempt, StaffAttempt, Alert):
            rows = tables[model.__tablename__]
            for start in range(0, len(rows), 5_000):
                db.session.execute(insert(model), rows[start:start + 5_000])
        db.session.commit()
        book = contact_book()
        for row in tables["respondent"]:
            n = row["id"]
            book.add(row["pseudonym"], ContactDetails(f"Bench Parent{n} Testesen", f"+479{n:07d}",
                                                      f"parent{n}@bench.example"), NOW)
        book.session.commit()
        # A live database's autovacuum keeps the planner's statistics; a bulk load just before timing has
        # none yet, and the planner would guess one row per table.
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _family(tables: dict[str, list[dict[str, Any]]], number: int, site_id: int, protocol: Any,
            rng: random.Random) -> None:
    from portal.protocol.schedule import plan_waves

    baseline = (NOW - dt.timedelta(days=rng.randrange(0, 27))).date()  # the baseline window is open
    tables["family"].append({
        "id": number, "pseudonym": f"FP-F{number:07d}", "study_id": 1, "site_id": site_id, "arm_id": None,
        "allocated_at": None, "baseline_date": baseline, "enrolled_at": NOW, "consent_version": "v1",
        "status": "active",
    })
    tables["respondent"].append({"id": number, "pseudonym": f"FP-R{number:07d}", "family_id": number,
                                 "role": "mother", "language": rng.choice(protocol.languages)})
    for planned in plan_waves(protocol, baseline):
        iid = len(tables["invitation"]) + 1
        started = NOW - dt.timedelta(hours=1) if planned.wave_id == "T0" and rng.random() < 0.33 else None
        tables["invitation"].append({
            "id": iid, "respondent_id": number, "wave": planned.wave_id, "instruments": ["who5"],
            "due_date": planned.due_date, "opens_at": planned.opens_at, "closes_at": planned.closes_at,
            "token_generation": 0, "started_at": started,
        })
        if planned.wave_id == "T0":
            _messages(tables, iid, planned.opens_at, rng)
            for hours in range(rng.choice((0, 0, 1, 2))):  # half were phoned once or twice
                tables["staff_attempt"].append({"invitation_id": iid, "channel": "phone",
                                                "outcome": "no_answer", "note": "",
                                                "at": NOW - dt.timedelta(hours=hours + 1)})
    if rng.random() < 0.02:
        tables["alert"].append({"family_id": number, "respondent_id": number, "kind": "bounced", "detail": "",
                                "created_at": NOW})


def _messages(tables: dict[str, list[dict[str, Any]]], invitation_id: int, opened: dt.datetime,
              rng: random.Random) -> None:
    for sequence in range(rng.choice((0, 1, 1, 2, 3))):
        mid = len(tables["outbox_message"]) + 1
        sent = opened + dt.timedelta(days=3 * sequence, hours=9)
        tables["outbox_message"].append({
            "id": mid, "invitation_id": invitation_id, "kind": "reminder" if sequence else "invitation",
            "sequence": sequence, "idempotency_key": f"bench-{mid}", "due_at": sent, "next_attempt_at": sent,
            "status": "sent", "attempts": 1, "created_at": opened, "sent_at": sent, "last_error": "",
        })
        for outcome in ("accepted", "delivered")[: rng.choice((1, 2))]:
            tables["contact_attempt"].append({"message_id": mid, "invitation_id": invitation_id, "at": sent,
                                              "channel": "sms", "outcome": outcome, "provider_id": f"p{mid}",
                                              "detail": ""})


def _timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    response = call()
    return (time.perf_counter() - started) * 1000, response


def _figures(times: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1), "samples": len(times)}


def measure(database_url: str, at_site: int, rounds: int) -> dict[str, Any]:
    from portal import create_app
    from portal.migrate import upgrade_store
    from tests.conftest import Clock, csrf_from
    from tests.staff.conftest import create_account, sign_in

    for store in ("main", "keystore"):
        upgrade_store(database_url, store)
    app = create_app({"environ": {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, **KEYS},
                      "instance_path": Path(tempfile.mkdtemp(prefix="bench-calls-")), "CLOCK": Clock(NOW)})
    app.config["PASSWORD_CHEAP"] = True
    seeding = time.perf_counter()
    _seed(app, random.Random(16), at_site, ELSEWHERE)
    seed_seconds = time.perf_counter() - seeding
    _id, email, secret = create_account(app, role="coordinator", sites=["larvik"])
    client = app.test_client()
    assert sign_in(client, email, secret, Clock(NOW)).status_code == 302
    pages = -(-at_site // 50)
    page_times = [_timed(lambda p=p: client.get(f"/staff/calls?page={p}"))[0]
                  for _round in range(rounds) for p in range(1, pages + 1)]
    overdue = [_timed(lambda: client.get("/staff/calls?state=overdue"))[0] for _ in range(10)]
    token = csrf_from(client.get("/staff/calls").text)
    def search(text: str) -> Any:
        return client.post("/staff/calls", data={"csrf_token": token, "q": text})

    by_name = [_timed(lambda: search("parent17 test"))[0] for _ in range(10)]  # ~111 of 2,000 names match
    by_phone = [_timed(lambda: search("+4790000017"))[0] for _ in range(10)]
    sheet_ms, sheet = _timed(lambda: client.get("/staff/calls.csv"))
    sheet_rows = sheet.get_data(as_text=True).count("\r\n") - 1
    app.extensions["portal.db"].dispose()
    return {
        "respondents_at_site": at_site, "respondents_elsewhere": ELSEWHERE, "pages": pages, "rounds": rounds,
        "seed_seconds": round(seed_seconds, 1), "page": _figures(page_times),
        "overdue_filter": _figures(overdue),
        "search_by_name": _figures(by_name), "search_by_phone": _figures(by_phone),
        "sheet_seconds": round(sheet_ms / 1000, 2), "sheet_rows": sheet_rows, "sheet_bytes": len(sheet.data),
        "load_average": round(os.getloadavg()[0], 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    at_site = 200 if quick else AT_SITE
    load_before = round(os.getloadavg()[0], 2)
    with postgres_store() as url:
        figures = measure(url, at_site, 1 if quick else ROUNDS)
    page, sheet = figures["page"], figures["sheet_seconds"]
    summary = (
        f"{at_site:,} respondents: page median {page['median_ms']} ms, p95 {page['p95_ms']} ms; "
        f"overdue filter p95 {figures['overdue_filter']['p95_ms']} ms; search by name p95 "
        f"{figures['search_by_name']['p95_ms']} ms, by phone {figures['search_by_phone']['p95_ms']} ms; "
        f"CSV sheet {sheet} s ({figures['sheet_rows']:,} rows); load {load_before}"
    )
    met = page["p95_ms"] < 150 and sheet < 2 and figures["sheet_rows"] == at_site if not quick else None
    return {"scenario": "calls", "summary": summary, "goal": GOAL, "met": met,
            "load_average_before": load_before, **figures}
