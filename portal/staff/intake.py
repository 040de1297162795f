"""Checking enrolment rows, from the CSV import and the web form alike.

Every problem is reported with the column it belongs to, so a person can find
and fix it; nothing is written until every row of the batch is good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.contacts import ContactDetails, InvalidContact
from portal.contacts.book import normalise_email, normalise_phone
from portal.families.consent import Consent, ConsentError, parse_covers
from portal.protocol.model import ROLES, Protocol
from portal.staff.i18n import N_, _

COLUMNS = (
    "family_ref", "site", "language", "respondent_role", "name", "phone", "email",
    "child_birth_month", "consent_version", "arm",
)
# each parent's consent: the day signed (default: the day of enrolment) and what it covers (default: all)
OPTIONAL_COLUMNS = ("consent_date", "consent_covers")
ALL_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS, "file")
FAMILY_COLUMNS = ("site", "child_birth_month", "consent_version", "arm")
OLDEST_CHILD_YEARS = 12


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(slots=True)
class Row:
    line: int
    family_ref: str
    site: str
    language: str
    role: str
    contact: ContactDetails
    child_birth_month: dt.date
    consent_version: str
    arm: str | None
    consent: Consent


@dataclass(slots=True)
class RowCheck:
    line: int
    raw: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    def text(self, column: str) -> str:
        return (self.raw.get(column) or "").strip()

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))


def child_age_years(birth_month: dt.date, on: dt.date) -> int:
    return on.year - birth_month.year - ((on.month, on.day) < (birth_month.month, 1))


def check_row(
    line: int, raw: Mapping[str, str], protocol: Protocol, baseline: dt.date
) -> Row | list[Problem]:
    """A checked, normalised row, or every problem found in it."""
    check = RowCheck(line, raw)
    _require(check, "family_ref", "consent_version", "name")
    site = _choice(check, "site", [s.id for s in protocol.sites], "site")
    language = _choice(check, "language", list(protocol.languages), "language")
    role = _choice(check, "respondent_role", list(ROLES), "role")
    arm_text = check.text("arm")
    if arm_text and arm_text not in protocol.arm_ids():
        known = ", ".join(protocol.arm_ids())
        check.fail("arm", _("unknown arm %(value)s (known: %(known)s; leave empty to allocate)",
                            value=repr(arm_text), known=known))
    month = _birth_month(check, baseline)
    consent = _consent(check, baseline)
    contact = _contact(check)
    if check.problems or month is None or contact is None or consent is None:
        return check.problems
    return Row(line, check.text("family_ref"), site, language, role, contact, month,
               check.text("consent_version"), arm_text or None, consent)


def _require(check: RowCheck, *columns: str) -> None:
    for column in columns:
        if not check.text(column):
            check.fail(column, _("is empty"))


UNKNOWN = {
    "site": N_("unknown site %(value)s (known: %(known)s)"),
    "language": N_("unknown language %(value)s (known: %(known)s)"),
    "role": N_("unknown role %(value)s (known: %(known)s)"),
}


def _choice(check: RowCheck, column: str, known: list[str], what: str) -> str:
    value = check.text(column)
    if value not in known:
        shown = repr(value) if value else _("nothing")
        check.fail(column, _(UNKNOWN[what], value=shown, known=", ".join(known)))
    return value


def _birth_month(check: RowCheck, baseline: dt.date) -> dt.date | None:
    text = check.text("child_birth_month")
    try:
        month = dt.date.fromisoformat(f"{text}-01") if len(text) == 7 else None
    except ValueError:
        month = None
    if month is None:
        check.fail("child_birth_month", _("%(text)s is not a month like 2019-05", text=repr(text)))
        return None
    if month > baseline or child_age_years(month, baseline) > OLDEST_CHILD_YEARS:
        check.fail("child_birth_month", _("the child must be 0 to %(oldest)s years old at enrolment",
                                          oldest=OLDEST_CHILD_YEARS))
        return None
    return month


def _consent(check: RowCheck, baseline: dt.date) -> Consent | None:
    date_text, covers_text = check.text("consent_date"), check.text("consent_covers")
    try:
        date = dt.date.fromisoformat(date_text) if date_text else baseline
    except ValueError:
        check.fail("consent_date", _("%(text)s is not a date like 2026-09-01", text=repr(date_text)))
        return None
    try:
        questionnaires, sms, email = parse_covers(covers_text) if covers_text else (True, True, True)
        consent = Consent(check.text("consent_version"), date, questionnaires, sms, email)
        if consent.version:  # an empty version is reported once, as an empty column
            consent.check(baseline)
    except ConsentError as problem:
        check.fail(f"consent_{problem.part}", _(problem.template, **problem.values))
        return None
    return consent


def _contact(check: RowCheck) -> ContactDetails | None:
    phone = email = None
    try:
        phone = normalise_phone(check.text("phone")) if check.text("phone") else None
    except InvalidContact as problem:
        check.fail("phone", contact_problem(problem))
    try:
        email = normalise_email(check.text("email")) if check.text("email") else None
    except InvalidContact as problem:
        check.fail("email", contact_problem(problem))
    if not check.text("phone") and not check.text("email"):
        check.fail("phone", _("give a phone number or an e-mail address"))
    if check.problems:
        return None
    return ContactDetails(name=check.text("name"), phone=phone, email=email)


def contact_problem(problem: InvalidContact) -> str:
    """What is wrong with a phone number or e-mail address, in the page's language (portal.contacts
    says it in English, and never repeats the value)."""
    return _(str(problem))


# The keystore's refusals (portal.contacts.book, in English), marked so the catalogue carries them.
_CONTACT_REFUSALS = (
    N_("not a phone number"),
    N_("not a valid phone number (Norwegian numbers need 8 digits)"),
    N_("not an e-mail address"),
)

# Consent refusals (portal.families.consent, in English), marked so the catalogue carries them.
_CONSENT_REFUSALS = (
    N_("the consent form's version is missing"),
    N_("consent cannot be signed after the day of enrolment"),
    N_("a parent takes part only with consent to the questionnaires"),
    N_("unknown consent %(words)s (known: %(known)s)"),
)
