"""Contact attempts and "send the link again" from the family page (and from call-list rows)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from portal import registry
from portal.db import db
from portal.families.models import Family, Invitation, InvitationState
from portal.messaging.models import OutboxMessage
from portal.staff import access, i18n, scope
from portal.staff.access import roles
from portal.staff.alerts import KINDS, AlertRow, open_for_family
from portal.staff.attempts import CHANNELS, OUTCOMES, attemptable, family_attempts, record_attempt
from portal.staff.blueprint import staff
from portal.staff.forms import RESEND_CHANNELS, AttemptForm, ResendForm, resend_channels
from portal.staff.i18n import N_, Names, _
from portal.staff.outreach import OutreachError, closed_because
from portal.staff.records import StaffAttempt
from portal.staff.resend import Resent, queued_resends, resend_link
from portal.staff.views.calls import call_list_url

RESENDABLE = (InvitationState.open, InvitationState.started)
CHANNEL_WORDS = {("sms",): N_("SMS"), ("email",): N_("e-mail"), ("sms", "email"): N_("SMS and e-mail")}


@dataclass(frozen=True, slots=True)
class FamilyOutreach:
    """What the family page's outreach partials show: the attempt form, attempts, open alerts."""

    attempt_form: AttemptForm
    attempts: list[tuple[Invitation, StaffAttempt]]
    alerts: list[AlertRow]
    resendable: frozenset[int]  # invitation ids offered "send the link again now"
    queued: dict[int, list[OutboxMessage]]  # resends still waiting, per invitation id


@staff.app_template_global("outreach_for")
def outreach_for(family: Family) -> FamilyOutreach:
    now = registry.now()
    invitations = [i for r in family.respondents for i in r.invitations]
    form = AttemptForm()
    names = Names(i18n.language())
    form.invitation.choices = [
        SelectChoice(i.id, f"{names.role(i.respondent.role)} {i.respondent.pseudonym} · {names.wave(i.wave)}")
        for i in invitations if attemptable(i, now)]
    return FamilyOutreach(
        attempt_form=form, attempts=family_attempts(db.session, family),
        alerts=open_for_family(db.session, family),
        resendable=frozenset(i.id for i in invitations
                             if i.state(now) in RESENDABLE and closed_because(i, now) is None),
        queued=queued_resends(db.session, [i.id for i in invitations]),
    )


@staff.context_processor
def outreach_labels() -> dict[str, dict[str, str]]:
    return {"attempt_channels": _all(CHANNELS), "attempt_outcomes": _all(OUTCOMES),
            "alert_kinds": _all(KINDS)}


def _all(words: dict[str, str]) -> dict[str, str]:
    """A table of marked words in the page's language."""
    return {code: _(text) for code, text in words.items()}


@staff.app_template_global("resend_form")
def resend_form() -> ResendForm:
    """A fresh form per row and page view: each carries its own click key. SMS is offered only where
    the portal has an SMS gateway."""
    form = ResendForm()
    if registry.settings().sms is None:
        form.channel.choices = [SelectChoice("email", _(RESEND_CHANNELS["email"]))]
    return form


def back_to(where: str | None, invitation: Invitation, anchor: str) -> str:
    """The call list with its filters when the form came from there ("calls?state=..."), else the
    family page."""
    page, _, filters = (where or "").partition("?")
    if page == "calls":
        return call_list_url(filters, access.current_user(), f"#row-{invitation.id}")
    return url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym) + anchor


def first_error(form: AttemptForm | ResendForm) -> str:
    field, problems = next(iter(form.errors.items()))
    return _("%(field)s: %(problem)s", field=getattr(form, field).label.text, problem=problems[0])


def when_it_goes(resent: Resent, wave: str) -> str:
    how = _(CHANNEL_WORDS[tuple(resent.channels)])
    if not resent.waits_for_quiet_hours:
        return _("The link for %(wave)s goes again by %(how)s now (with the next dispatch, within minutes).",
                 wave=wave, how=how)
    when = resent.goes_at.astimezone(registry.protocol().timezone)
    return _("The link for %(wave)s goes again by %(how)s at %(time)s on %(day)s (study time): "
             "messages wait for the end of the quiet hours.", wave=wave, how=how, time=f"{when:%H:%M}",
             day=i18n.moment_words(when, "date"))


@staff.post("/attempts")
@roles("coordinator")
def record_contact_attempt() -> WerkzeugResponse:
    user = access.current_user()
    form = AttemptForm()
    if form.invitation.data is None:
        flash(_("The attempt was not recorded. Choose the respondent and wave."))
        return redirect(url_for("staff.home"))
    invitation = scope.invitation_or_404(db.session, user, form.invitation.data)
    if not form.validate():
        flash(_("The attempt was not recorded. %(why)s", why=first_error(form)))
        return redirect(back_to(form.back.data, invitation, "#attempts"))
    try:
        record_attempt(db.session, invitation=invitation, channel=form.channel.data,
                       outcome=form.outcome.data, note=form.note.data or "", by=user, now=registry.now())
    except OutreachError as problem:
        db.session.rollback()
        flash(_("The attempt was not recorded. %(why)s", why=problem))
    else:
        db.session.commit()
        flash(_("Attempt recorded for %(respondent)s %(wave)s: %(how)s, %(outcome)s.",
                respondent=invitation.respondent.pseudonym, wave=Names(i18n.language()).wave(invitation.wave),
                how=_(CHANNELS[form.channel.data]), outcome=_(OUTCOMES[form.outcome.data]).lower()))
    return redirect(back_to(form.back.data, invitation, "#attempts"))


@staff.post("/invitations/<int:invitation_id>/resend")
@roles("coordinator")
def resend(invitation_id: int) -> WerkzeugResponse:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    form = ResendForm()
    if not form.validate():
        flash(_("Nothing was sent. %(why)s", why=first_error(form)))
        return redirect(back_to(form.back.data, invitation, ""))
    try:
        resent = resend_link(db.session, invitation=invitation, channels=resend_channels(form.channel.data),
                             by=user, now=registry.now(), click=form.click.data)
    except OutreachError as problem:
        db.session.rollback()
        flash(_("Nothing more was sent. %(why)s", why=problem))
    else:
        db.session.commit()
        flash(when_it_goes(resent, Names(i18n.language()).wave(invitation.wave)))
    return redirect(back_to(form.back.data, invitation, ""))
