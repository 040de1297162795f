"""Re-keying a trail written before its hashes were keyed (once, as `db upgrade` passes revision 0010).

The old hashes were plain SHA-256 over the same fields without the entry number. The old chain
is checked first: a trail that was already broken is left as it was, and `audit verify` says where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import Connection, select, update

from portal.audit import GENESIS, AuditEvent, digest
from portal.config import Settings

FIELDS = ("at", "actor", "action", "subject", "details")


def _plain(prev_hash: str, at: dt.datetime, actor: str, action: str, subject: str,
           details: dict[str, Any]) -> str:
    body = json.dumps([prev_hash, at.isoformat(), actor, action, subject, details], sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def rekey(connection: Connection, settings: Settings) -> int:
    """Re-hash every entry under the audit key if the plain chain holds; returns how many were re-keyed."""
    key = settings.audit_key
    rows = connection.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
    prev = GENESIS
    for row in rows:
        if row["prev_hash"] != prev or row["hash"] != _plain(prev, *(row[name] for name in FIELDS)):
            return 0
        prev = row["hash"]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
    prev = GENESIS
    for row in rows:
        new = digest(key, row["seq"], prev, *(row[name] for name in FIELDS))
        connection.execute(update(AuditEvent).where(AuditEvent.id == row["id"])
                           .values(prev_hash=prev, hash=new))
        prev = new
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")
    return len(rows)
