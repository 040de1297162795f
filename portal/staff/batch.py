"""Enrolment of many families at once (the CSV import): all rows checked, then all saved, or none.

Excel in Norway writes semicolons, a byte-order mark, Windows line endings and,
for "CSV" without "UTF-8", Windows-1252: all of these are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from portal import registry
from portal.contacts import contact_book
from portal.db import db
from portal.families.enrolment import NewFamily
from portal.families.models import Family
from portal.measures.model import age_in_months
from portal.protocol import allocation as pure
from portal.staff.enrolment import Person, add_family, commit_both, people_to_respondents
from portal.staff.i18n import N_, _
from portal.staff.intake import ALL_COLUMNS, COLUMNS, FAMILY_COLUMNS, Problem, Row, check_row
from portal.staff.sequence import places_left


class BatchRejected(ValueError):
    """The batch has problems; nothing was saved."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was saved")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Enrolled:
    family_ref: str
    family: str
    respondents: list[str]
    arm_given: bool


def decode(data: bytes) -> str:
    """Text of the file, by one rule for the browser and the command line: UTF-8 (with or without a
    byte-order mark), else Windows-1252 (Excel's plain "CSV" in Norway). The preview shows the names as
    read, so a file in another encoding is caught there before anything is saved."""
    if b"\x00" in data:  # no spreadsheet writes one into a CSV, and PostgreSQL cannot store it
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise BatchRejected([Problem(line, "file", _("holds a NUL byte: save the file as CSV UTF-8"))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:  # five byte values mean nothing in Windows-1252 either
        line = data.count(b"\n", 0, error.start) + 1
        problem = _("has the byte 0x%(byte)s on line %(line)s, which is text neither in UTF-8 nor in "
                    "Windows-1252: save the file as CSV UTF-8", byte=f"{data[error.start]:02X}", line=line)
        raise BatchRejected([Problem(line, "file", problem)]) from None


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [(n or "").strip().lower() for n in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise BatchRejected([Problem(1, c, _("this column is missing from the header")) for c in missing])
    unknown = [n for n in names if n not in ALL_COLUMNS]
    if unknown:
        known = ", ".join(ALL_COLUMNS)
        named = ", ".join(unknown)
        raise BatchRejected([Problem(1, "file", _("has an unknown column: %(named)s (known: %(known)s)",
                                                        named=named, known=known))])
    reader.fieldnames = names
    rows = []
    try:
        for raw in reader:
            if any((v or "").strip() for k, v in raw.items() if k is not None):
                rows.append((reader.line_num, {k: v or "" for k, v in raw.items() if k is not None}))
    except csv.Error as error:  # a cell longer than the csv module allows, or a broken quote
        unreadable = _("cannot be read as CSV (%(error)s)", error=error)
        raise BatchRejected([Problem(reader.line_num, "file", unreadable)]) from None
    return rows


def check_batch(
    rows: list[tuple[int, dict[str, str]]], baseline: dt.date, *, allocate_missing: bool = True
) -> list[list[Row]]:
    """Families (lists of rows), or BatchRejected with every problem."""
    protocol = registry.protocol()
    problems: list[Problem] = []
    good: list[Row] = []
    for line, raw in rows:
        checked = check_row(line, raw, protocol, baseline)
        if isinstance(checked, list):
            problems.extend(checked)
        else:
            good.append(checked)
    if not rows:
        problems.append(Problem(1, "family_ref", _("the file has no rows below the header")))
    families = _group(good, problems)
    problems.extend(_duplicates(good))
    if allocate_missing:
        problems.extend(_sequence_left(families, baseline))
    if problems:
        raise BatchRejected(sorted(problems, key=lambda p: (p.line, ALL_COLUMNS.index(p.column))))
    return families


def _group(rows: list[Row], problems: list[Problem]) -> list[list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.family_ref].append(row)
    for members in groups.values():
        first = members[0]
        for row in members[1:]:
            for column in FAMILY_COLUMNS:
                if getattr(row, column) != getattr(first, column):
                    message = _("differs from line %(line)s of the same family", line=first.line)
                    problems.append(Problem(row.line, column, message))
        if len(members) > 2:
            problems.append(Problem(members[2].line, "family_ref", _("a family has at most two respondents")))
    return list(groups.values())


def _duplicates(rows: list[Row]) -> Iterable[Problem]:
    """A phone or e-mail may be shared by the two parents of one family, never across families."""
    book = contact_book()
    first_family: dict[tuple[str, str], str] = {}
    for row in rows:
        for column, value in (("phone", row.contact.phone), ("email", row.contact.email)):
            if value is None:
                continue
            owner = first_family.setdefault((column, value.lower()), row.family_ref)
            if owner != row.family_ref:
                yield Problem(row.line, column, _("the same person appears earlier in this file"))
            elif book.find(**{column: value}):
                yield Problem(row.line, column, _("a person with this contact detail is already enrolled"))


NO_SEQUENCE = N_("the portal cannot allocate at this site yet: the data manager must create its allocation "
               "sequence (choose to allocate later, or give the arm decided elsewhere)")


def _sequence_left(families: list[list[Row]], baseline: dt.date) -> Iterable[Problem]:
    protocol = registry.protocol()
    needed: dict[str, list[Row]] = defaultdict(list)
    for members in families:
        first = members[0]
        if first.arm is None:
            months = age_in_months(first.child_birth_month.replace(day=1), baseline)
            needed[pure.stratum_of(protocol, first.site, months)].append(first)
    left = places_left(db.session)
    for stratum, firsts in needed.items():
        for row in firsts[left.get(stratum, 0):]:
            yield Problem(row.line, "arm", _(NO_SEQUENCE))


UPLOAD_LIMIT = 2 * 1024 * 1024  # a browser upload; thousands of families, far more than one sitting


def upload_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of a file sent from the browser: at most 2 MB, known columns only."""
    if len(data) > UPLOAD_LIMIT:
        raise BatchRejected([Problem(1, "file", _("is larger than 2 MB: split it into smaller files"))])
    return read_rows(decode(data))


def preview(
    rows: list[tuple[int, dict[str, str]]], *, now: dt.datetime, allocate_missing: bool
) -> list[list[Row]]:
    """What enrol_rows would enrol, checked by the same rules; nothing is written."""
    return check_batch(rows, _enrolment_day(now), allocate_missing=allocate_missing)


def _enrolment_day(now: dt.datetime) -> dt.date:
    return now.astimezone(registry.protocol().timezone).date()


def import_batch(data: bytes, *, actor: str, now: dt.datetime) -> list[Enrolled]:
    """The CSV import: an empty arm means the portal allocates from the sequence."""
    return enrol_rows(read_rows(decode(data)), actor=actor, now=now)


def enrol_rows(
    rows: list[tuple[int, dict[str, str]]], *, actor: str, now: dt.datetime, allocate_missing: bool = True
) -> list[Enrolled]:
    """Check everything, then enrol every family in one transaction."""
    baseline = _enrolment_day(now)
    families = check_batch(rows, baseline, allocate_missing=allocate_missing)
    done = []
    try:
        for members in families:
            family = _enrol_rows(members, baseline, actor, now, allocate_missing)
            done.append(Enrolled(members[0].family_ref, family.pseudonym,
                                 [r.pseudonym for r in family.respondents], members[0].arm is not None))
        commit_both()
    except Exception:
        db.session.rollback()
        contact_book().session.rollback()
        raise
    return done


def _enrol_rows(
    members: list[Row], baseline: dt.date, actor: str, now: dt.datetime, allocate: bool
) -> Family:
    first = members[0]
    people = [Person(role=r.role, language=r.language, contact=r.contact, consent=r.consent)
              for r in members]
    new = NewFamily(
        site=first.site, baseline=baseline, respondents=people_to_respondents(people),
        child_birth_month=first.child_birth_month, consent_version=first.consent_version, arm=first.arm,
    )
    return add_family(new, people, actor=actor, now=now, allocate=allocate and first.arm is None)
