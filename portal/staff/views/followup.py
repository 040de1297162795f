"""An invitation's link (show, revoke) and interview mode."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.families.models import Invitation, InvitationClosed
from portal.staff import access, casework, i18n, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.forms import NOT_NOW, RevokeForm, resend_channels
from portal.staff.i18n import Names, _
from portal.staff.models import StaffUser
from portal.staff.outreach import OutreachError
from portal.staff.resend import resend_link
from portal.staff.views.outreach import when_it_goes


@staff.post("/invitations/<int:invitation_id>/link")
@roles("coordinator")
def show_link(invitation_id: int) -> str:
    """A POST, so that the link never sits in a URL, a history or a log; the showing is audited."""
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    shown = casework.show_link(db.session, invitation, user, registry.now())
    db.session.commit()
    return render_template("staff/link.html", invitation=invitation, shown=shown)


@staff.get("/invitations/<int:invitation_id>/revoke")
@roles("coordinator")
def confirm_revoke(invitation_id: int) -> str:
    """Revoking cannot be undone: ask first, and offer to send the new link at once."""
    invitation = scope.invitation_or_404(db.session, access.current_user(), invitation_id)
    return render_template("staff/revoke.html", invitation=invitation, form=RevokeForm())


@staff.post("/invitations/<int:invitation_id>/revoke")
@roles("coordinator")
def revoke_link(invitation_id: int) -> WerkzeugResponse:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    form = RevokeForm()
    send = form.send.data if form.validate() else NOT_NOW
    casework.revoke_link(db.session, invitation, user, registry.now())
    wave = Names(i18n.language()).wave(invitation.wave)
    if send == NOT_NOW:
        db.session.commit()
        flash(_("Earlier links and codes for %(wave)s no longer work. Show the new link to pass it on, "
                "or send it again.", wave=wave))
    else:
        _revoke_and_send(invitation, user, send, form.click.data, wave)
    return redirect(url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym))


def _revoke_and_send(invitation: Invitation, user: StaffUser, send: str, click: str, wave: str) -> None:
    """The revoke stands even when the new link cannot go (then the page says why)."""
    try:
        resent = resend_link(db.session, invitation=invitation, channels=resend_channels(send), by=user,
                             now=registry.now(), click=click)
    except OutreachError as problem:
        db.session.rollback()
        casework.revoke_link(db.session, invitation, user, registry.now())
        db.session.commit()
        flash(_("Earlier links and codes for %(wave)s no longer work. The new link was not sent: %(why)s",
                wave=wave, why=problem))
        return
    db.session.commit()
    flash(_("Earlier links and codes for %(wave)s no longer work. %(sending)s", wave=wave,
            sending=when_it_goes(resent, wave)))


@staff.post("/invitations/<int:invitation_id>/interview")
@roles("coordinator")
def interview(invitation_id: int) -> WerkzeugResponse:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    try:
        casework.start_interview(db.session, invitation, user, registry.now())
    except (InvitationClosed, casework.CaseworkError) as problem:
        db.session.rollback()
        flash(_("Interview cannot start: %(why)s", why=_interview_refusal(problem)))
        return redirect(url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym))
    db.session.commit()
    # The parent pages' contract: these four keys, then their first page.
    session["invitation"] = invitation.id
    session["mode"] = "interview"
    session["entered_by"] = user.id
    session["generation"] = invitation.token_generation
    return redirect(url_for("respond.page", number=1))


def _interview_refusal(problem: InvitationClosed | casework.CaseworkError) -> str:
    if isinstance(problem, InvitationClosed):
        return _("the wave is %(state)s.", state=Names(i18n.language()).state(problem.state))
    return str(problem)
