"""Delivery receipts from the SMS gateway, signed with PORTAL_SMS_RECEIPT_KEY.

The gateway POSTs JSON {"id": <its message id>, "status": "delivered" | "failed" | ...}
with `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. An undelivered
message becomes `bounced` and raises an alert for the coordinators.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue

import portal.registry as registry
from portal.db import db
from portal.families.models import Family, Invitation
from portal.messaging.contact_log import AttemptRow, attempts_for_family, record_receipt
from portal.wiring import csrf

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
    receipt = _parse(body)
    if receipt is None:
        return jsonify(error='expected JSON {"id": "...", "status": "..."}'), 400
    outcome = record_receipt(db.session, provider_id=receipt[0], status=receipt[1], now=registry.now())
    if outcome is None:
        return jsonify(error="unknown message id"), 404
    db.session.commit()
    return jsonify(recorded=outcome)


def _parse(body: bytes) -> tuple[str, str] | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    provider_id, status = data.get("id"), data.get("status")
    if not isinstance(provider_id, str | int) or not isinstance(status, str) or not str(provider_id):
        return None
    return str(provider_id)[:128], status.strip().lower()[:32]
