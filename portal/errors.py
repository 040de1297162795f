"""Error pages for the whole app: a plain page in the reader's world, never a stack trace.

Parent-facing addresses get the neutral page in the parent's language (an
unknown address looks like an unknown link); the workspace and the analyst's
pages get a short page in the staff member's language (portal.staff.error_words);
the SMS gateway's endpoint gets JSON.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.db import db

errors = Blueprint("errors", __name__)

STAFF_PREFIXES = ("/staff", "/analysis")
NEUTRAL_CODES = (404, 405)  # an address that does not exist looks like a link that does not work


@errors.app_errorhandler(HTTPException)
def error_page(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if code >= 500:
        _forget_failed_work()
    # keep what the error says for clients (Allow on a 405, Retry-After), not its own body's type
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if request.path.startswith("/messaging/"):
        return {"error": error.name}, code, headers
    if request.path.startswith(STAFF_PREFIXES):
        from portal.staff import error_words  # the staff package imports the app's parts; not at start-up

        return error_words.page(code, csrf=isinstance(error, CSRFError)), code, headers
    return _parent_page(code), code, headers


def _parent_page(code: int) -> str:
    from portal.respond.blueprint import render

    if code in NEUTRAL_CODES:
        g.pop("locale", None)
        return render("respond/neutral.html")
    return render("respond/trouble.html")


def _forget_failed_work() -> None:
    """After a crash the session may hold a half-done transaction: drop it, and show no account menu."""
    g.pop("staff_user", None)
    with contextlib.suppress(SQLAlchemyError):  # the database itself is gone; the page needs none of it
        db.rollback()
