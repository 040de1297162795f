"""The call list: every respondent at the account's sites whose wave is open or opens soon and is not
completed (nor declined for this wave), overdue and closing-soonest first. The rows are pseudonymous;
contact details are added by whoever shows them (and audits it), see `with_contacts`."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from portal.contacts import ContactBook, ContactDetails
from portal.families.models import Family, FamilyStatus, Invitation, Respondent, Site
from portal.i18n import language_name
from portal.staff import i18n
from portal.staff.i18n import N_, _, moment_words, ngettext
from portal.staff.records import StaffAttempt

# marked for the staff catalogue; the page shows them through `_()` in the account's language
STATES = {
    "not_started": N_("Not started"), "started": N_("Started"), "overdue": N_("Overdue"),
    "opens_soon": N_("Opens soon"),
}
SORTS = {
    "urgency": N_("Overdue first, then closing soonest"), "closes": N_("Closing soonest"),
    "family": N_("Family"), "wave": N_("Wave"), "language": N_("Language"),
}
PER_PAGE = 50
HORIZON_DAYS = 7  # a wave that opens within this many days is on the list already


@dataclass(frozen=True, slots=True)
class CallQuery:
    sites: tuple[str, ...]  # already limited to the account's sites (scope.visible_sites)
    wave: str | None = None
    state: str | None = None
    language: str | None = None
    sort: str = "urgency"
    page: int = 1
    per_page: int | None = PER_PAGE  # None: every row (the printable view, the sheet)
    horizon_days: int = HORIZON_DAYS
    only: frozenset[str] | None = None  # respondent pseudonyms a search found


@dataclass(frozen=True, slots=True)
class LastMessage:
    kind: str  # invitation | reminder | last_reminder
    at: dt.datetime
    delivery: str  # words: "delivered", "sent, no delivery receipt", "not delivered", ...


@dataclass(slots=True)
class CallRow:
    invitation_id: int
    respondent_id: int
    family: str
    respondent: str
    role: str
    site: str
    language: str
    wave: str
    opens: dt.date
    last_day: dt.date
    state: str  # opens_soon | not_started | started
    overdue: bool
    today: dt.date
    messages_sent: int = 0
    last_message: LastMessage | None = None
    next_message: LastMessage | None = None  # the next one the outbox will send (delivery: "planned")
    last_attempt: StaffAttempt | None = None  # the latest contact attempt by staff
    resend_goes_at: dt.datetime | None = None  # a link sent again that waits in the outbox (study time)
    open_alerts: int = 0
    contact: ContactDetails | None = field(default=None, repr=False)

    @property
    def resendable(self) -> bool:
        """Whether the link may be sent again now (the window is open)."""
        return self.state != "opens_soon"

    @property
    def days_left(self) -> int:
        return (self.last_day - self.today).days

    @property
    def language_name(self) -> str:
        return language_name(self.language, i18n.language())

    @property
    def state_words(self) -> str:
        if self.state == "opens_soon":
            return _("Opens %(when)s", when=day_words(self.opens, self.today))
        return _(STATES[self.state])

    @property
    def closes_words(self) -> str:
        """When the parent can last answer, as a person says it."""
        return _("Last day %(when)s", when=day_words(self.last_day, self.today))


@dataclass(frozen=True, slots=True)
class CallPage:
    rows: list[CallRow]
    total: int
    page: int
    pages: int


def readable_phone(e164: str) -> str:
    """+4791234567 as a person reads it out: +47 912 34 567."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def day_words(day: dt.date, today: dt.date) -> str:
    """"in 3 days (Friday 4 September)", in the page's language."""
    days = (day - today).days
    named = moment_words(day, "weekday")
    if days == 0:
        return _("today (%(day)s)", day=named)
    if days == 1:
        return _("tomorrow (%(day)s)", day=named)
    if days > 1:
        return ngettext("in %(num)d day (%(day)s)", "in %(num)d days (%(day)s)", days, day=named)
    return ngettext("%(num)d day ago (%(day)s)", "%(num)d days ago (%(day)s)", -days, day=named)


def call_page(session: Session, query: CallQuery, now: dt.datetime, zone: ZoneInfo) -> CallPage:
    """One page of the list (every row when query.per_page is None), without contact details."""
    today = now.astimezone(zone).date()
    chosen = _chosen(query, now, today)
    total = session.scalar(select(func.count()).select_from(chosen.subquery())) or 0
    pages = max(1, math.ceil(total / query.per_page)) if query.per_page else 1
    page = min(max(1, query.page), pages)
    ordered = chosen.order_by(*_order(query.sort, now, today))
    if query.per_page:
        ordered = ordered.limit(query.per_page).offset((page - 1) * query.per_page)
    rows = [_row(found, now, zone) for found in session.execute(ordered)]
    return CallPage(rows=rows, total=total, page=page, pages=pages)


def with_contacts(rows: Sequence[CallRow], book: ContactBook) -> None:
    """Fill in names, phones and e-mails (the caller audits that it showed them)."""
    found = book.get_many([row.respondent for row in rows])
    for row in rows:
        row.contact = found.get(row.respondent)


def families_of(session: Session, respondents: Collection[str]) -> list[str]:
    """The families of these respondents (a search's matches that are not on the list now)."""
    if not respondents:
        return []
    chosen = (select(Family.pseudonym).join(Respondent, Respondent.family_id == Family.id)
              .where(Respondent.pseudonym.in_(sorted(respondents))).distinct().order_by(Family.pseudonym))
    return list(session.scalars(chosen))


def _overdue(now: dt.datetime, today: dt.date) -> ColumnElement[bool]:
    return and_(Invitation.opens_at <= now, Invitation.due_date < today)


def _chosen(query: CallQuery, now: dt.datetime, today: dt.date) -> Select[*tuple[Any, ...]]:
    horizon = now + dt.timedelta(days=query.horizon_days)
    chosen: Select[*tuple[Any, ...]] = (
        select(Invitation.id, Invitation.respondent_id, Invitation.wave, Invitation.opens_at,
               Invitation.closes_at,
               Invitation.started_at, _overdue(now, today).label("overdue"), Respondent.pseudonym,
               Respondent.role, Respondent.language, Family.pseudonym.label("family"), Site.code)
        .join(Respondent, Invitation.respondent_id == Respondent.id)
        .join(Family, Respondent.family_id == Family.id).join(Site, Family.site_id == Site.id)
        .where(Site.code.in_(query.sites), Family.status == FamilyStatus.active,
               Invitation.withdrawn_at.is_(None), Invitation.completed_at.is_(None),
               Invitation.declined_at.is_(None),
               Invitation.closes_at > now, Invitation.opens_at <= horizon)
    )
    if query.wave:
        chosen = chosen.where(Invitation.wave == query.wave)
    if query.language:
        chosen = chosen.where(Respondent.language == query.language)
    if query.state:
        chosen = chosen.where(_state_condition(query.state, now, today))
    if query.only is not None:
        chosen = chosen.where(Respondent.pseudonym.in_(sorted(query.only)))
    return chosen


def _state_condition(state: str, now: dt.datetime, today: dt.date) -> ColumnElement[bool]:
    return {
        "not_started": and_(Invitation.opens_at <= now, Invitation.started_at.is_(None)),
        "started": Invitation.started_at.is_not(None),
        "overdue": _overdue(now, today),
        "opens_soon": Invitation.opens_at > now,
    }[state]


def _order(sort: str, now: dt.datetime, today: dt.date) -> list[Any]:
    tail = [Family.pseudonym, Respondent.pseudonym, Invitation.id]
    overdue_first = case((_overdue(now, today), 0), else_=1)
    orders: dict[str, list[Any]] = {
        "urgency": [overdue_first, Invitation.closes_at, *tail],
        "closes": [Invitation.closes_at, *tail],
        "family": [*tail[:2], Invitation.opens_at, Invitation.id],
        "wave": [Invitation.wave, Invitation.closes_at, *tail],
        "language": [Respondent.language, Invitation.closes_at, *tail],
    }
    return orders.get(sort, orders["urgency"])


def _row(found: Any, now: dt.datetime, zone: ZoneInfo) -> CallRow:
    opens_at: dt.datetime = found.opens_at
    state = "opens_soon" if opens_at > now else "started" if found.started_at else "not_started"
    return CallRow(
        invitation_id=found.id, respondent_id=found.respondent_id, family=found.family,
        respondent=found.pseudonym, role=found.role,
        site=found.code, language=found.language, wave=found.wave, opens=opens_at.astimezone(zone).date(),
        # closes_at is the first moment the window is shut: the day before is the last one open
        last_day=(found.closes_at.astimezone(zone) - dt.timedelta(days=1)).date(), state=state,
        overdue=bool(found.overdue), today=now.astimezone(zone).date(),
    )
