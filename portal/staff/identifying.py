"""Does a short staff note name the person it is about? Checked before a note reaches the main store.

Notes live under pseudonyms; a coordinator on the phone may type the parent's name or number
without thinking. This catches the respondent's own name, phone number and e-mail address;
the form's hint asks for the rest.
"""

from __future__ import annotations

import re

from portal.contacts import ContactDetails
from portal.staff.i18n import N_

# marked for the staff catalogue; raised through `_()` in the reader's language
REFUSAL = N_("Leave names, phone numbers and e-mail addresses out of the note: it is stored under the "
             "pseudonym.")
PHONE_TAIL = 8  # a Norwegian number without its country code


def names_someone(note: str, details: ContactDetails | None) -> bool:
    if details is None or not note.strip():
        return False
    words = {w.casefold() for w in re.findall(r"\w+", note)}
    if any(len(part) >= 2 and part.casefold() in words for part in re.findall(r"\w+", details.name)):
        return True
    digits = re.sub(r"\D", "", note)
    if details.phone and re.sub(r"\D", "", details.phone)[-PHONE_TAIL:] in digits:
        return True
    return bool(details.email and details.email.casefold() in note.casefold())
