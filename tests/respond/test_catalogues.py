"""The parent interface's catalogues are complete and sound in every shipped language.

The strings are extracted afresh from the code (as `pybabel extract -F babel.cfg`
would), so a new or changed string that nobody translated fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def extracted_now() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(ROOT / "babel.cfg"))
    found = extract_from_dir(str(ROOT), method_map, options_map)
    return {message if isinstance(message, str) else message[0]
            for _filename, _line, message, _comments, _context in found}


def catalogue(language: str) -> Catalog:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.fixture(scope="module")
def current() -> set[str]:
    return extracted_now()


def test_the_template_in_the_repository_is_current(current: set[str]) -> None:
    with (ROOT / "translations" / "messages.pot").open("rb") as source:
        stored = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    assert stored == current, "run: pybabel extract -F babel.cfg -o translations/messages.pot ."


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_string_is_translated_and_none_is_stale(language: str, current: set[str]) -> None:
    po = catalogue(language)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    assert current - ids == set(), f"{language}: missing strings"
    assert ids - current == set(), f"{language}: stale strings no longer in the code"
    untranslated = [m.id for m in po if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [], f"{language}: untranslated or fuzzy"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_placeholders_and_tags_survive_translation(language: str) -> None:
    po = catalogue(language)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in po.check()]
    assert problems == [], f"{language}: broken placeholders or plural forms"
    for message in po:
        if message.id:
            source = message.id if isinstance(message.id, str) else message.id[0]
            target = message.string if isinstance(message.string, str) else message.string[0]
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(target)), (language, source)
            placeholders = sorted(re.findall(r"%\(\w+\)[sd]", source))
            assert sorted(re.findall(r"%\(\w+\)[sd]", target)) == placeholders, (language, source)


def test_a_broken_placeholder_is_caught() -> None:
    """The check above is not vacuous: Babel's checker flags a renamed placeholder."""
    po = Catalog(locale="nb")
    po.add("Page %(number)s of %(total)s", "Side %(nummer)s av %(total)s", flags=["python-format"])
    assert list(po.check()) != []
