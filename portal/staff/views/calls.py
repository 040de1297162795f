"""The call list: the coordinator's landing page, its search, its printable view and its CSV sheet.

Filters travel in the address (site, wave, state, language, sort, page: nothing about a person);
a search is sent in a form's body, so a name or phone number never sits in a URL, a history or a
server's access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import registry
from portal.contacts import contact_book
from portal.db import db
from portal.i18n import language_name
from portal.staff import access, call_facts, call_search, call_sheet, calls, i18n, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import N_, _
from portal.staff.models import StaffUser

SHEET_REFUSED = N_(
    "The call sheet lists parents' names, phone numbers and e-mail addresses, so only coordinators may "
    "download it. The retention figures (Retention in the menu) hold no names."
)

SEARCHED_BY = {"name": N_("name"), "phone": N_("phone number"), "email": N_("e-mail address")}


def read_query(form: Mapping[str, str], user: StaffUser, **more: object) -> calls.CallQuery:
    """The list's filters from a form or an address; anything unknown is ignored, never trusted."""
    protocol = registry.protocol()
    sites = scope.visible_sites(user)
    page = form.get("page", "1")
    more.setdefault("per_page", calls.PER_PAGE)
    return calls.CallQuery(
        sites=tuple([form["site"]] if form.get("site") in sites else sites),
        wave=form.get("wave") if protocol.wave(form.get("wave") or "") else None,
        state=form.get("state") if form.get("state") in calls.STATES else None,
        language=form.get("language") if form.get("language") in protocol.languages else None,
        sort=form.get("sort", "") if form.get("sort") in calls.SORTS else "urgency",
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
        **more,  # type: ignore[arg-type]
    )


def list_filters(form: Mapping[str, str], user: StaffUser) -> dict[str, Any]:
    """The call list's filters in a form, as checked by read_query: nothing else goes into the address."""
    query = read_query(form, user)
    chosen = {"site": query.sites[0] if form.get("site") and len(query.sites) == 1 else None,
              "wave": query.wave, "state": query.state, "language": query.language,
              "sort": query.sort if query.sort != "urgency" else None,
              "page": str(query.page) if query.page > 1 else None}
    return {key: value for key, value in chosen.items() if value}


def call_list_url(query_string: str, user: StaffUser, anchor: str = "") -> str:
    """Back to the call list with the filters a form carried (`back` = "calls?state=overdue...")."""
    return url_for("staff.call_list", **list_filters(dict(parse_qsl(query_string)), user)) + anchor


def _filled(query: calls.CallQuery, user: StaffUser, how: str) -> calls.CallPage:
    """The rows with their messages and alerts; for a coordinator also who they are, audited."""
    now, zone = registry.now(), registry.protocol().timezone
    found = calls.call_page(db.session, query, now, zone)
    call_facts.add_facts(db.session, found.rows, zone)
    if user.role == "coordinator":
        calls.with_contacts(found.rows, contact_book())
        call_sheet.record_shown(db.session, found.rows, actor=user.actor, now=now, how=how)
        db.session.commit()
    return found


def _render(query: calls.CallQuery, found: calls.CallPage, **extra: object) -> str:
    protocol = registry.protocol()
    user = access.current_user()
    return render_template(
        "staff/calls.html", query=query, found=found, sees_contacts=user.role == "coordinator",
        chosen=request.values, states={code: _(words) for code, words in calls.STATES.items()},
        sorts={code: _(words) for code, words in calls.SORTS.items()}, waves=[w.id for w in protocol.waves],
        sites=[(s.id, s.name) for s in protocol.sites if s.id in scope.visible_sites(user)],
        site_names={s.id: s.name for s in protocol.sites}, readable_phone=calls.readable_phone,
        moment=i18n.moment_words,
        languages=[(code, language_name(code, i18n.language())) for code in protocol.languages],
        back_query=urlencode(list_filters(request.values, user)),
        sending_stops=protocol.quiet_hours.send_until.strftime("%H:%M"),
        sending_starts=protocol.quiet_hours.send_from.strftime("%H:%M"), **extra,
    )


@staff.get("/calls")
@roles("admin", "coordinator")
def call_list() -> str:
    user = access.current_user()
    query = read_query(request.args, user)
    return _render(query, _filled(query, user, "page"))


@staff.post("/calls")
@roles("coordinator")
def search_calls() -> ResponseReturnValue:
    """A search by name, phone or e-mail among the families the coordinator may see."""
    user = access.current_user()
    text = request.form.get("q", "")
    everyone = list(db.session.scalars(scope.respondents_in_scope(user)))
    try:
        result = call_search.search(contact_book(), text, everyone)
    except call_search.SearchError as problem:
        query = read_query(request.form, user, only=frozenset())
        return _render(query, calls.CallPage([], 0, 1, 1), search_text=text, search_error=str(problem)), 400
    query = read_query(request.form, user, only=result.respondents)
    found = _filled(query, user, f"search by {result.by}")
    elsewhere = calls.families_of(db.session, result.respondents - {row.respondent for row in found.rows})
    return _render(query, found, search_text=text, searched_by=_(SEARCHED_BY[result.by]), elsewhere=elsewhere)


@staff.get("/calls/print")
@roles("admin", "coordinator")
def print_calls() -> str:
    """Every row of the list on one page, for paper; the print stylesheet leaves out the controls."""
    user = access.current_user()
    query = read_query(request.args, user, per_page=None)
    printed_at = i18n.moment_words(registry.now(), "full")
    return _render(query, _filled(query, user, "print"), printing=True, printed_at=printed_at)


@staff.get("/calls.csv")
@roles("admin", "coordinator", "analyst")
def call_sheet_csv() -> ResponseReturnValue:
    user = access.current_user()
    if user.role != "coordinator":
        return render_template("staff/error.html", title=_("Only coordinators download the call sheet"),
                               advice=_(SHEET_REFUSED)), 403
    query = read_query(request.args, user, per_page=None)
    body = call_sheet.as_csv(_filled(query, user, "sheet").rows, registry.protocol().timezone)
    day = registry.now().astimezone(registry.protocol().timezone).date().isoformat()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=call-sheet-{day}.csv"})
