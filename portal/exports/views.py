"""The analyst's pages: choose an export, download it as a zip, in the account's staff language (the
files themselves, codebook included, are in English, as the command line's are).

Sign-in belongs to the staff workspace: its `signed_in_user` (idle expiry,
second factor, deactivated accounts) decides who is signed in; this page
only adds which roles may download. Analysts marked blinded always get
blinded files, whatever the form says; so does everyone in a blinded study
until an admin has recorded an unblinding.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.exports.service import asked_instruments, run_export, zipped
from portal.exports.spec import FORMATS, LAYOUTS, ExportError, ExportRequest
from portal.exports.unblinding import may_choose_arms
from portal.staff import i18n
from portal.staff.access import signed_in_user
from portal.staff.models import StaffUser

analysis = Blueprint("analysis", __name__, url_prefix="/analysis")
ALLOWED_ROLES = ("analyst", "admin")
LOGIN, CHANGE_PASSWORD = "/staff/login", "/staff/account/password"  # the staff workspace's pages
F = TypeVar("F", bound=Callable[..., Any])


def require_analyst(view: F) -> F:
    """Signed in, active, analyst or admin; otherwise to the sign-in page (anonymous) or 403."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = signed_in_user()
        if user is None:
            return redirect(LOGIN)
        i18n.refresh(i18n.account_language(user.language))  # also for the refusal below
        if user.role not in ALLOWED_ROLES:
            abort(403)
        if user.must_change_password:
            return redirect(CHANGE_PASSWORD)
        g.analyst = g.staff_user = user  # the staff layout's menu and sign-out need the account
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    protocol = registry.protocol()
    waves = [w.id for w in protocol.waves]
    return render_template(
        "analysis/index.html", study=protocol.id, user=g.analyst, formats=FORMATS,
        layouts=LAYOUTS, waves=waves, instruments=asked_instruments(protocol, waves), error=error,
        arms_shown=_may_choose_arms(g.analyst), study_blinded=protocol.blinded, **i18n.page_words(),
    ), status


def _may_choose_arms(user: StaffUser) -> bool:
    return may_choose_arms(db.session, registry.protocol(), account_blinded=user.blinded)


@analysis.get("/")
@require_analyst
def index() -> tuple[str, int]:
    return _page()


def _request_from_form(user: StaffUser) -> ExportRequest:
    form = request.form
    return ExportRequest(
        format=form.get("format", ""), layout=form.get("layout", "wide"),  # type: ignore[arg-type]
        waves=tuple(form.getlist("waves")), instruments=tuple(form.getlist("instruments")),
        blind=not _may_choose_arms(user) or form.get("blind") == "1", bom=form.get("bom") == "1",
    )


@analysis.post("/export")
@require_analyst
def download() -> Any:
    user: StaffUser = g.analyst
    export = _request_from_form(user)
    with tempfile.TemporaryDirectory(prefix="portal-export-") as folder:
        try:
            summary = run_export(
                db.session, export, protocol=registry.protocol(), catalogue=registry.catalogue(),
                actor=f"staff:{user.id}", now=registry.now(), out_dir=Path(folder),
            )
        except ExportError as problem:
            db.session.rollback()
            return _page(str(problem), 400)
        payload = zipped(Path(folder), summary)
    db.session.commit()
    name = f"{registry.protocol().id}_{export.layout}_{export.format}.zip"
    response = WerkzeugResponse(payload, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response  # Cache-Control: no-store comes with every non-static response (security.py)
