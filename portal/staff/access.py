"""Who may use which staff page: login required by default, roles declared per view.

A view without a declaration is refused to everyone, so a forgotten decorator
fails closed. The staff session keys all start with `staff_` so they never
collide with the parent pages' keys (`invitation`, `mode`, `entered_by`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.staff.models import StaffUser

F = TypeVar("F", bound=Callable[..., Any])

USER_KEY, SEEN_KEY, PENDING_KEY = "staff_user", "staff_seen", "staff_pending"
PUBLIC = "public"  # the sign-in pages
PENDING = "pending"  # the second-factor pages: password given, code not yet
IDLE = dt.timedelta(minutes=30)
# what an account given a one-time password may do before it chooses its own
PASSWORD_CHANGE_ALLOWS = frozenset({"staff.change_password", "staff.logout"})
PENDING_FOR = dt.timedelta(minutes=5)


def roles(*allowed: str) -> Callable[[F], F]:
    """Declare the roles that may use a view."""

    def mark(view: F) -> F:
        view.staff_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    view.staff_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def pending(view: F) -> F:
    view.staff_roles = PENDING  # type: ignore[attr-defined]
    return view


def guard() -> WerkzeugResponse | None:
    """Runs before every staff view."""
    view = current_app.view_functions.get(request.endpoint or "")
    allowed = getattr(view, "staff_roles", None)
    if allowed == PUBLIC:
        return None
    if allowed == PENDING:
        return None if pending_user() else redirect(url_for("staff.login"))
    user = signed_in_user()
    if user is None:
        return redirect(url_for("staff.login", expired="1" if session.get(SEEN_KEY) else None))
    if not allowed or user.role not in allowed:
        abort(403)
    g.staff_user = user
    if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ALLOWS:
        return redirect(url_for("staff.change_password"))
    return None


def signed_in_user() -> StaffUser | None:
    """The signed-in account, if its session is fresh; refreshes the idle timer."""
    now = registry.now()
    user_id, seen = session.get(USER_KEY), session.get(SEEN_KEY)
    if not isinstance(user_id, int) or not isinstance(seen, str):
        return None
    if now - dt.datetime.fromisoformat(seen) > current_app.config.get("STAFF_IDLE", IDLE):
        forget()
        session[SEEN_KEY] = seen  # kept only so the sign-in page can say why
        return None
    user = db.session.get(StaffUser, user_id)
    if user is None or not user.active or not user.totp_secret:
        forget()
        return None
    session[SEEN_KEY] = now.isoformat()
    return user


def pending_user() -> StaffUser | None:
    """The account that gave its password and must now give its second factor."""
    value = session.get(PENDING_KEY)
    if not isinstance(value, list) or len(value) != 2:
        return None
    user_id, since = value
    if registry.now() - dt.datetime.fromisoformat(since) > PENDING_FOR:
        return None
    user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.active else None


def begin_pending(user: StaffUser) -> None:
    forget()
    session[PENDING_KEY] = [user.id, registry.now().isoformat()]


def begin_session(user: StaffUser) -> None:
    forget()
    session[USER_KEY] = user.id
    session[SEEN_KEY] = registry.now().isoformat()
    session.permanent = True


def forget() -> None:
    for key in [k for k in session if k.startswith("staff_")]:
        session.pop(key)


def current_user() -> StaffUser:
    user: StaffUser = g.staff_user
    return user

