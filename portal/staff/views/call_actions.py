"""Acting from the call list: send the link again to the ticked parents, and come back to the same
filtered list (an attempt recorded on a row comes back too: outreach.back_to, calls.call_list_url)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.staff import access, call_resend, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.forms import ResendForm, resend_channels
from portal.staff.i18n import _, moment_words, ngettext
from portal.staff.resend import AlreadyQueued
from portal.staff.views.calls import list_filters
from portal.staff.views.outreach import CHANNEL_WORDS, first_error

MOST_AT_ONCE = 200


@staff.post("/calls/resend")
@roles("coordinator")
def resend_selected_links() -> WerkzeugResponse:
    user = access.current_user()
    back = url_for("staff.call_list", **list_filters(request.form, user))
    picked = [int(v) for v in request.form.getlist("invitation") if v.isdigit() and len(v) < 10]
    form = ResendForm()
    if not picked or len(picked) > MOST_AT_ONCE:
        flash(_("Nothing was sent. Tick the parents to send the link to (at most %(most)s at once).",
                most=MOST_AT_ONCE))
        return redirect(back)
    if not form.validate():
        flash(_("Nothing was sent. %(why)s", why=first_error(form)))
        return redirect(back)
    invitations = [scope.invitation_or_404(db.session, user, number) for number in dict.fromkeys(picked)]
    try:
        result = call_resend.resend_selected(
            db.session, invitations, channels=resend_channels(form.channel.data), by=user, now=registry.now(),
            click=form.click.data)
    except AlreadyQueued as problem:
        db.session.rollback()
        flash(str(problem))
        return redirect(back)
    db.session.commit()
    if result.sent:
        flash(_when_they_go(result, form.channel.data))
    for why in result.refused:
        flash(_("Not sent: %(why)s", why=why))
    return redirect(back)


def _when_they_go(result: call_resend.ResentMany, channel: str) -> str:
    count = len(result.sent)
    how = _(CHANNEL_WORDS[resend_channels(channel)])
    resent = result.sent[0][1]  # one click: every row goes at the same moment
    if not resent.waits_for_quiet_hours:
        return ngettext("The link goes again to %(num)d parent by %(how)s now (with the next dispatch, "
                        "within minutes).", "The link goes again to %(num)d parents by %(how)s now (with the "
                        "next dispatch, within minutes).", count, how=how)
    when = resent.goes_at.astimezone(registry.protocol().timezone)
    return ngettext("The link goes again to %(num)d parent by %(how)s at %(time)s on %(day)s (study time): "
                    "messages wait for the end of the quiet hours.", "The link goes again to %(num)d parents "
                    "by %(how)s at %(time)s on %(day)s (study time): messages wait for the end of the quiet "
                    "hours.", count, how=how, time=f"{when:%H:%M}", day=moment_words(when, "day"))
