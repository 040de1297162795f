"""An instrument in one language beside English, item by item, for proofreading and paper administration.

Pure: an instrument (with its packs applied) in, rows out. The text shown is the
instrument's and its pack's, never ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.measures import Instrument
from portal.staff.i18n import _


@dataclass(frozen=True, slots=True)
class Line:
    """One thing a parent reads: a title, the instructions, an item, with its answer options."""

    kind: str  # title, instructions, item
    key: str
    english: str
    shown: str
    options: tuple[tuple[int, str, str], ...] = ()  # code, English label, label shown
    item_type: str = ""


def preview_lines(instrument: Instrument, lang: str) -> list[Line]:
    lines = [Line("title", "title", instrument.title["en"], instrument.title_in(lang))]
    if instrument.instructions.get("en"):
        lines.append(Line("instructions", "instructions", instrument.instructions["en"],
                          instrument.instructions.get(lang, "")))
    for item in instrument.items:
        options = tuple((o.code, o.label["en"], o.label.get(lang, "")) for o in item.options)
        lines.append(Line("item", item.id, item.text["en"], item.text.get(lang, ""), options, item.type))
    return lines


def origin(catalogue: Any, instrument: Instrument, lang: str) -> Mapping[str, str]:
    """Where the language's text comes from, as the team checks it against the publisher's document."""
    pack = catalogue.pack(instrument.id, lang)
    if pack is None:
        source = instrument.source if lang == "en" else instrument.translation_sources.get(lang, "")
        return {_("from"): _("the instrument's own definition"), _("source"): source,
                _("licence"): instrument.licence}
    return {
        _("from"): _("translation pack %(file)s", file=Path(pack.file).name),
        _("source"): pack.describe_source(),
        _("licence"): pack.licence, _("translated by"): pack.translated_by,
        _("checked by"): _("%(who)s on %(day)s", who=pack.checked_by, day=pack.checked_on),
        _("pack version"): _("%(version)s (hash %(hash)s)", version=pack.version, hash=pack.hash),
    }


def offered(catalogue: Any) -> list[tuple[Instrument, list[str]]]:
    """Every instrument with its languages other than English."""
    return [(instrument, [lang for lang in instrument.languages if lang != "en"])
            for instrument in catalogue.values()]
