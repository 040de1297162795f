"""Who may use which staff page: login required by default, roles declared per view.

A view without a declaration is refused to everyone, so a forgotten decorator
fails closed. The staff session keys all start with `staff_` so they never
collide with the parent pages' keys (`invitation`, `mode`, `entered_by`).

The cookie alone does not keep a session alive: it carries the account's session
epoch from sign-in, and every staff request compares it with the account's row.
Signing out, a password change, a second-factor reset, a role change and disabling
raise the epoch (portal.staff.accounts), so every cookie of the account, saved
copies included, stops working. A session also ends after IDLE without a page and
ABSOLUTE after sign-in, however busy.
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
SINCE_KEY, EPOCH_KEY = "staff_since", "staff_epoch"
PUBLIC = "public"  # the sign-in pages
PENDING = "pending"  # the second-factor pages: password given, code not yet
IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
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
    user_id, seen, since, epoch = (session.get(key) for key in (USER_KEY, SEEN_KEY, SINCE_KEY, EPOCH_KEY))
    if not (isinstance(user_id, int) and isinstance(epoch, int) and isinstance(seen, str)
            and isinstance(since, str)):
        return None
    idle = now - dt.datetime.fromisoformat(seen) > current_app.config.get("STAFF_IDLE", IDLE)
    if idle or now - dt.datetime.fromisoformat(since) > current_app.config.get("STAFF_ABSOLUTE", ABSOLUTE):
        forget()
        session[SEEN_KEY] = seen  # kept only so the sign-in page can say why
        return None
    user = db.session.get(StaffUser, user_id)
    if user is None or not user.active or not user.totp_secret or user.session_epoch != epoch:
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
    now = registry.now().isoformat()
    session.update({USER_KEY: user.id, SEEN_KEY: now, SINCE_KEY: now, EPOCH_KEY: user.session_epoch})
    session.permanent = True


def keep_session(user: StaffUser) -> None:
    """After the account's other sessions were ended on purpose here (a new password), this one goes on."""
    session[EPOCH_KEY] = user.session_epoch


def forget() -> None:
    for key in [k for k in session if k.startswith("staff_")]:
        session.pop(key)


def current_user() -> StaffUser:
    user: StaffUser = g.staff_user
    return user

