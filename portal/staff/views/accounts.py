"""The data manager's account list: disable an account or reset its second factor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.staff import access, accounts, allocation
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import _
from portal.staff.models import StaffUser


@staff.get("/users")
@roles("admin")
def users() -> str:
    return render_template(
        "staff/users.html", users=accounts.listing(db.session), balance=allocation.site_balance(db.session),
        me=access.current_user(),
    )


@staff.post("/users/<int:user_id>/disable")
@roles("admin")
def disable_user(user_id: int) -> WerkzeugResponse:
    user = _other_account(user_id)
    accounts.disable(db.session, user, actor=access.current_user().actor, now=registry.now())
    db.session.commit()
    flash(_("%(email)s can no longer sign in.", email=user.email))
    return redirect(url_for("staff.users"))


@staff.post("/users/<int:user_id>/reset-2fa")
@roles("admin")
def reset_user_2fa(user_id: int) -> WerkzeugResponse:
    user = _other_account(user_id)
    accounts.reset_second_factor(db.session, user, actor=access.current_user().actor, now=registry.now())
    db.session.commit()
    flash(_("%(email)s sets up a new authenticator at the next sign-in.", email=user.email))
    return redirect(url_for("staff.users"))


def _other_account(user_id: int) -> StaffUser:
    """An admin cannot lock themself out from the page (the shell still can)."""
    user = db.session.get(StaffUser, user_id)
    if user is None or user.id == access.current_user().id:
        abort(404)
    return user
