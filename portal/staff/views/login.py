"""Sign in (password, then TOTP or a recovery code), first-time authenticator set-up, sign out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.security import client_address
from portal.staff import access, accounts, auth, interview, totp
from portal.staff.access import pending, public, roles
from portal.staff.blueprint import staff
from portal.staff.i18n import N_, _, ngettext

NEW_SECRET_KEY = "staff_totp_new"
REFUSED = N_("The e-mail address, password or code is not right.")
TOO_MANY = {
    "account": N_("Too many failed attempts for this account from this network. Wait %(wait)s and try "
                  "again."),
    "address": N_("Too many failed attempts from this network. Wait %(wait)s and try again."),
}


def too_many(limit: auth.TooManyAttempts) -> str:
    seconds = max(1, round(limit.wait.total_seconds()))
    wait = (ngettext("%(num)d second", "%(num)d seconds", seconds) if seconds < 120
            else ngettext("%(num)d minute", "%(num)d minutes", round(seconds / 60)))
    return _(TOO_MANY[str(limit)], wait=wait)


@staff.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        try:
            user = auth.check_password(
                db.session, request.form.get("email", ""), request.form.get("password", ""),
                address=client_address(), now=registry.now(),
            )
        except auth.SignInRefused:
            error = _(REFUSED)
        except auth.TooManyAttempts as limit:
            error = too_many(limit)
        else:
            access.begin_pending(user)
            db.session.commit()
            return redirect(url_for("staff.login_code" if user.totp_secret else "staff.setup_totp"))
        db.session.commit()
    expired = request.args.get("expired") == "1"
    return render_template("staff/login.html", error=error, expired=expired), 401 if error else 200


@staff.route("/login/code", methods=["GET", "POST"])
@pending
def login_code() -> ResponseReturnValue:
    user = access.pending_user()
    assert user is not None
    if not user.totp_secret:
        return redirect(url_for("staff.setup_totp"))
    error = None
    if request.method == "POST":
        try:
            factor = auth.check_second_factor(
                db.session, user, request.form.get("code", ""), address=client_address(), now=registry.now()
            )
        except auth.SignInRefused:
            error = _(REFUSED)
        except auth.TooManyAttempts as limit:
            error = too_many(limit)
        else:
            auth.signed_in(db.session, user, address=client_address(), now=registry.now(), factor=factor)
            db.session.commit()
            access.begin_session(user)
            return redirect(url_for("staff.home"))
        db.session.commit()
    return render_template("staff/login_code.html", error=error), 401 if error else 200


@staff.route("/login/setup", methods=["GET", "POST"])
@pending
def setup_totp() -> ResponseReturnValue:
    user = access.pending_user()
    assert user is not None
    if user.totp_secret:
        return redirect(url_for("staff.login_code"))
    secret = session.get(NEW_SECRET_KEY) or totp.new_secret()
    session[NEW_SECRET_KEY] = secret
    error = None
    if request.method == "POST":
        try:
            codes = auth.confirm_totp(db.session, user, secret, request.form.get("code", ""), registry.now())
        except auth.SignInRefused:
            error = _("That code does not match. Check the time on your phone and try the next code.")
        else:
            auth.signed_in(db.session, user, address=client_address(), now=registry.now(), factor="totp")
            db.session.commit()
            access.begin_session(user)
            return render_template("staff/recovery_codes.html", codes=codes)
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "staff/setup_totp.html", qr=totp.qr_data_uri(uri), secret=secret, error=error,
    ), 400 if error else 200


@staff.post("/logout")
@roles("admin", "coordinator", "analyst")
def logout() -> WerkzeugResponse:
    accounts.sign_out(db.session, access.current_user(), now=registry.now())
    db.session.commit()
    access.forget()
    interview.end()  # a phone interview in this browser ends with the coordinator's session
    flash(_("You are signed out."))
    return redirect(url_for("staff.login"))


@staff.get("/")
@roles("admin", "coordinator", "analyst")
def home() -> WerkzeugResponse:
    user = access.current_user()
    return redirect(url_for("staff.retention" if user.role == "analyst" else "staff.call_list"))


@staff.route("/account/password", methods=["GET", "POST"])
@roles("admin", "coordinator", "analyst")
def change_password() -> ResponseReturnValue:
    user = access.current_user()
    error = None
    if request.method == "POST":
        try:
            accounts.change_password(
                db.session, user, current=request.form.get("current", ""), new=request.form.get("new", ""),
                repeated=request.form.get("repeated", ""), now=registry.now(),
            )
        except accounts.AccountError as problem:
            error = str(problem)
        else:
            db.session.commit()
            access.keep_session(user)  # the account's other sessions have ended
            flash(_("Your new password is saved."))
            return redirect(url_for("staff.home"))
    return render_template("staff/change_password.html", error=error, forced=user.must_change_password), (
        400 if error else 200
    )
