"""Benchmark: 200 parents answer a full baseline wave at the same moment, on gunicorn and PostgreSQL.

Each parent (one thread, one keep-alive connection) opens the link, presses Start, loads and
saves every page, reads the review, submits and sees the thanks page. Every request's latency
is kept; afterwards the store is counted: one completed response per invitation and instrument.
The parents' threads run on the same machine (2 cores here), so latencies include their share of CPU.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

WORKERS, THREADS = 2, 4
GOAL = "200 parents answer a full wave at once (gunicorn + PostgreSQL): no error, every response " \
       "stored exactly once; p99 latency reported"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def measure(database_url: str, parents: int) -> dict[str, Any]:
    from portal import create_app
    from portal.migrate import upgrade_store
    from tests.faults.served import Gunicorn
    from tests.faults.store import completions, enrol_today, invitations, served_environ
    from tests.faults.walker import wave

    for store in ("main", "keystore"):
        upgrade_store(database_url, store)
    environ = served_environ(database_url, Path(tempfile.mkdtemp(prefix="bench-load-")))
    app = create_app({"environ": environ})
    seeded = time.perf_counter()
    tokens = enrol_today(app, parents)
    seed_seconds = time.perf_counter() - seeded
    with Gunicorn(environ, workers=WORKERS, threads=THREADS) as server:
        started = time.perf_counter()
        walked, problems = wave(server.url, tokens)
        seconds = time.perf_counter() - started
    counts, expected = completions(app), parents * _instruments(app)
    completed = sum(invitation.completed_at is not None for invitation in invitations(app))
    app.extensions["portal.db"].dispose()
    log = [entry for parent in walked for entry in parent.log]
    latencies = [entry[3] * 1000 for entry in log]
    return {
        "parents": parents, "requests": len(log), "seconds": round(seconds, 2),
        "seed_seconds": round(seed_seconds, 2), "requests_per_second": round(len(log) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
        "errors": len(problems), "error_samples": problems[:5],
        "resent_on_new_connection": sum(parent.resent for parent in walked),
        "server_errors": sum(1 for entry in log if entry[2] >= 500),
        "invitations_completed": completed, "completed_responses": sum(counts.values()),
        "expected_responses": expected,
        "stored_exactly_once": len(counts) == expected and set(counts.values()) == {1},
    }


def _instruments(app: Any) -> int:
    """Instruments in a mother's baseline, from the study file, so the count follows the protocol."""
    with app.app_context():
        from portal import registry

        baseline = next(w for w in registry.protocol().waves if w.id == "T0")
        return len(baseline.instruments_for("mother"))


def run(quick: bool = False) -> dict[str, Any]:
    from bench.scenario_respond import postgres_store

    parents = 20 if quick else 200
    with postgres_store() as url:
        figures = measure(url, parents)
    met = figures["stored_exactly_once"] and figures["errors"] == 0 and figures["server_errors"] == 0
    errors = figures["errors"] + figures["server_errors"]
    summary = (
        f"{parents} parents, {figures['requests']:,} requests in {figures['seconds']} s "
        f"({figures['requests_per_second']:.0f} req/s): p50 {figures['p50_ms']} ms, "
        f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms; errors {errors}; "
        f"stored exactly once: {'yes' if figures['stored_exactly_once'] else 'NO'}"
    )
    return {"scenario": "load", "summary": summary, "goal": GOAL, "met": met, **figures,
            "workers": WORKERS, "threads": THREADS, "cpus": os.cpu_count()}
