"""The call list as a sheet: CSV for a spreadsheet, or plain text for a terminal.

Both hold names, phone numbers and e-mail addresses, so whoever makes one audits it
(`record_shown`). Every CSV cell goes through the exports' spreadsheet-formula guard.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal.audit import record
from portal.exports.writers import guard
from portal.staff.attempts import CHANNELS, OUTCOMES
from portal.staff.calls import CallRow
from portal.staff.i18n import _

# The column names stay English in every language: spreadsheets and scripts find columns by them.
# The cells' words (state, delivery, attempt) are in the account's language, as on the page.
COLUMNS = (
    "Family", "Respondent", "Role", "Name", "Phone", "E-mail", "Language", "Site", "Wave", "State", "Overdue",
    "Last day", "Days left", "Messages sent", "Last message", "Last message delivery", "Next message",
    "Last attempt", "Attempt outcome", "Open alerts",
)
TEXT_COLUMNS = (
    "Family", "Respondent", "Name", "Phone", "Language", "Wave", "State", "Last day", "Messages sent",
    "Attempt outcome",
)


def sheet_row(row: CallRow, zone: ZoneInfo) -> dict[str, str]:
    contact = row.contact
    last = row.last_message
    return {
        "Family": row.family, "Respondent": row.respondent, "Role": row.role,
        "Name": contact.name if contact else "", "Phone": (contact.phone or "") if contact else "",
        "E-mail": (contact.email or "") if contact else "", "Language": row.language_name, "Site": row.site,
        "Wave": row.wave, "State": row.state_words, "Overdue": "yes" if row.overdue else "no",
        "Last day": row.last_day.isoformat(), "Days left": str(row.days_left),
        "Messages sent": str(row.messages_sent),
        "Last message": f"{last.kind} {last.at:%Y-%m-%d %H:%M}" if last else "",
        "Last message delivery": last.delivery if last else "",
        "Next message": f"{nxt.kind} {nxt.at:%Y-%m-%d %H:%M}" if (nxt := row.next_message) else "",
        **attempt_cells(row, zone), "Open alerts": str(row.open_alerts),
    }


def attempt_cells(row: CallRow, zone: ZoneInfo) -> dict[str, str]:
    attempt = row.last_attempt
    if attempt is None:
        return {"Last attempt": "", "Attempt outcome": ""}
    return {"Last attempt": f"{_(CHANNELS[attempt.channel])} {attempt.at.astimezone(zone):%Y-%m-%d %H:%M}",
            "Attempt outcome": _(OUTCOMES[attempt.outcome])}


def as_csv(rows: Sequence[CallRow], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard(name) for name in COLUMNS])
    for row in rows:
        cells = sheet_row(row, zone)
        writer.writerow([guard(cells[name]) for name in COLUMNS])
    return out.getvalue()


def as_text(rows: Sequence[CallRow], zone: ZoneInfo) -> str:
    """Columns padded to their widest cell, for a terminal or a printer."""
    table = [list(TEXT_COLUMNS)] + [[sheet_row(row, zone)[name] for name in TEXT_COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(TEXT_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in table) + "\n"


def record_shown(
    session: Session, rows: Sequence[CallRow], *, actor: str, now: dt.datetime, how: str
) -> None:
    """One audit entry for one page or sheet: who saw whose contact details, never the details."""
    shown = sorted({row.respondent for row in rows})
    if shown:
        record(session, now=now, actor=actor, action="call_list_shown", how=how, respondents=shown)
