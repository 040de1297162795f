"""The few security primitives, in one place: link tokens, passwords, headers.

Link tokens are derived from the link key, the invitation and a generation
counter, so a reminder can carry the same link again without the database
ever holding it; only a keyed hash of the token is stored for the lookup.
Bumping the generation revokes every earlier link of that invitation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, abort, request
from flask_wtf.csrf import CSRFProtect
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
    """argon2id; cheap parameters only for tests, where a real hash is slow on purpose."""
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


HSTS = ("Strict-Transport-Security", "max-age=31536000")  # a year; browsers then refuse plain http


def configure_headers(app: Flask, hsts: bool = True) -> None:
    """The same headers on every answer, pages and errors alike. A view that sets one of them keeps
    its own value. HSTS unless the portal runs over plain http on purpose (PORTAL_ENV=development)."""
    extra = (HSTS,) if hsts else ()
    pages, static = PAGE_HEADERS + extra, STATIC_HEADERS + extra

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in static if request.endpoint == "static" else pages:
            response.headers.setdefault(name, value)
        return response


# Input every view can trust -----------------------------------------------------

class DatabaseInt(IntegerConverter):
    """`<int:...>` in a URL: a number the database's integer columns can hold (PostgreSQL refuses more)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


# endpoint -> the largest body it takes, where that is more than MAX_CONTENT_LENGTH (a file upload);
# set before any hook reads the form, so the check below and the form token see the whole body
BODY_LIMITS: dict[str, int] = {}


def configure_input_checks(app: Flask) -> None:
    """Ids in URLs that fit an integer column; no NUL byte in a form, query or path (no person types
    one, and PostgreSQL cannot store it); no body that was cut at the size limit."""
    app.url_map.converters["int"] = DatabaseInt

    @app.before_request
    def _refuse_bad_input() -> None:
        if request.endpoint in BODY_LIMITS:
            request.max_content_length = BODY_LIMITS[request.endpoint]
        environ = request.environ  # most requests have no query, no body: nothing to parse
        _refuse_too_large_body()
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


# nginx's client_max_body_size in deploy/nginx/family-portal.conf: no larger body reaches the app
PROXY_BODY_LIMIT = 8 * 1024 * 1024


def _refuse_too_large_body() -> None:
    """A body over the limit is refused with the app's own 413 page, read to its end first.

    gunicorn closes a kept-alive connection that still holds more than 64 KiB of a body the app
    did not read, and nginx, still sending that body, then shows its own 502 page instead of
    ours. Reading what the proxy let through (never more than its limit) keeps the connection.
    """
    length, limit = request.content_length, request.max_content_length
    if length is None or limit is None or length <= limit:
        return
    if length <= PROXY_BODY_LIMIT:
        stream = request.environ["wsgi.input"]
        while stream.read(64 * 1024):
            pass
    abort(413)


def _refuse_cut_chunked_body(app: Flask) -> None:
    """A chunked body has no length to check up front, and werkzeug silently cuts it at
    MAX_CONTENT_LENGTH: a body that reaches the limit may have lost its end, so it is refused whole."""
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is not None or limit is None:
        return
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower() and len(request.get_data()) >= limit:
        abort(413)


# Form tokens ------------------------------------------------------------------------

def configure_csrf(app: Flask, csrf: CSRFProtect) -> None:
    # Flask-WTF also wants a same-origin Referer on https requests. Our pages ask browsers to send
    # none (Referrer-Policy: no-referrer: tokens are in URLs), and a form sent under that policy
    # carries `Origin: null`; with the check on, every form behind TLS was refused.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    csrf.init_app(app)
