"""SMS through an HTTP gateway: one generic JSON webhook behind the Transport interface.

POST {url} with `Authorization: Bearer {token}` and `Idempotency-Key`, body
{"to", "from", "text", "reference"}; a 2xx answer with {"id": ...} means accepted.
Delivery receipts come back to /messaging/receipts/sms (see receipts.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from portal.config import SmsSettings
from portal.messaging.transports import Outgoing, TransportError, TransportRefused

TIMEOUT = 20


class WebhookSms:
    channel = "sms"

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> str:
        payload = {"to": message.to, "from": self.settings.sender, "text": message.body,
                   "reference": message.idempotency_key}
        request = urllib.request.Request(
            self.settings.url, data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.settings.token}",
                     "Idempotency-Key": message.idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (configured URL)
                return _provider_id(answer.read())
        except urllib.error.HTTPError as error:
            error.close()  # it holds the answer's socket; the sending thread's future would keep it open
            raise _by_status(error.code) from None
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(f"SMS gateway unreachable ({type(error).__name__})") from None

    def close(self) -> None:
        """Each request is its own connection; nothing to end."""


def _provider_id(raw: bytes) -> str:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise TransportError("SMS gateway answered with something that is not JSON") from None
    provider_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(provider_id, str | int) or not str(provider_id):
        raise TransportError("SMS gateway accepted but gave no message id")
    return str(provider_id)[:128]


def _by_status(status: int) -> TransportError:
    if status in (408, 425, 429) or status >= 500:
        return TransportError(f"SMS gateway HTTP {status}, try again later")
    if status in (401, 403):
        return TransportError(f"SMS gateway HTTP {status}: check PORTAL_SMS_TOKEN")
    return TransportRefused(f"SMS gateway HTTP {status}: message refused")
