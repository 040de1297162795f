"""Enrolment from a CSV file in the browser: upload, a preview, then all families or none.

The same rules as `flask enrol --csv`. The checked file travels back with the
confirmation (base64, never stored), and is checked again before anything is written.
"""

from __future__ import annotations

import base64
import binascii

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import registry
from portal.db import db
from portal.security import BODY_LIMITS
from portal.staff import access, scope
from portal.staff.access import roles
from portal.staff.batch import UPLOAD_LIMIT, BatchRejected, enrol_rows, preview, upload_rows
from portal.staff.blueprint import staff
from portal.staff.i18n import _, ngettext
from portal.staff.intake import ALL_COLUMNS, Problem

BODY_LIMITS["staff.enrol_csv"] = 2 * UPLOAD_LIMIT  # the file, or its base64 with the confirmation


@staff.route("/enrol/csv", methods=["GET", "POST"])
@roles("coordinator")
def enrol_csv() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("staff/enrol_csv.html", columns=ALL_COLUMNS[:-1])
    allocate = request.form.get("allocate", "now") == "now"
    try:
        data = _sent_file()
        rows = upload_rows(data)
        _refuse_other_sites(rows)
        if request.form.get("confirm") != "yes":
            families = preview(rows, now=registry.now(), allocate_missing=allocate)
            return render_template("staff/enrol_csv_preview.html", families=families, allocate=allocate,
                                   site_names={s.id: s.name for s in registry.protocol().sites},
                                   data=base64.b64encode(data).decode("ascii"))
        done = enrol_rows(rows, actor=access.current_user().actor, now=registry.now(),
                          allocate_missing=allocate)
    except BatchRejected as rejected:
        db.session.rollback()
        return render_template("staff/enrol_csv.html", columns=ALL_COLUMNS[:-1],
                               problems=rejected.problems), 400
    flash(ngettext("%(num)d family enrolled; every wave is scheduled.",
                   "%(num)d families enrolled; every wave is scheduled.", len(done)))
    return redirect(url_for("staff.dashboard"))


def _sent_file() -> bytes:
    if "data" in request.form:  # the confirmation: the file as the preview checked it
        try:
            return base64.b64decode(request.form["data"], validate=True)
        except (binascii.Error, ValueError):
            damaged = Problem(1, "file", _("was damaged on its way back: upload it again"))
            raise BatchRejected([damaged]) from None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BatchRejected([Problem(1, "file", _("choose a CSV file to upload"))])
    try:
        return upload.read(UPLOAD_LIMIT + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file


def _refuse_other_sites(rows: list[tuple[int, dict[str, str]]]) -> None:
    """A coordinator enrols at their own sites only, as with the form."""
    mine = scope.visible_sites(access.current_user())
    outside = [Problem(line, "site", _("is not one of your sites")) for line, raw in rows
               if (raw.get("site") or "").strip() not in mine]
    if outside:
        raise BatchRejected(outside)
