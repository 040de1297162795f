"""Translation packs: a language's published wording for one instrument, kept beside it, not in it.

A pack holds every translatable string of an instrument keyed by a string id
(`title`, `instructions`, `item.<item>`, `item.<item>.<code>` for an item's own
options, `options.<set>.<code>` for a named option list) with where the text
comes from and who compared it with the publisher's document. Applying a pack
adds its language to the instrument; the instrument file is never copied.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .model import Instrument, Item, Option

# The most characters each kind of string may have: what a phone's page shows without a wall of text
# (a little over twice the longest English string of the shipped instruments).
LIMITS = {"title": 120, "instructions": 1000, "item": 400, "option": 60}
SOURCE_KEYS = ("publisher", "document", "year")


@dataclass(frozen=True, slots=True)
class Translatable:
    """One string a pack must give: its id, what it is, its English, and the most characters it may have."""

    key: str
    kind: str  # title, instructions, item, option
    english: str
    item: str  # the item it belongs to ("" for title, instructions and named option lists)

    @property
    def limit(self) -> int:
        return LIMITS[self.kind]

    @property
    def option_list(self) -> str:
        """For an option label: the list it belongs to (`item.<id>` or `options.<set>`); else ""."""
        return self.key.rsplit(".", 1)[0] if self.kind == "option" else ""


@dataclass(frozen=True, slots=True)
class Pack:
    instrument: str
    instrument_version: str
    language: str
    direction: str
    version: str
    source: Mapping[str, str]
    licence: str
    checked_by: str
    checked_on: str
    strings: Mapping[str, str]
    translated_by: str = ""
    registered_as: str = ""
    file: str = ""  # where it was read from; not part of its content

    @property
    def hash(self) -> str:
        """The pack's content in 16 hex digits: answers are frozen with it (comments and layout aside)."""
        content = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "file"}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=dict)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def describe_source(self) -> str:
        parts = [self.source.get(key, "") for key in SOURCE_KEYS]
        text = ", ".join(str(part) for part in parts if part)
        return text + (f"; registered as {self.registered_as}" if self.registered_as else "")


def translatable(instrument: Instrument) -> list[Translatable]:
    """Every string a pack for `instrument` must give, in the order a parent meets them."""
    strings = [Translatable("title", "title", instrument.title["en"], "")]
    if instrument.instructions.get("en"):
        strings.append(Translatable("instructions", "instructions", instrument.instructions["en"], ""))
    named: set[str] = set()
    for item in instrument.items:
        strings.append(Translatable(f"item.{item.id}", "item", item.text["en"], item.id))
        if item.option_set and item.option_set in named:
            continue
        named.add(item.option_set)
        for option in item.options:
            strings.append(Translatable(option_key(item, option), "option", option.label["en"], item.id))
    return strings


def option_key(item: Item, option: Option) -> str:
    owner = f"options.{item.option_set}" if item.option_set else f"item.{item.id}"
    return f"{owner}.{option.code}"


def apply_pack(instrument: Instrument, pack: Pack) -> Instrument:
    """The instrument with the pack's language added (the pack is already checked against it)."""
    lang, strings = pack.language, pack.strings

    def added(text: Mapping[str, str], key: str) -> dict[str, str]:
        return {**text, lang: strings[key]} if key in strings else dict(text)

    def labelled(item: Item) -> tuple[Option, ...]:
        return tuple(dataclasses.replace(o, label=added(o.label, option_key(item, o))) for o in item.options)

    items = tuple(
        dataclasses.replace(item, text=added(item.text, f"item.{item.id}"), options=labelled(item))
        for item in instrument.items
    )
    return dataclasses.replace(
        instrument,
        title=added(instrument.title, "title"),
        instructions=added(instrument.instructions, "instructions"),
        items=items,
        languages=(*instrument.languages, lang),
        translation_sources={**instrument.translation_sources, lang: pack.describe_source()},
        packs={**instrument.packs, lang: (pack.version, pack.hash)},
    )


def string_problems(instrument: Instrument, strings: Mapping[str, str],
                    lang: str) -> Iterator[tuple[str, str]]:
    """(string id, problem) for each string missing, extra, empty or too long, in the instrument's order."""
    expected = translatable(instrument)
    known = {entry.key for entry in expected}
    for entry in expected:
        text = strings.get(entry.key)
        if text is None:
            yield entry.key, f"no {lang} text (the English is: {shorten(entry.english)})"
        elif not text.strip():
            yield entry.key, f"the {lang} text is empty"
        elif len(text) > entry.limit:
            yield entry.key, f"the {lang} text has {len(text)} characters; a page allows {entry.limit}"
    for key in strings:
        if key not in known:
            yield key, f"'{key}' is not a string of {instrument.id} version {instrument.version}"


def shorten(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def change_refusal(current: Pack | None, new: Pack, recorded: Iterable[tuple[str | None, str | None, int]]
                   ) -> str | None:
    """Why `new` may not replace `current`, given the answers kept so far in its language
    ((pack version, pack hash, responses) each): changed text needs a new version once answers exist."""
    recorded = list(recorded)
    for version, kept_hash, _count in recorded:
        if version == new.version and kept_hash not in (None, new.hash):
            return (f"answers were kept with version {version} of the {new.language} pack for "
                    f"{new.instrument}, whose text this changes: give the changed pack a new version "
                    "(about.version)")
    answered = sum(count for _version, _hash, count in recorded)
    if current is not None and current.version == new.version and current.hash != new.hash and answered:
        return (f"{answered} answers exist in {new.language} for {new.instrument} with version "
                f"{new.version} of its pack: give the changed pack a new version (about.version)")
    return None
