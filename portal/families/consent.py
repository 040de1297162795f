"""Each parent's consent: which form they signed, when, and what it lets the study do.

Taking part means answering the questionnaires; contact by SMS and by e-mail are
consented to one by one, and the dispatcher never uses a channel without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

COVERS = ("questionnaires", "sms", "email")


class ConsentError(ValueError):
    """Consent that cannot enrol a parent; `part` is `version`, `date` or `covers`.

    `template` and `values` let the workspace word it in the coordinator's language."""

    def __init__(self, part: str, template: str, **values: object) -> None:
        super().__init__(template % values if values else template)
        self.part, self.template, self.values = part, template, values


@dataclass(frozen=True, slots=True)
class Consent:
    version: str
    date: dt.date
    questionnaires: bool = True
    sms: bool = True
    email: bool = True

    def covers(self) -> tuple[str, ...]:
        return tuple(part for part in COVERS if getattr(self, part))

    def check(self, enrolled_on: dt.date) -> None:
        if not self.version.strip():
            raise ConsentError("version", "the consent form's version is missing")
        if self.date > enrolled_on:
            raise ConsentError("date", "consent cannot be signed after the day of enrolment")
        if not self.questionnaires:
            raise ConsentError("covers", "a parent takes part only with consent to the questionnaires")


def parse_covers(text: str) -> tuple[bool, bool, bool]:
    """`questionnaires sms email` (any order; spaces, commas or +; `none` for nothing).

    Raises ConsentError on an unknown word."""
    words = {w for w in text.replace(",", " ").replace("+", " ").lower().split() if w} - {"none"}
    unknown = sorted(words - set(COVERS))
    if unknown:
        raise ConsentError("covers", "unknown consent %(words)s (known: %(known)s)",
                           words=", ".join(unknown), known=", ".join(COVERS))
    return "questionnaires" in words, "sms" in words, "email" in words
