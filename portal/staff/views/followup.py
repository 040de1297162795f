"""An invitation's link (show, revoke) and interview mode."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.families.models import InvitationClosed
from portal.staff import access, casework, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff


@staff.post("/invitations/<int:invitation_id>/link")
@roles("coordinator")
def show_link(invitation_id: int) -> str:
    """A POST, so that the link never sits in a URL, a history or a log; the showing is audited."""
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    shown = casework.show_link(db.session, invitation, user, registry.now())
    db.session.commit()
    return render_template("staff/link.html", invitation=invitation, shown=shown)


@staff.post("/invitations/<int:invitation_id>/revoke")
@roles("coordinator")
def revoke_link(invitation_id: int) -> WerkzeugResponse:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    casework.revoke_link(db.session, invitation, user, registry.now())
    db.session.commit()
    flash(f"Earlier links and codes for {invitation.wave} no longer work. Show the new link to pass it on.")
    return redirect(url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym))


@staff.post("/invitations/<int:invitation_id>/interview")
@roles("coordinator")
def interview(invitation_id: int) -> WerkzeugResponse:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    try:
        casework.start_interview(db.session, invitation, user, registry.now())
    except (InvitationClosed, casework.CaseworkError) as problem:
        db.session.rollback()
        flash(f"Interview cannot start: {problem}.")
        return redirect(url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym))
    db.session.commit()
    # The parent pages' contract: these three keys, then their first page.
    session["invitation"] = invitation.id
    session["mode"] = "interview"
    session["entered_by"] = user.id
    return redirect(url_for("respond.page", number=1))
