"""What a schedule change says to a person: the lines of the re-planning preview, in the page's
language (in English on the command line, where the staff `_` speaks English)."""

from __future__ import annotations

import datetime as dt

from flask import has_request_context

from portal.protocol.replan import Change
from portal.staff.i18n import N_, _, moment_words, ngettext

MOVES = {
    "due": N_("due %(before)s → %(after)s"),
    "opens": N_("opens %(before)s → %(after)s"),
    "closes": N_("closes %(before)s → %(after)s"),
}


def describe(change: Change) -> list[str]:
    """Short lines: what moves, what is asked differently (instruments by their ids)."""
    if change.kind == "added":
        return [_("wave added")]
    if change.kind == "removed":
        return [_("wave removed")]
    lines = [_(MOVES[what], before=_day(old), after=_day(new)) for what, old, new in change.moves()]
    if added := change.instruments_added():
        lines.append(_("adds %(instruments)s", instruments=", ".join(added)))
    if dropped := change.instruments_dropped():
        lines.append(_("drops %(instruments)s", instruments=", ".join(dropped)))
    if change.instruments_reordered():
        lines.append(_("instrument order changes"))
    return lines


def replanned(respondents: int) -> str:
    return ngettext("Re-planned the schedule of %(num)d respondent.",
                    "Re-planned the schedules of %(num)d respondents.", respondents)


def _day(moment: dt.date | dt.datetime) -> str:
    """In words on the re-plan page; ISO on the command line, whose output is data."""
    return moment_words(moment, "date") if has_request_context() else f"{moment:%Y-%m-%d}"
