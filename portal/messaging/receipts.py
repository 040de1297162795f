"""Delivery receipts from the SMS gateway, signed with PORTAL_SMS_RECEIPT_KEY.

The gateway POSTs JSON {"id": <its message id>, "status": "delivered" | "failed" | ...,
"at": <when it sent the receipt, Unix seconds>} with `X-Signature: sha256=<hex HMAC-SHA256 of
the raw body>`. A receipt older than FRESH (or from the future) is refused, and so is one taken
before: a captured receipt cannot be sent again. An undelivered message becomes `bounced` and
raises an alert for the coordinators.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import portal.registry as registry
from portal.db import db
from portal.families.models import Family, Invitation
from portal.messaging.contact_log import AttemptRow, attempts_for_family, record_receipt
from portal.messaging.models import SmsReceiptSeen
from portal.wiring import csrf

FRESH = dt.timedelta(minutes=5)
messaging = Blueprint("messaging", __name__, url_prefix="/messaging")


@messaging.app_template_global("contact_attempts")
def contact_attempts(family: Family) -> list[tuple[Invitation, list[AttemptRow]]]:
    """For staff/_contact_attempts.html: the family's invitations with their contact attempts."""
    return attempts_for_family(db.session, family, registry.protocol().timezone)


def signature_ok(key: bytes, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


@messaging.post("/receipts/sms")
@csrf.exempt
def sms_receipt() -> ResponseReturnValue:
    sms = registry.settings().sms
    if sms is None or sms.receipt_key is None:
        abort(404)
    body = request.get_data(cache=False)
    if not signature_ok(sms.receipt_key, body, request.headers.get("X-Signature", "")):
        return jsonify(error="signature does not match"), 403
    receipt, now = _parse(body), registry.now()
    if receipt is None:
        return jsonify(error='expected JSON {"id": "...", "status": "...", "at": <Unix seconds>}'), 400
    if abs(now - receipt[2]) > FRESH:
        return jsonify(error="receipt too old (or its time is wrong)"), 409
    if not _first_time(db.session, body, receipt[2], now):
        return jsonify(error="receipt seen before"), 409
    outcome = record_receipt(db.session, provider_id=receipt[0], status=receipt[1], now=now)
    if outcome is None:
        return jsonify(error="unknown message id"), 404
    db.session.commit()
    return jsonify(recorded=outcome)


def _first_time(session: Session, body: bytes, at: dt.datetime, now: dt.datetime) -> bool:
    """Note the receipt as taken; False if it was taken before. Notes older than FRESH go."""
    session.execute(delete(SmsReceiptSeen).where(SmsReceiptSeen.at < now - 2 * FRESH))
    digest = hashlib.sha256(body).hexdigest()
    if session.scalar(select(SmsReceiptSeen.id).where(SmsReceiptSeen.digest == digest)) is not None:
        return False
    session.add(SmsReceiptSeen(digest=digest, at=at))
    session.flush()
    return True


def _parse(body: bytes) -> tuple[str, str, dt.datetime] | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    provider_id, status, at = data.get("id"), data.get("status"), data.get("at")
    if not isinstance(provider_id, str | int) or not isinstance(status, str) or not str(provider_id):
        return None
    if not isinstance(at, int) or isinstance(at, bool) or not 0 < at < 2**40:
        return None
    return str(provider_id)[:128], status.strip().lower()[:32], dt.datetime.fromtimestamp(at, dt.UTC)
