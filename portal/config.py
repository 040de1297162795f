"""Typed, frozen settings read from PORTAL_* environment variables.

One secret per purpose, so that a leak of one (say the session key in a
crash report) does not also open the keystore or forge parent links.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The data the portal ships (studies/, instruments/, migrations/, translations/) sits beside the
# package in a repository checkout; a built package carries it inside, in portal/shipped/ (setup.py).
_PACKED = Path(__file__).resolve().parent / "shipped"
DATA_ROOT = _PACKED if _PACKED.is_dir() else PROJECT_ROOT


class ConfigError(SystemExit):
    """A setting that stops the start. Exits with one line, never a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(f"portal: {message}")
        self.message = message

    def __str__(self) -> str:
        return self.message


# name of the setting -> (environment variable, what it protects)
SECRETS = {
    "secret_key": ("PORTAL_SECRET_KEY", "staff sessions and CSRF"),
    "link_key": ("PORTAL_LINK_KEY", "parent link tokens"),
    "keystore_key": ("PORTAL_KEYSTORE_KEY", "keystore encryption (32 bytes, base64)"),
    "blind_index_key": ("PORTAL_BLIND_INDEX_KEY", "keystore lookups"),
    "audit_key": ("PORTAL_AUDIT_KEY", "the audit trail's keyed hashes"),
    "backup_key": ("PORTAL_BACKUP_KEY", "backup encryption (32 bytes, base64)"),
}
MIN_SECRET_BYTES = 32
ALLOCATION_KEY = "PORTAL_ALLOCATION_KEY"  # optional: only a study the portal allocates needs it


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    security: str  # none | starttls | tls
    sender: str
    rate: float  # messages per second; 0 for no limit


@dataclass(frozen=True, slots=True)
class SmsSettings:
    url: str  # the gateway's JSON webhook
    token: str = field(repr=False)
    sender: str
    receipt_key: bytes | None = field(repr=False)  # signs delivery receipts; None refuses them all


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    database_url: str
    keystore_url: str
    secret_key: bytes
    link_key: bytes
    keystore_key: bytes
    blind_index_key: bytes
    audit_key: bytes
    backup_key: bytes
    keystore_old_keys: tuple[bytes, ...] = field(repr=False)  # still readable, while `keys rotate` runs
    study_file: Path
    instruments_path: str | None
    base_url: str
    smtp: SmtpSettings
    sms: SmsSettings | None  # None: no SMS gateway, messages go by e-mail
    send_connections: int  # messages a dispatcher hands over at once, each on its own connection
    trusted_proxies: int  # proxies in front that each append to X-Forwarded-For (0: none trusted)
    # HSTS and Secure, __Host- cookies: off only where PORTAL_ENV=development (or test) was set on
    # purpose, so a forgotten variable fails closed
    secure_transport: bool
    instance_path: Path  # development secrets, the SQLite file, the audit trail's anchors
    metrics_allow: tuple[IPNetwork, ...]  # who may read /metrics (PORTAL_METRICS_ALLOW)
    # seals the allocation sequence's places; kept outside the database. None: the portal cannot allocate
    allocation_key: bytes | None = field(default=None, repr=False)

    @property
    def production(self) -> bool:
        return self.env == "production"

    def __repr__(self) -> str:
        # Never print a secret (nor an old key), even in a debugger or a crash report.
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in SECRETS and f.repr}
        return f"Settings({shown})"


def load_settings(
    environ: Mapping[str, str] | None = None, instance_path: Path | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    mode = env.get("PORTAL_ENV", "development")
    if mode not in ("development", "production", "test"):
        raise ConfigError(f"PORTAL_ENV must be development, production or test, not {mode!r}")
    instance = instance_path or PROJECT_ROOT / "instance"
    default_db = f"sqlite:///{instance / 'portal.sqlite3'}"
    database_url = check_database_url("PORTAL_DATABASE_URL", env.get("PORTAL_DATABASE_URL", default_db))
    keystore_url = check_database_url("PORTAL_KEYSTORE_URL", env.get("PORTAL_KEYSTORE_URL", database_url))
    keys = _read_secrets(env, mode, instance)
    return Settings(
        env=mode,
        database_url=database_url,
        keystore_url=keystore_url,
        study_file=Path(env.get("PORTAL_STUDY_FILE", DATA_ROOT / "studies" / "family-partner.yaml")),
        instruments_path=env.get("PORTAL_INSTRUMENTS_PATH") or None,
        keystore_old_keys=_old_keys(env),
        base_url=env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        smtp=_smtp_settings(env, mode),
        sms=_sms_settings(env, mode),
        send_connections=_number(env, "PORTAL_SEND_CONNECTIONS", "4", int, 1, 32),
        trusted_proxies=_number(env, "PORTAL_TRUSTED_PROXIES", "0", int, 0, 5),
        secure_transport=env.get("PORTAL_ENV") not in ("development", "test"),
        instance_path=instance,
        metrics_allow=_networks(env, "PORTAL_METRICS_ALLOW", "127.0.0.1,::1"),
        allocation_key=_allocation_key(env, mode, instance),
        **keys,
    )


def _old_keys(env: Mapping[str, str]) -> tuple[bytes, ...]:
    """PORTAL_KEYSTORE_OLD_KEYS: earlier keystore keys, comma-separated, kept until rotation ends."""
    raw = env.get("PORTAL_KEYSTORE_OLD_KEYS", "")
    return tuple(_decode("PORTAL_KEYSTORE_OLD_KEYS", part.strip()) for part in raw.split(",") if part.strip())


def _smtp_settings(env: Mapping[str, str], mode: str) -> SmtpSettings:
    """Defaults fit a development mail catcher on 127.0.0.1:8025 (aiosmtpd, mailpit)."""
    security = env.get("PORTAL_SMTP_SECURITY", "none")
    if security not in ("none", "starttls", "tls"):
        raise ConfigError(f"PORTAL_SMTP_SECURITY must be none, starttls or tls, not {security!r}")
    host = env.get("PORTAL_SMTP_HOST", "127.0.0.1")
    if mode == "production" and security == "none" and host not in ("127.0.0.1", "::1", "localhost"):
        raise ConfigError("PORTAL_SMTP_SECURITY=none sends mail unencrypted; use starttls or tls "
                          "(none only for a relay on this machine)")
    return SmtpSettings(
        host=host, port=_number(env, "PORTAL_SMTP_PORT", "8025", int, 1, 65535),
        user=env.get("PORTAL_SMTP_USER", ""), password=env.get("PORTAL_SMTP_PASSWORD", ""),
        security=security, sender=env.get("PORTAL_SMTP_FROM", "portal@localhost"),
        rate=_number(env, "PORTAL_SMTP_RATE", "0", float, 0, 100_000),
    )


def _sms_settings(env: Mapping[str, str], mode: str) -> SmsSettings | None:
    url = env.get("PORTAL_SMS_URL", "")
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise ConfigError("PORTAL_SMS_URL must be the gateway's http(s):// address")
    token, sender = env.get("PORTAL_SMS_TOKEN", ""), env.get("PORTAL_SMS_SENDER", "")
    if mode == "production" and not (url.startswith("https://") and token and sender):
        raise ConfigError("with PORTAL_SMS_URL set, production needs an https:// URL, "
                          "PORTAL_SMS_TOKEN and PORTAL_SMS_SENDER")
    variable, purpose = "PORTAL_SMS_RECEIPT_KEY", "signatures on SMS delivery receipts"
    if mode == "production":
        receipt_key: bytes | None = _production_secret(env, variable, purpose)
    else:
        receipt_key = _decode(variable, env[variable]) if env.get(variable) else None
    return SmsSettings(url=url, token=token, sender=sender or "Study", receipt_key=receipt_key)


def _networks(env: Mapping[str, str], variable: str, default: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (`127.0.0.1,10.0.0.0/24`); empty allows nobody."""
    raw = env.get(variable, default)
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ConfigError(f"{variable} must be addresses or networks like 10.0.0.5,10.1.0.0/24: {error}") \
            from None


def _number(env: Mapping[str, str], variable: str, default: str, kind: type[float], low: float,
            high: float) -> Any:
    raw = env.get(variable, default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{variable} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{variable} must be between {low:g} and {high:g}, not {raw}")
    return value


def check_database_url(variable: str, url: str) -> str:
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise ConfigError(
            f"{variable} is not a database URL this portal can use "
            f"(expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB): {error}"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"{variable} must point to SQLite or PostgreSQL, not {parsed.drivername}")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # each pool (the readers have their own) would see a database of its own, and it is lost on exit
        raise ConfigError(f"{variable} must name a SQLite file (sqlite:///PATH), not an in-memory database")
    return url


def _read_secrets(env: Mapping[str, str], mode: str, instance: Path) -> dict[str, bytes]:
    if mode == "production":
        return {name: _production_secret(env, var, why) for name, (var, why) in SECRETS.items()}
    stored = _development_secrets(instance)
    return {
        name: _decode(var, env[var]) if env.get(var) else stored[name]
        for name, (var, _why) in SECRETS.items()
    }


def _allocation_key(env: Mapping[str, str], mode: str, instance: Path) -> bytes | None:
    """Optional: a study whose arms come from its own randomisation service needs none. Development
    makes one beside the other secrets (a file of its own, so older secrets files keep working)."""
    if env.get(ALLOCATION_KEY):
        return _production_secret(env, ALLOCATION_KEY, "the sealed allocation sequence")
    if mode == "production":
        return None
    path = instance / "allocation.key"
    instance.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = base64.b64encode(secrets.token_bytes(32)).decode()
        _write_private(instance, fresh, lambda written: _link_if_absent(written, path))
    return base64.b64decode(path.read_text().strip())


def _production_secret(env: Mapping[str, str], variable: str, purpose: str) -> bytes:
    raw = env.get(variable, "")
    if not raw:
        raise ConfigError(f"{variable} is not set ({purpose}); production needs every secret")
    value = _decode(variable, raw)
    if len(value) < MIN_SECRET_BYTES or len(set(value)) < 8:
        raise ConfigError(
            f"{variable} is too weak: give at least {MIN_SECRET_BYTES} random bytes, base64-encoded "
            f"(python -c 'import secrets,base64;print(base64.b64encode(secrets.token_bytes(32)).decode())')"
        )
    return value


def _decode(variable: str, raw: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{variable} must be base64-encoded random bytes") from None


def _development_secrets(instance: Path) -> dict[str, bytes]:
    """Generate the development secrets once, so the demo survives restarts.

    Workers starting together race to make them: each writes a whole file of its own and links it
    into place, which only the first link does; so none ever reads the file half-written.
    """
    path = instance / "secrets.json"
    instance.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = {name: base64.b64encode(secrets.token_bytes(32)).decode() for name in SECRETS}
        _write_private(instance, json.dumps(fresh), lambda written: _link_if_absent(written, path))
    stored = json.loads(path.read_text())
    if any(name not in stored for name in SECRETS):  # made before a newer secret existed: add it
        for name in SECRETS:
            stored.setdefault(name, base64.b64encode(secrets.token_bytes(32)).decode())
        _write_private(instance, json.dumps(stored), lambda written: os.replace(written, path))
    return {name: base64.b64decode(stored[name]) for name in SECRETS}


def _link_if_absent(written: Path, path: Path) -> None:
    with contextlib.suppress(FileExistsError):  # another worker's secrets came first: all use those
        os.link(written, path)


def _write_private(instance: Path, text: str, place: Callable[[Path], None]) -> None:
    """Write `text` to a new owner-only file beside the secrets, hand it to `place`, then drop the name."""
    fd, name = tempfile.mkstemp(dir=instance, prefix=".secrets-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        place(Path(name))
    finally:
        Path(name).unlink(missing_ok=True)  # gone already when `place` moved it


def forget_development_key(instance: Path) -> None:
    """Replace the development keystore keys: whatever they sealed can never be opened again."""
    path = instance / "secrets.json"
    if not path.exists():
        return
    stored = json.loads(path.read_text())
    for name in ("keystore_key", "blind_index_key"):
        stored[name] = base64.b64encode(secrets.token_bytes(32)).decode()
    _write_private(path.parent, json.dumps(stored), lambda written: os.replace(written, path))
