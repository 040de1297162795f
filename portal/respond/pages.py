"""The questionnaire: short pages built from the instrument definitions, review, submit.

Next and Back both save what is on the page, so nothing typed is lost;
answers live with the invitation, never only in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask_babel import format_date
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import i18n, registry
from portal.db import db
from portal.measures import Instrument, Item
from portal.respond import answers, forms, paging, service
from portal.respond.blueprint import (
    SUPPORT,
    THANKED,
    current_invitation,
    current_visit,
    neutral_page,
    render,
    respond,
    study_text,
    thank_for,
    use_language,
)
from portal.respond.texts import ItemLanguage, item_language


@dataclass(frozen=True, slots=True)
class Place:
    """One page of one invitation, with everything needed to show or save it."""

    invitation: answers.ParentInvitation
    pages: tuple[paging.Page, ...]
    page: paging.Page
    instrument: Instrument
    language: ItemLanguage

    @property
    def items(self) -> list[Item]:
        return [self.instrument.item(item_id) for item_id in self.page.item_ids]

    @property
    def pack_hash(self) -> str:
        """The hash of the pack the items are shown in ("": the instrument's own text). The form carries
        it back, so a save can tell a page shown before the portal reloaded with another pack."""
        shown = self.instrument.packs.get(self.language.shown)
        return shown[1] if shown else ""


PLANS, MAX_PLANS = "portal.respond.plans", 64


def pages_of(instruments: Sequence[str]) -> tuple[paging.Page, ...]:
    """The wave's pages, planned once per list of instruments: the catalogue is fixed for the app's life."""
    plans: dict[tuple[str, ...], tuple[paging.Page, ...]] = current_app.extensions.setdefault(PLANS, {})
    key = tuple(instruments)
    if key not in plans:
        if len(plans) >= MAX_PLANS:  # a protocol has a handful of lists; never grow without bound
            plans.clear()
        plans[key] = tuple(paging.plan([registry.catalogue()[i] for i in key]))
    return plans[key]


def _place(invitation: answers.ParentInvitation, number: int) -> Place | None:
    pages = pages_of(invitation.instruments)
    if not 1 <= number <= len(pages):
        return None
    page = pages[number - 1]
    instrument = registry.catalogue()[page.instrument_id]
    response = answers.response_for(invitation, instrument.id)
    chosen = request.values.get("text")
    language = item_language(instrument, i18n.current(), chosen, response.language if response else None)
    return Place(invitation, pages, page, instrument, language)


@respond.route("/q/<int:number>", methods=["GET", "POST"])
def page(number: int) -> str | WerkzeugResponse:
    visit, invitation = current_invitation()
    place = _place(invitation, number)
    if place is None:
        return redirect(url_for("respond.review"))
    saved = answers.by_instrument(invitation).get(place.instrument.id, {})
    if request.method == "GET":
        return _show(place, saved, {})
    posted, errors = forms.parse(place.items, request.form)
    if errors:
        return _show(place, {**saved, **posted}, errors)
    elsewhere = request.form.get("pack", place.pack_hash) != place.pack_hash  # a form from before "pack"
    if service.save_page(db.session, visit, invitation, place.instrument, posted, place.language.shown,
                         registry.now(), shown_elsewhere=elsewhere):
        session[SUPPORT] = True
    return redirect(_next_url(number, len(place.pages), request.form.get("go")))


@respond.errorhandler(CSRFError)
def expired_form(_error: CSRFError) -> tuple[str, int]:
    if request.endpoint == "respond.page" and current_visit():
        try:
            return page_after_expired_form(), 400
        except service.LinkUnusable as unusable:
            return neutral_page(unusable)
    return render("respond/expired.html", again=request.path), 400


def page_after_expired_form() -> str:
    """The page's form outlived its CSRF token: show what was typed again, to be sent once more."""
    _visit, invitation = current_invitation()
    place = _place(invitation, request.view_args.get("number", 1) if request.view_args else 1)
    if place is None:
        raise service.LinkUnusable
    posted, errors = forms.parse(place.items, request.form)
    return _show(place, posted, errors, resend=True)


def _show(place: Place, given: Mapping[str, Any], errors: Mapping[str, str], resend: bool = False) -> str:
    return render(
        "respond/page.html", place=place, instrument=place.instrument, items=place.items,
        lang=place.language.shown, item_language=place.language, answers=given, errors=errors,
        number=place.page.number, total=len(place.pages), resend=resend, support=_support(),
        language_name=i18n.language_name,
    )


def _next_url(number: int, total: int, go: str | None) -> str:
    if go == "back":
        return url_for("respond.page", number=max(1, number - 1))
    if go == "review" or number >= total:
        return url_for("respond.review")
    return url_for("respond.page", number=number + 1)


def _support() -> tuple[str, str] | None:
    """The study's support text, once, on the page after an answer that asked for it."""
    if SUPPORT not in session:  # a pop of a missing key would still rewrite the cookie
        return None
    session.pop(SUPPORT)
    return study_text(registry.protocol().support_text)


def _support_again(invitation_id: int) -> tuple[str, str] | None:
    """The support text again on the review and thanks pages when an answer in this wave raised an alert."""
    if not service.raised_alert(db.session, invitation_id):
        return None
    return study_text(registry.protocol().support_text)


@respond.get("/q/review")
def review() -> str:
    _visit, invitation = current_invitation()
    pages = pages_of(invitation.instruments)
    missing = answers.unanswered(invitation, registry.catalogue(), pages)
    return render(
        "respond/review.html", missing=_described(invitation, missing), total=len(pages),
        blocked=any(m.blocks_submit for m in missing), support=_support() or _support_again(invitation.id),
    )


def _described(invitation: answers.ParentInvitation, missing: list[answers.Missing]) -> list[dict[str, Any]]:
    """Each empty item with its text in the language the parent saw it in."""
    rows = []
    for entry in missing:
        instrument = registry.catalogue()[entry.instrument_id]
        response = answers.response_for(invitation, instrument.id)
        shown = item_language(instrument, i18n.current(), None, response.language if response else None).shown
        rows.append({"page": entry.page, "text": instrument.item(entry.item_id).text[shown], "lang": shown,
                     "needed": entry.blocks_submit, "instrument": instrument.title[shown]})
    return rows


@respond.post("/q/submit")
def submit() -> WerkzeugResponse:
    if current_visit() is None and isinstance(session.get(THANKED), int):
        return redirect(url_for("respond.thanks"), 303)  # a second tap on Send: the first ended the visit
    visit, invitation = current_invitation(allow_completed=True)
    try:
        service.submit(db.session, invitation, registry.catalogue(), pages_of(invitation.instruments),
                       registry.now())
    except service.AnswersMissing:
        return redirect(url_for("respond.review"))
    db.session.commit()
    thank_for(visit, invitation.id)
    return redirect(url_for("respond.thanks"), 303)


@respond.get("/q/thanks")
def thanks() -> str:
    sent = session.get(THANKED)
    invitation = answers.load(db.session, sent) if isinstance(sent, int) else None
    if invitation is None or invitation.completed_at is None:
        raise service.LinkUnusable
    use_language(invitation.language)
    opens = service.next_wave_opens(db.session, invitation.respondent_id, registry.now())
    zone = registry.protocol().timezone
    # roughly when: the month and year in the parent's language ("mars 2027")
    month = format_date(opens.astimezone(zone).date(), "LLLL y") if opens else None
    support = _support() or _support_again(invitation.id)
    return render("respond/thanks.html", next_month=month, support=support)
