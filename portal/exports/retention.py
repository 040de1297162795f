"""The retention layout: one row per invitation, so follow-up can be modelled. Pure.

State comes from the same rule the portal uses (invitation_state), applied
to the exported row at the export's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from portal.exports.layout import identity, visit_cells
from portal.exports.source import Person, Visit
from portal.exports.spec import Dataset, Variable
from portal.exports.variables import IDENTITY, IN_WINDOW_LABELS, Frame
from portal.families.models import invitation_state

ATTEMPT_VARIABLES = [
    Variable("attempts", "Messages sent or tried for this invitation (receipts not counted)", "integer",
             measure="scale"),
    Variable("channels", "Channels tried (sms, email; + when both)", "string"),
    Variable("first_attempt_at", "First message attempt (UTC)", "datetime"),
    Variable("staff_attempts", "Contact attempts staff recorded for this invitation (phone, SMS or e-mail by "
             "hand, home visit, letter)", "integer", measure="scale"),
    Variable("staff_outcome", "Outcome of the latest staff attempt (will_answer, declines, no_answer, "
             "message_left, wrong_contact)", "string"),
]


def retention_variables(with_attempts: bool) -> list[Variable]:
    variables = list(IDENTITY) + [
        Variable("wave", "Wave", "string"),
        Variable("due_date", "Date the wave was due (study time zone), YYYY-MM-DD", "string"),
        Variable("opens_at", "Window opens (UTC)", "datetime"),
        Variable("closes_at", "Window closes (UTC), first moment it is shut", "datetime"),
        Variable("started_at", "First opened and started (UTC)", "datetime"),
        Variable("completed_at", "Completed (UTC)", "datetime"),
        Variable("withdrawn_at", "Withdrawn (UTC)", "datetime"),
        Variable("state", "State at the time of the export (scheduled, open, started, completed, expired, "
                          "withdrawn)", "string"),
        Variable("child_age_months", "Child's age in whole months at the due date", "integer", missing=True,
                 measure="scale"),
        Variable("days_open_to_submit", "Days from the window opening to submission", "integer", missing=True,
                 measure="scale"),
        Variable("days_from_baseline", "Days from baseline to completion", "integer", missing=True,
                 measure="scale"),
        Variable("in_window", "Completed inside the wave's window", "integer", values=IN_WINDOW_LABELS,
                 missing=True),
    ]
    return variables + (ATTEMPT_VARIABLES if with_attempts else [])


def retention(frame: Frame, people: Iterable[Person], now: dt.datetime, *, with_attempts: bool) -> Dataset:
    dataset = Dataset.empty(retention_variables(with_attempts))
    for person in people:
        for wave in frame.waves:
            visit = person.visit(wave)
            if visit is not None:
                dataset.append(_row(frame, person, visit, now, with_attempts))
    return dataset.finish()


def _row(frame: Frame, person: Person, visit: Visit, now: dt.datetime, with_attempts: bool) -> dict[str, Any]:
    row = identity(person)
    timing = visit_cells(frame, person, visit, "", ())
    row.update(
        wave=visit.wave, due_date=visit.due_date.isoformat(), opens_at=visit.opens_at,
        closes_at=visit.closes_at, started_at=visit.started_at, completed_at=visit.completed_at,
        withdrawn_at=visit.withdrawn_at, state=str(invitation_state(visit, now)),
        days_from_baseline=timing["days_from_baseline"], in_window=timing["in_window"],
        child_age_months=timing["child_age_months"], days_open_to_submit=timing["days_open_to_submit"],
    )
    if with_attempts:
        attempts = visit.attempts
        row.update(attempts=attempts.count if attempts else 0,
                   channels="+".join(attempts.channels) if attempts else "",
                   first_attempt_at=attempts.first_at if attempts else None,
                   staff_attempts=attempts.by_staff if attempts else 0,
                   staff_outcome=attempts.last_staff_outcome if attempts else "")
    return row
