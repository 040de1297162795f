"""The few security primitives, in one place: link tokens, passwords, headers.

Link tokens are derived from the link key, the invitation and a generation
counter, so a reminder can carry the same link again without the database
ever holding it; only a keyed hash of the token is stored for the lookup.
Bumping the generation revokes every earlier link of that invitation.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Iterable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Request, abort, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

TOKEN_BYTES = 16  # 128 bits
TOKEN_LENGTH = 26  # base32 without padding


class LinkToken:
    """A parent's link secret. It refuses to be printed, logged or formatted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """For the one place that must show it: the message to the parent (or a CLI print)."""
        return self._value

    def __repr__(self) -> str:
        return "LinkToken(<hidden>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkToken) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)


def derive_token(link_key: bytes, invitation_id: int, generation: int) -> LinkToken:
    digest = hmac.new(link_key, f"token|{invitation_id}|{generation}".encode(), hashlib.sha256).digest()
    return LinkToken(base64.b32encode(digest[:TOKEN_BYTES]).decode().rstrip("=").lower())


def keyed_digest(key: bytes, purpose: str, value: str) -> str:
    """A keyed hash of `value` (hex), kept apart from other uses of the key by `purpose`."""
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def hash_token(link_key: bytes, token: str) -> str:
    return keyed_digest(link_key, "lookup", token.lower())


ACCESS_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: read aloud safely
ACCESS_CODE_LENGTH = 8


def derive_access_code(link_key: bytes, invitation_id: int, generation: int) -> LinkToken:
    """The short code a parent can type at /s when an SMS app mangled the link (40 bits)."""
    digest = hmac.new(link_key, f"code|{invitation_id}|{generation}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")
    chars = [ACCESS_CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(ACCESS_CODE_LENGTH)]
    return LinkToken("".join(chars[:4]) + "-" + "".join(chars[4:]))


def normalise_access_code(text: str) -> str:
    cleaned = text.strip().upper().replace("-", "").replace(" ", "").translate(str.maketrans("OIL", "011"))
    return cleaned


def hash_access_code(link_key: bytes, code: str) -> str:
    return keyed_digest(link_key, "code-lookup", normalise_access_code(code))


def client_address() -> str:
    """The address a request came from, as attempt limits count it. Behind PORTAL_TRUSTED_PROXIES
    proxies, Werkzeug's ProxyFix (configure_proxies) has put the client's own address here."""
    return request.remote_addr or "unknown"


def network_of(address: str) -> str:
    """What limits count as one place: an IPv4 address, or an IPv6 address's /64 (one household or
    phone gets a whole /64, and picks any address in it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def configure_proxies(app: Flask, trusted: int) -> None:
    """Trust the last `trusted` proxies' X-Forwarded-For and -Proto, and nothing more: with none
    trusted (the default) a client cannot choose the address its attempts are counted under."""
    if trusted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]


def looks_like_token(text: str) -> bool:
    return len(text) == TOKEN_LENGTH and text.isascii() and text.isalnum()


# Passwords -----------------------------------------------------------------

def password_hasher(cheap: bool = False) -> PasswordHasher:
    """argon2id; cheap parameters only for tests, where a real hash costs ~170 ms."""
    if cheap:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def verify_password(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# Headers -------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


PAGE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cache-Control", "no-store"),
)
STATIC_HEADERS = PAGE_HEADERS[:-1]  # the stylesheet may be cached


def configure_headers(app: Flask) -> None:
    """The same headers on every answer, pages and errors alike, in place of any the app set.
    A WSGI wrapper adds them to the list it hands the server: through Flask's Headers, seven
    assignments on every page cost ~3 % of a parent's page."""
    app.wsgi_app = _WithHeaders(app.wsgi_app, f"{app.static_url_path}/")  # type: ignore[method-assign]


class _WithHeaders:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], static_prefix: str) -> None:
        self.wsgi_app, self.static_prefix = wsgi_app, static_prefix
        self.page = PAGE_HEADERS, frozenset(name.lower() for name, _value in PAGE_HEADERS)
        self.static = STATIC_HEADERS, frozenset(name.lower() for name, _value in STATIC_HEADERS)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        static = environ.get("PATH_INFO", "").startswith(self.static_prefix)
        ours, names = self.static if static else self.page

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() not in names]
            return start_response(status, [*kept, *ours], exc_info)

        return self.wsgi_app(environ, start)


# Input every view can trust -----------------------------------------------------

class DatabaseInt(IntegerConverter):
    """`<int:...>` in a URL: a number the database's integer columns can hold (PostgreSQL refuses more)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def configure_input_checks(app: Flask) -> None:
    """Ids in URLs that fit an integer column; no NUL byte in a form, query or path (no person types
    one, and PostgreSQL cannot store it); no body that was cut at the size limit."""
    app.url_map.converters["int"] = DatabaseInt

    @app.before_request
    def _refuse_bad_input() -> None:
        environ = request.environ  # most requests have no query, no body: nothing to parse
        if environ.get("HTTP_TRANSFER_ENCODING"):
            _refuse_cut_chunked_body(app)
        if "\x00" in request.path:
            abort(404)  # no page has such an address; a parent's link with one gets the neutral page
        if environ.get("QUERY_STRING") and _any_nul(request.args):
            abort(400)
        if environ.get("CONTENT_TYPE") and request.mimetype in FORM_TYPES and _any_nul(request.form):
            abort(400)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _any_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _refuse_cut_chunked_body(app: Flask) -> None:
    """A chunked body has no length to check up front, and werkzeug silently cuts it at
    MAX_CONTENT_LENGTH: a body that reaches the limit may have lost its end, so it is refused whole."""
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is not None or limit is None:
        return
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower() and len(request.get_data()) >= limit:
        abort(413)


# Form tokens ------------------------------------------------------------------------

CSRF_FIELD = "csrf_token"  # Flask-WTF's name: the form field, the session key and g's attribute


WTF_SALT = "wtf-csrf-token"  # what Flask-WTF signs its form tokens with (flask_wtf.csrf.generate_csrf)


class FormTokens(CSRFProtect):
    """Flask-WTF's CSRF protection, each form token signed once a minute per session and its
    signature checked once per worker.

    Signing: Flask-WTF signs the session's raw token afresh for every page, ~3 % of a parent's page.
    A token signed a moment ago for the same raw token is as good (same key, same raw token, and the
    raw token is the session's own); it only expires up to REUSE seconds before Flask-WTF's time
    limit (an hour).

    Checking: Flask-WTF unsigns the token (base64, JSON, two HMACs) on every form sent, ~8-9 % of a
    parent's page save. A token is text that never changes: once its signature is good, what it
    carries (the session's raw token, when it was signed) is kept by its exact value, and every use
    is checked again against this session's raw token and the time limit, as Flask-WTF checks them.
    A token signed here is kept at once, so its first use costs no unsigning either. A token this
    cannot read or accept (forged, expired, another session's, or a Flask-WTF that signs another
    way) goes to Flask-WTF's own check, which refuses it with its reason or accepts it.
    """

    REUSE = 60.0  # seconds
    KEPT_MAX = 4096

    def __init__(self) -> None:
        super().__init__()
        self.signed: dict[str, tuple[str, float]] = {}  # raw token -> (token, when signed: monotonic)
        self.kept: dict[str, tuple[str, int]] = {}  # token -> (raw token, signed at in Unix seconds)

    def for_page(self) -> str:
        """The token for a page's forms: the templates' csrf_token()."""
        raw = session.get(CSRF_FIELD)
        signed = self.signed.get(raw) if isinstance(raw, str) else None
        if signed is not None and time.monotonic() - signed[1] < self.REUSE:
            setattr(g, CSRF_FIELD, signed[0])  # where generate_csrf() keeps the request's token
            return signed[0]
        token: str = generate_csrf()
        if len(self.signed) >= self.KEPT_MAX:
            self.signed.clear()
        self.signed[session[CSRF_FIELD]] = (token, time.monotonic())
        self._read(token)
        return token

    def protect(self, apply_exemptions: bool = False) -> None:
        checked = request.method in current_app.config["WTF_CSRF_METHODS"]
        token = request.form.get(CSRF_FIELD) if checked else None
        if token and self._good(token):
            g.csrf_valid = True  # as Flask-WTF marks a request it has checked
            return
        super().protect(apply_exemptions)

    def _good(self, token: str) -> bool:
        raw = session.get(CSRF_FIELD)
        if not isinstance(raw, str):
            return False
        kept = self.kept.get(token) or self._read(token)
        if kept is None:
            return False
        limit = current_app.config["WTF_CSRF_TIME_LIMIT"]
        age = int(time.time()) - kept[1]  # itsdangerous's own measure: whole seconds
        return hmac.compare_digest(raw, kept[0]) and age >= 0 and (limit is None or age <= limit)

    def _read(self, token: str) -> tuple[str, int] | None:
        """Read a token whose signature is good and keep what it carries; None for any other."""
        secret: str | bytes = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key or b""
        try:
            raw, signed_at = URLSafeTimedSerializer(secret, salt=WTF_SALT).loads(token, return_timestamp=True)
        except BadData:
            return None
        if not isinstance(raw, str):
            return None
        if len(self.kept) >= self.KEPT_MAX:
            self.kept.clear()
        self.kept[token] = (raw, int(signed_at.timestamp()))
        return self.kept[token]


def configure_csrf(app: Flask, csrf: FormTokens) -> None:
    # Flask-WTF also wants a same-origin Referer on https requests. Our pages ask browsers to send
    # none (Referrer-Policy: no-referrer: tokens are in URLs), and a form sent under that policy
    # carries `Origin: null`; with the check on, every form behind TLS was refused.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    csrf.init_app(app)
    app.context_processor(lambda: {"csrf_token": csrf.for_page})  # in place of Flask-WTF's, registered before


# Sessions ---------------------------------------------------------------------------

class SignedSession(SecureCookieSession):
    signed_at: dt.datetime | None = None  # when the cookie it came from was signed


class RenewingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, re-signed only once half of a permanent session's lifetime has passed,
    and its signature checked once per cookie value.

    Re-signing on every response cost a serialisation and an HMAC on every page. The signature's
    timestamp still bounds the session: one left idle for the whole lifetime ends, one in use is
    renewed before it gets there. So a parent's idle session now ends between one and two hours
    after their last page (it was exactly two). A changed session is saved at once, as before (so
    the staff idle timer, which is written on every staff page, keeps working).

    A browser sends the same cookie with every page until it changes, and unsigning it (base64,
    zlib, JSON, HMAC) cost ~4 % of a parent's page: what a valid cookie says is kept, by its exact
    value, and only its age is checked again on each request.
    """

    session_class = SignedSession
    VERIFIED_MAX = 4096  # cookies kept per worker; about a session's worth of busy parents

    def __init__(self) -> None:
        self.verified: dict[str, tuple[dict[str, Any], dt.datetime]] = {}

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        known = self.verified.get(value) if value else None
        if known is None and value:
            known = self._unsign(app, value)
        if known is None or dt.datetime.now(dt.UTC) - known[1] > app.permanent_session_lifetime:
            return self.session_class()
        data, signed_at = known
        session = self.session_class(_thawed(data))
        session.signed_at = signed_at
        return session

    def _unsign(self, app: Flask, value: str) -> tuple[dict[str, Any], dt.datetime] | None:
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            known: tuple[dict[str, Any], dt.datetime] = serializer.loads(value, return_timestamp=True)
        except BadSignature:
            return None
        if len(self.verified) >= self.VERIFIED_MAX:
            self.verified.clear()
        self.verified[value] = known
        return known

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or dt.datetime.now(dt.UTC) - signed_at >= app.permanent_session_lifetime / 2


def _thawed(data: dict[str, Any]) -> dict[str, Any]:
    """A kept cookie's values for one request: lists and dicts copied, so no request changes another's."""
    return {key: copy.deepcopy(value) if isinstance(value, list | dict) else value
            for key, value in data.items()}
