"""Which language an instrument's items are shown in.

Item wording must be the published translation, so an instrument is shown
only in the languages it has published text for (DESIGN.md). Interface
strings follow the parent's language regardless.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.measures import Instrument


@dataclass(frozen=True, slots=True)
class ItemLanguage:
    shown: str  # the language the items are shown in
    wanted: str  # the parent's interface language
    available: tuple[str, ...]  # every published language of the instrument

    @property
    def missing(self) -> bool:
        """The parent's language has no published version: the page says so."""
        return self.shown != self.wanted and self.wanted not in self.available


def item_language(instrument: Instrument, wanted: str, chosen: str | None = None,
                  saved: str | None = None) -> ItemLanguage:
    """The parent's explicit choice, then their own language, then that of earlier answers, then English."""
    available = tuple(instrument.languages)
    for candidate in (chosen, wanted, saved, "en"):
        if candidate in available:
            return ItemLanguage(str(candidate), wanted, available)
    return ItemLanguage(available[0], wanted, available)
