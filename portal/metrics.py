"""/metrics for Prometheus: requests per route group, the outbox backlog, failed deliveries, open alerts.

No label carries an identifier: requests are grouped by blueprint (a parent's path holds the link
token) and the store figures are counts. gunicorn runs several worker processes. With
PROMETHEUS_MULTIPROC_DIR set (the systemd unit sets it; gunicorn.conf.py empties it at start and
marks each dead worker) the request figures are summed over every worker, as prometheus-client's
multiprocess mode describes; without it (the development server, tests) they are this process's.
The store figures are read from the database at each scrape, so every worker reports the same.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

import portal.registry as registry
from portal.config import IPNetwork
from portal.db import db
from portal.families.models import Alert
from portal.messaging.models import MessageStatus, OutboxMessage

metrics = Blueprint("metrics", __name__)

# blueprint -> route group; anything else (an unknown address, static files) is "other"
GROUPS = {"respond": "parent", "staff": "staff", "analysis": "analysis", "messaging": "receipts",
          "health": "health", "metrics": "metrics"}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
FAILURES = (MessageStatus.failed, MessageStatus.bounced)
STARTED = "_metrics_started"
KEY = "portal.metrics"


class RequestMetrics:
    def __init__(self, target: CollectorRegistry | None) -> None:
        self.requests = Counter("portal_requests", "HTTP requests answered, by route group, method, status",
                                ("group", "method", "status"), registry=target)
        self.seconds = Histogram("portal_request_duration_seconds", "Time to answer, by route group",
                                 ("group",), registry=target)
        self.registry = target  # None in multiprocess mode: each scrape reads the workers' files


def configure_metrics(app: Flask) -> None:
    """Count every request (the timer is the first before-request hook) and serve /metrics."""
    shared = "PROMETHEUS_MULTIPROC_DIR" in os.environ
    target = None if shared else CollectorRegistry()
    app.extensions[KEY] = RequestMetrics(target)
    if target is not None:
        target.register(StoreCollector(app))
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_count)
    app.register_blueprint(metrics)


def _start_timer() -> None:
    g.setdefault(STARTED, time.perf_counter())


def _count(response: Response) -> Response:
    recorder: RequestMetrics = current_app.extensions[KEY]
    group = GROUPS.get(request.blueprint or "", "other")
    method = request.method if request.method in METHODS else "other"  # a client may send any word
    recorder.requests.labels(group, method, str(response.status_code)).inc()
    started = g.get(STARTED)
    if started is not None:
        recorder.seconds.labels(group).observe(time.perf_counter() - started)
    return response


@metrics.get("/metrics")
def exposition() -> Response:
    settings = registry.settings()
    if not _allowed(request.remote_addr, settings.metrics_allow):
        abort(404)  # to anyone else it does not exist
    recorder: RequestMetrics = current_app.extensions[KEY]
    target = recorder.registry
    if target is None:
        target = CollectorRegistry()
        MultiProcessCollector(target)
        target.register(StoreCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(generate_latest(target), content_type=CONTENT_TYPE_LATEST)


def _allowed(address: str | None, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(client in network for network in networks)


class StoreCollector:
    """What the stores say at the moment of the scrape: the same from every worker."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("portal_store_up", "1 when the main store answered this scrape")
        with self.app.app_context():
            try:
                figures = list(_store_figures())
            except SQLAlchemyError:
                up.add_metric([], 0)
                yield up
                return
        up.add_metric([], 1)
        yield up
        yield from figures


def _store_figures() -> Iterator[Metric]:
    now = registry.now()
    due = (OutboxMessage.status == MessageStatus.pending) & (OutboxMessage.next_attempt_at <= now)
    with db.stores.engine.connect() as connection:
        backlog = connection.execute(
            select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(due)).one()
        failed = dict(connection.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_(FAILURES))
            .group_by(OutboxMessage.status)).all())
        alerts = connection.execute(
            select(Alert.kind, func.count()).where(Alert.resolved_at.is_(None)).group_by(Alert.kind)).all()
    yield _gauge("portal_outbox_due_messages", "Messages whose time has come and that no dispatcher has sent",
                 [([], backlog[0])])
    oldest = (now - backlog[1]).total_seconds() if backlog[1] is not None else 0.0
    yield _gauge("portal_outbox_oldest_due_seconds", "How long the oldest due message has waited",
                 [([], oldest)])
    yield _gauge("portal_delivery_failures", "Messages that failed for good or bounced, by outcome",
                 [([outcome], failed.get(outcome, 0)) for outcome in FAILURES], ["outcome"])
    yield _gauge("portal_open_alerts", "Alerts no one has resolved yet, by kind",
                 [([kind], count) for kind, count in alerts], ["kind"])


def _gauge(name: str, documentation: str, samples: list[tuple[list[str], float]],
           labels: list[str] | None = None) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=labels or [])
    for values, value in samples:
        gauge.add_metric(values, value)
    return gauge
