"""The family-level file: one row per family (arm, site, baseline month, child's age, and each
respondent's completion of each wave), written beside the respondent-level file. Pure.

It is collected while the respondent rows stream past (they come in family order), so the export
reads the database once; only a few facts per respondent are kept, never their answers, so memory
stays that of the respondent file being written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from portal.exports.source import Person
from portal.exports.spec import NOT_SHOWN, Dataset, Variable
from portal.exports.variables import IDENTITY, Frame
from portal.measures import age_in_months

FAMILY_FILE = "families"  # the file's name: <study>_families.<format>
COMPLETED_LABELS = {0: "not completed", 1: "completed"}
MIN_RESPONDENTS = 2  # the study's families have one or two; the columns are there for both
FAMILY_IDENTITY = tuple(v for v in IDENTITY if v.name in ("family_id", "site", "arm", "baseline_month"))


@dataclass(frozen=True, slots=True)
class _Member:
    respondent: str
    role: str
    completed: dict[str, int]  # wave -> 1 completed, 0 not (a wave missing here was not planned)


@dataclass(slots=True)
class _Family:
    first: Person  # the family's facts (site, arm, baseline, child); its answers are not read
    people: list[_Member] = field(default_factory=list)


class FamilyCollector:
    """Remembers each family's respondents (pseudonymous facts only) as the people pass through."""

    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}

    def watch(self, people: Iterable[Person]) -> Iterator[Person]:
        for person in people:
            family = self.families.get(person.family)
            if family is None:
                family = self.families[person.family] = _Family(_without_visits(person))
            completed = {visit.wave: int(visit.completed_at is not None) for visit in person.visits}
            family.people.append(_Member(person.respondent, person.role, completed))
            yield person

    def dataset(self, frame: Frame) -> Dataset:
        width = max([MIN_RESPONDENTS, *(len(f.people) for f in self.families.values())])
        data = Dataset.empty(family_variables(frame, width))
        for family in self.families.values():
            data.append(_row(frame, family, width))
        return data.finish()


def family_variables(frame: Frame, width: int) -> list[Variable]:
    variables = [*FAMILY_IDENTITY,
                 Variable("child_age_months", "Child's age in whole months at baseline", "integer",
                          missing=True, measure="scale"),
                 Variable("respondents", "Respondents in the family", "integer", measure="scale")]
    for wave in frame.waves:
        variables.append(Variable(f"{wave}_completed_respondents",
                                  f"{wave} respondents who completed the wave", "integer", measure="scale"))
    for n in range(1, width + 1):
        variables += [Variable(f"respondent{n}_id", f"Respondent {n}: pseudonym", "string"),
                      Variable(f"respondent{n}_role", f"Respondent {n}: role", "string")]
        variables += [Variable(f"respondent{n}_{wave}_completed", f"Respondent {n}: completed {wave}",
                               "integer", values=COMPLETED_LABELS, missing=True) for wave in frame.waves]
    return variables


def _row(frame: Frame, family: _Family, width: int) -> dict[str, Any]:
    first = family.first
    row: dict[str, Any] = {"family_id": first.family, "site": first.site, "arm": first.arm,
                           "baseline_month": first.baseline.strftime("%Y-%m"),
                           "child_age_months": _age_at_baseline(first),
                           "respondents": len(family.people)}
    for wave in frame.waves:
        row[f"{wave}_completed_respondents"] = sum(m.completed.get(wave) == 1 for m in family.people)
    for n in range(1, width + 1):
        member = family.people[n - 1] if n <= len(family.people) else None
        row[f"respondent{n}_id"] = member.respondent if member else ""
        row[f"respondent{n}_role"] = member.role if member else ""
        completed = member.completed if member else {}
        for wave in frame.waves:
            row[f"respondent{n}_{wave}_completed"] = completed.get(wave, NOT_SHOWN)
    return row


def _age_at_baseline(person: Person) -> int:
    if person.child_birth_month is None:
        return NOT_SHOWN
    return age_in_months(person.child_birth_month, person.baseline)


def _without_visits(person: Person) -> Person:
    return dataclasses.replace(person, visits=())
