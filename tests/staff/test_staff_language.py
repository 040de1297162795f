"""The staff pages in Norwegian bokmål and English: a checked catalogue, a language per account.

The strings are extracted afresh from the code (as `pybabel extract -F babel-staff.cfg` would), so a
new or changed staff string that nobody translated fails here, as the parent pages' catalogues do.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask

from portal.staff.i18n import LANGUAGES
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _ids(messages: object) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def current() -> set[str]:
    config = ROOT / "babel-staff.cfg"
    with config.open() as text:
        method_map, options_map = parse_mapping_cfg(text, str(config))
    found = extract_from_dir(str(ROOT), method_map, options_map)
    return {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in found}


def test_the_staff_template_in_the_repository_is_current(current: set[str]) -> None:
    with (ROOT / "translations" / "staff.pot").open("rb") as source:
        stored = _ids(read_po(source))
    assert stored == current, "run: pybabel extract -F babel-staff.cfg -o translations/staff.pot ."


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_staff_string_is_translated_sound_and_current(language: str, current: set[str]) -> None:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "staff.po").open("rb") as source:
        po = read_po(source, locale=language)
    assert current - _ids(po) == set(), f"{language}: missing strings"
    assert _ids(po) - current == set(), f"{language}: stale strings no longer in the code"
    assert [m.id for m in po if m.id and (not m.string or m.fuzzy)] == [], f"{language}: untranslated"
    assert [(m.id, e) for m, e in po.check()] == [], f"{language}: broken placeholders"
    for message in po:
        if message.id:
            for source, translated in _forms(message.id, message.string):
                assert sorted(TAG.findall(source)) == sorted(TAG.findall(translated)), source
                assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)), source


def _forms(source: str | tuple[str, ...], translated: str | tuple[str, ...]) -> list[tuple[str, str]]:
    """Each translated form beside the English it renders (a plural's later forms: the English plural)."""
    sources = (source,) if isinstance(source, str) else source
    forms = (translated,) if isinstance(translated, str) else translated
    return [(sources[min(i, len(sources) - 1)], form) for i, form in enumerate(forms)]


def test_a_norwegian_account_works_in_norwegian_and_the_page_says_so(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, arm="family_partner")
    coordinator = staff("coordinator", language="nb", blinded=False)
    page = coordinator.client.get(f"/staff/families/{family.family}").text
    assert '<html lang="nb"' in page
    assert "Samtykke" in page and "skjemaversjon v1" in page
    enrol = coordinator.client.get("/staff/enrol").text
    assert "Registrer en familie" in enrol and "polsk" in enrol and ">mor<" in enrol
    assert "randomiseringstjeneste: Familiepartner" in enrol and "family_partner<" not in enrol


def test_an_account_without_a_choice_speaks_the_studys_language_and_can_choose_english(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator", language=None)
    assert '<html lang="nb"' in coordinator.client.get("/staff/enrol").text
    account = "/staff/account/password"
    changed = coordinator.post("/staff/account/language", {"language": "en"}, form_at=account, follow=True)
    assert "The workspace now speaks your chosen language." in changed.text
    page = coordinator.client.get("/staff/enrol").text
    assert '<html lang="en"' in page and "Enrol a family" in page and "Polish" in page
    refused = coordinator.post("/staff/account/language", {"language": "xx"}, form_at=account, follow=True)
    assert "Choose Norwegian or English." in refused.text


def test_before_sign_in_the_browser_chooses_between_norwegian_and_english(app: Flask) -> None:
    client = app.test_client()
    assert "Logg inn" in client.get("/staff/login", headers={"Accept-Language": "no, en;q=0.5"}).text
    assert "Sign in" in client.get("/staff/login", headers={"Accept-Language": "en-GB"}).text
    assert '<html lang="nb"' in client.get("/staff/login", headers={"Accept-Language": "de"}).text


def test_the_analysts_pages_sit_in_the_staff_layout_with_its_menu(app: Flask, staff: StaffFactory) -> None:
    analyst = staff("analyst")
    exports = analyst.client.get("/analysis/").text
    assert 'class="bar"' in exports and 'aria-label="Workspace"' in exports and "Sign out" in exports
    assert 'class="narrow export"' in exports  # the export form styled as the other staff forms
    assert 'href="/analysis/"' in analyst.client.get("/staff/retention").text  # linked from the menu
