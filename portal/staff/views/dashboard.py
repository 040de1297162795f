"""The dashboard: each visible site's invitations by state, filtered by wave (and arm where allowed).

The families behind the counts are on the call list (views/calls.py): each count links to it."""

from __future__ import annotations

from flask import render_template, request

from portal import registry
from portal.db import db
from portal.staff import access, followup, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff


@staff.get("/dashboard")
@roles("admin", "coordinator")
def dashboard() -> str:
    user = access.current_user()
    protocol = registry.protocol()
    wave = request.args.get("wave") or None
    arm = request.args.get("arm") or None
    filters = followup.Filters(
        wave=wave if protocol.wave(wave or "") else None,
        arm=arm if user.sees_arm and arm in protocol.arm_ids() else None,
    )
    sites = scope.visible_sites(user)
    if request.args.get("site") in sites:
        sites = [request.args["site"]]
    now = registry.now()
    return render_template(
        "staff/dashboard.html",
        rows=followup.site_rows(db.session, sites, filters, now, protocol.timezone),
        buckets=followup.BUCKETS, on_call_list=followup.ON_CALL_LIST, labels=followup.LABELS, filters=filters,
        waves=[w.id for w in protocol.waves], arms=protocol.arm_ids() if user.sees_arm else (),
        site_names={s.id: s.name for s in protocol.sites}, all_sites=scope.visible_sites(user),
        chosen_site=request.args.get("site", ""),
    )
