"""TOTP secrets at rest: sealed as keystore fields are (AES-GCM under the keystore key, key id beside).

A copy of the database alone then gives nobody a working second factor. A secret sealed under an
earlier key (PORTAL_KEYSTORE_OLD_KEYS, while `keys rotate` runs) still opens and is sealed again
under the current key at the next sign-in. Destroying the keystore key ends every authenticator:
each person sets up a new one after `users reset-2fa`.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from portal import registry
from portal.config import Settings
from portal.contacts.crypto import FieldCipher, KeystoreError
from portal.staff.models import StaffUser

FIELD = "totp"


def _cipher(settings: Settings) -> FieldCipher:
    return FieldCipher(settings.keystore_key, *settings.keystore_old_keys)


def seal(user_id: int, secret: str) -> str:
    return _cipher(registry.settings()).seal(secret, owner=f"staff:{user_id}", field=FIELD)


def opened(user: StaffUser) -> str | None:
    """The account's TOTP secret, or None if it has none or it does not open (its key is gone)."""
    if not user.totp_secret:
        return None
    cipher = _cipher(registry.settings())
    try:
        secret = cipher.open(user.totp_secret, owner=f"staff:{user.id}", field=FIELD)
    except KeystoreError:
        return None
    if not user.totp_secret.startswith(f"{cipher.current_key_id}:"):
        user.totp_secret = seal(user.id, secret)  # from an earlier key: now under the current one
    return secret


def seal_plain_secrets(connection: Connection, settings: Settings) -> int:
    """Seal the secrets stored in plain text before revision 0010 (base32 holds no ':')."""
    cipher, stored = _cipher(settings), StaffUser.totp_secret
    plain = select(StaffUser.id, stored).where(stored.is_not(None), ~stored.contains(":"))
    rows = connection.execute(plain).all()
    for user_id, secret in rows:
        sealed = cipher.seal(secret or "", owner=f"staff:{user_id}", field=FIELD)
        connection.execute(update(StaffUser).where(StaffUser.id == user_id).values(totp_secret=sealed))
    return len(rows)
