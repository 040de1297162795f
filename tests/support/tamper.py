"""Changing the audit trail behind the portal's back, as the attacks in the audit tests do."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Connection, select, text, update

from portal.audit import GENESIS, AuditEvent
from portal.db import db


@contextmanager
def tampering(app: Flask) -> Iterator[Connection]:
    """A connection that can change audit rows, as someone with the database's owner rights could
    (on PostgreSQL past the append-only trigger, which a superuser can switch off)."""
    with app.app_context():
        engine = db.session.get_bind().engine
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection


def recompute(connection: Connection, key: bytes | None, first_seq: int = 1) -> None:
    """Rewrite every hash from `first_seq` on, keyed with `key` (or plain SHA-256 as before, if None)."""
    rows = connection.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
    prev = GENESIS
    for row in rows:
        if row["seq"] >= first_seq:
            body = json.dumps([row["seq"], prev, row["at"].isoformat(), row["actor"], row["action"],
                               row["subject"], row["details"]], sort_keys=True, ensure_ascii=False).encode()
            new = hmac.new(key, body, hashlib.sha256).hexdigest() if key else hashlib.sha256(body).hexdigest()
            rewritten = update(AuditEvent).where(AuditEvent.id == row["id"]).values(prev_hash=prev, hash=new)
            connection.execute(rewritten)
            prev = new
        else:
            prev = row["hash"]
