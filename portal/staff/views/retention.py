"""Retention: the CONSORT flow as a page with a server-drawn SVG, the SVG alone, and CSV."""

from __future__ import annotations

from flask import Response, render_template

from portal import registry
from portal.db import db
from portal.staff import access, consort_svg, i18n, scope
from portal.staff import retention as service
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import N_, Names, _

CAPTION = N_(
    "Counted from the invitation records (one per respondent and wave): invited = the window has opened; "
    "attempted = staff recorded at least one contact attempt (phone, SMS or e-mail by hand, home visit, "
    "letter); declined = reached, and declined this wave; lost = the window closed without an answer. "
    "Staff attempts counts every attempt; messages the portal sent itself are not counted here."
)


def _flow() -> tuple[service.Flow, bool]:
    """Coordinators count their own sites; the data manager and analysts the whole study."""
    user = access.current_user()
    protocol = registry.protocol()
    sites = scope.visible_sites(user) if user.role == "coordinator" else [s.id for s in protocol.sites]
    flow = service.flow(db.session, protocol, registry.now(), by_arm=user.sees_arm, sites=sites)
    return flow, user.sees_arm


def _drawn() -> str:
    flow, by_arm = _flow()
    drawing = consort_svg.layout(flow, Names(i18n.language()), by_arm=by_arm)
    return render_template("staff/consort.svg", d=drawing)


@staff.get("/retention")
@roles("admin", "coordinator", "analyst")
def retention() -> str:
    svg = _drawn()
    return render_template("staff/retention.html", svg=svg, caption=_(CAPTION))


@staff.get("/retention.svg")
@roles("admin", "coordinator", "analyst")
def retention_svg() -> Response:
    return Response(_drawn(), mimetype="image/svg+xml")


@staff.get("/retention.csv")
@roles("admin", "coordinator", "analyst")
def retention_csv() -> Response:
    flow, _by_arm = _flow()
    return Response(service.as_csv(flow), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=retention.csv"})
