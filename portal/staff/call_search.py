"""Finding a parent on the call list by part of the name, a phone number or an e-mail address.

Nothing searchable is stored in plain text: a phone number or address is looked up through the
keystore's blind index (exact match), and a name by opening, in memory and for this search only,
the names of the respondents the account may see. The text searched for is never logged or audited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass

from portal.contacts import ContactBook, InvalidContact
from portal.contacts.book import normalise_email, normalise_phone
from portal.staff.i18n import N_, _

PHONE_LIKE = re.compile(r"[+\d][\d\s().-]*")
LONGEST = 200


class SearchError(ValueError):
    """A search that cannot be run; the message is for the coordinator and never repeats the text."""


@dataclass(frozen=True, slots=True)
class Found:
    by: str  # name | phone | email
    respondents: frozenset[str]


def search(book: ContactBook, text: str, among: Collection[str]) -> Found:
    """The respondents among `among` whose name holds every word of `text`, or whose phone number or
    e-mail address is `text`."""
    text = text.strip()
    if len(text) > LONGEST:
        raise SearchError(_("Search for at most %(longest)s characters.", longest=LONGEST))
    if "@" in text:
        return Found("email", _exact(book, among, email=_checked(normalise_email, text, N_(
            "That is not a whole e-mail address: type all of it, or search by part of the name."))))
    if PHONE_LIKE.fullmatch(text):
        return Found("phone", _exact(book, among, phone=_checked(normalise_phone, text, N_(
            "That is not a whole phone number: type all of it (8 digits), or search by part of the name."))))
    words = folded(text).split()
    if not words:
        raise SearchError(_("Type part of a name, a phone number or an e-mail address."))
    names = book.names(among)
    return Found("name", frozenset(p for p, name in names.items() if all(w in folded(name) for w in words)))


def folded(text: str) -> str:
    """Case and accents set aside, so that 'ostby' finds Østby and 'jose' finds José."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ø", "o").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _checked(normalise: Callable[[str], str], text: str, refusal: str) -> str:
    try:
        return normalise(text)
    except InvalidContact:
        raise SearchError(_(refusal)) from None


def _exact(book: ContactBook, among: Collection[str], **value: str) -> frozenset[str]:
    allowed = set(among)
    return frozenset(p for p in book.find(**value) if p in allowed)
