"""Message texts: every language translated, placeholders intact, neutral, and short enough for SMS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES
from portal.messaging import texts
from portal.messaging.texts import render_email, render_sms, sms_size

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("invitation", "reminder", "last_reminder", "resend")
# A real study address is about this long; the token is always 26 characters.
LINK = "https://familiestudien.example.no/s/" + "a" * 26
CODE = "AB12-CD34"
STUDY = "Familiestudien"
GSM7_LANGUAGES = ("nb", "nn", "en", "pl", "so")  # Polish SMS avoid letters outside GSM-7 on purpose
UCS2_LANGUAGES = ("ar", "uk")
FORBIDDEN = ("barnevern", "child welfare", "barnevernet", "welfare", "opieka", "социальн", "رعاية")


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\((\w+)\)s", text))


def test_the_template_lists_exactly_the_texts_the_code_uses() -> None:
    with (ROOT / "translations" / "outbound.pot").open("rb") as handle:
        template = read_po(handle)
    assert sorted(m.id for m in template if m.id) == sorted(texts.ALL_TEXTS)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_translates_every_text_with_the_same_placeholders(language: str) -> None:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "outbound.po").open("rb") as handle:
        catalogue = read_po(handle)
    found = {m.id: m.string for m in catalogue if m.id}
    assert set(found) == set(texts.ALL_TEXTS)
    for msgid, msgstr in found.items():
        assert msgstr, f"{language}: {msgid!r} is not translated"
        assert placeholders(msgstr) == placeholders(msgid), f"{language}: {msgid!r}"
        assert not any(word in msgstr.lower() for word in FORBIDDEN)
        if language != "en":
            assert msgstr != msgid, f"{language}: {msgid!r} is still English"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_compiled_catalogues_are_used_outside_a_request(language: str, kind: str) -> None:
    sms = render_sms(kind, language, study=STUDY, link=LINK, code=CODE).body
    mail = render_email(kind, language, study=STUDY, link=LINK, code=CODE, help_text="")
    english = render_sms(kind, "en", study=STUDY, link=LINK, code=CODE).body
    assert (sms == english) == (language == "en"), "a missing .mo falls back to English silently"
    for text in (sms, mail.body):
        assert LINK in text and CODE in text and STUDY in text
    assert STUDY in mail.subject and LINK not in mail.subject


@pytest.mark.parametrize("language", GSM7_LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_sms_fit_one_gsm7_message_where_the_language_allows(language: str, kind: str) -> None:
    size = sms_size(render_sms(kind, language, study=STUDY, link=LINK, code=CODE).body)
    assert (size.encoding, size.segments) == ("GSM-7", 1), size
    assert size.units <= 160


@pytest.mark.parametrize("language", UCS2_LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_arabic_and_ukrainian_sms_take_at_most_two_segments(language: str, kind: str) -> None:
    # UCS-2 allows 70 characters in one message, 67 per part of a longer one; the link alone is 62.
    size = sms_size(render_sms(kind, language, study=STUDY, link=LINK, code=CODE).body)
    assert size.encoding == "UCS-2" and size.segments <= 2, size


def test_sms_size_counts_gsm7_extension_characters_twice_and_splits_long_texts() -> None:
    assert sms_size("æøå ÆØÅ").encoding == "GSM-7"
    assert sms_size("€" * 80).units == 160 and sms_size("€" * 81).segments == 2
    assert sms_size("ą").encoding == "UCS-2"
    assert sms_size("a" * 161).segments == 2 and sms_size("я" * 71).segments == 2


def test_a_rendered_message_does_not_show_its_link_in_a_repr() -> None:
    assert LINK not in repr(render_sms("invitation", "nb", study=STUDY, link=LINK, code=CODE))
