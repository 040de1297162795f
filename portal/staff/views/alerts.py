"""The alert list and resolving an alert."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.staff import access, scope
from portal.staff import alerts as service
from portal.staff.access import roles
from portal.staff.blueprint import staff


@staff.get("/alerts")
@roles("admin", "coordinator")
def alerts() -> str:
    sites = scope.visible_sites(access.current_user())
    return render_template(
        "staff/alerts.html", alerts=service.open_and_recent(db.session, sites), kinds=service.KINDS,
        zone=registry.protocol().timezone, may_resolve=access.current_user().role == "coordinator",
    )


@staff.post("/alerts/<int:alert_id>/resolve")
@roles("coordinator")
def resolve_alert(alert_id: int) -> WerkzeugResponse:
    user = access.current_user()
    alert = service.alert_in_sites(db.session, alert_id, scope.visible_sites(user))
    if alert is None:
        abort(404)
    try:
        service.resolve(db.session, alert, user, registry.now())
    except service.AlertError as problem:
        flash(str(problem))
    else:
        db.session.commit()
        flash("Alert marked as resolved.")
    return redirect(url_for("staff.alerts"))
