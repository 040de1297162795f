"""Backup files sealed with PORTAL_BACKUP_KEY: AES-256-GCM in chunks, owner-only (0600).

A backup holds staff e-mails, password hashes and sealed TOTP secrets (and, for the keystore,
sealed contacts), so it is written encrypted and authenticated. Each file gets a key of its own
(HKDF from the backup key and the file's random id), so chunk numbers can serve as nonces; the
last chunk is marked, so a file cut short does not open. Restore opens the whole file before it
changes anything.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PORTAL-BACKUP-1\n"
CHUNK = 1 << 20
TAG = 16
ID_BYTES = 16


class SealedFileError(Exception):
    """A file that is not a sealed backup of this store, or does not open with this key."""


def _aead(key: bytes, file_id: bytes) -> AESGCM:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=file_id, info=b"portal backup chunks")
    return AESGCM(kdf.derive(key))


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _header(store: str, file_id: bytes) -> bytes:
    return MAGIC + store.encode().ljust(16, b" ") + file_id


def _blocks(handle: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """The file's blocks of `size` bytes, each with whether it is the last (an empty file gives one)."""
    block = handle.read(size)
    while True:
        following = handle.read(size)
        yield block, not following
        if not following:
            return
        block = following


def seal_file(key: bytes, store: str, plain: Path, out: Path) -> None:
    """Write `plain` sealed into the new file `out` (refused if it exists), mode 0600."""
    file_id = secrets.token_bytes(ID_BYTES)
    header, aead = _header(store, file_id), _aead(key, file_id)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sealed, plain.open("rb") as source:
        sealed.write(header)
        for index, (block, last) in enumerate(_blocks(source, CHUNK)):
            sealed.write(aead.encrypt(_nonce(index, last), block, header))


def open_file(key: bytes, store: str, sealed: Path, out: Path) -> None:
    """Write what `sealed` holds into the new file `out` (0600); SealedFileError if any of it fails."""
    with sealed.open("rb") as source:
        header = source.read(len(MAGIC) + 16 + ID_BYTES)
        if not header.startswith(MAGIC) or len(header) < len(MAGIC) + 16 + ID_BYTES:
            raise SealedFileError("the file is not a backup made by `flask backup`")
        if header[len(MAGIC):len(MAGIC) + 16].decode(errors="replace").strip() != store:
            raise SealedFileError(f"the file is not a backup of the {store} store")
        aead = _aead(key, header[-ID_BYTES:])
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as plain:
            for index, (block, last) in enumerate(_blocks(source, CHUNK + TAG)):
                try:
                    plain.write(aead.decrypt(_nonce(index, last), block, header))
                except InvalidTag:
                    raise SealedFileError("the backup does not open: another PORTAL_BACKUP_KEY, "
                                          "or the file was changed or cut short") from None
