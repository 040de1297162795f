"""Field-level encryption and blind indexes for the keystore.

Each value is sealed with AES-GCM under the current key; the key id is stored
beside the ciphertext so keys can rotate. The associated data binds a value
to its respondent and field, so a ciphertext copied to another row fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeystoreError(Exception):
    """A sealed value could not be opened (wrong key, tampered or moved row)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"portal keystore key id|" + key).hexdigest()[:12]


class FieldCipher:
    def __init__(self, current: bytes, *older: bytes) -> None:
        if len(current) != 32:
            raise ValueError("the keystore key must be 32 bytes (AES-256)")
        self._current_id = key_id(current)
        self._keys = {key_id(k): AESGCM(k) for k in (current, *older)}

    def seal(self, plaintext: str, *, owner: str, field: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._current_id].encrypt(nonce, plaintext.encode(), _aad(owner, field))
        return f"{self._current_id}:{base64.b64encode(nonce + sealed).decode()}"

    @property
    def current_key_id(self) -> str:
        return self._current_id

    def open(self, stored: str, *, owner: str, field: str) -> str:
        kid, _, payload = stored.partition(":")
        aead = self._keys.get(kid)
        if aead is None:
            raise KeystoreError(f"keystore value sealed with unknown key id {kid}")
        raw = base64.b64decode(payload)
        try:
            return aead.decrypt(raw[:12], raw[12:], _aad(owner, field)).decode()
        except InvalidTag:
            raise KeystoreError(f"keystore {field} does not open: tampered or moved") from None


def _aad(owner: str, field: str) -> bytes:
    return f"{owner}|{field}".encode()


def blind_index(key: bytes, field: str, normalised: str) -> str:
    """A keyed hash for equality lookups, useless without the key."""
    return hmac.new(key, f"{field}|{normalised}".encode(), hashlib.sha256).hexdigest()
