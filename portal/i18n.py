"""The one list of interface languages, locale choice and text direction."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

# code -> the language's name in itself (shown in the language switch)
LANGUAGES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "en": "English",
    "pl": "Polski",
    "so": "Soomaali",
    "ar": "العربية",
    "uk": "Українська",
}
DEFAULT = "nb"
RTL = frozenset({"ar"})
# Browsers often send plain "no" for Norwegian; that is Bokmål. Nynorsk is its own language.
ALIASES = {"no": "nb", "nb-no": "nb", "nn-no": "nn"}

babel = Babel()


def direction(locale: str) -> str:
    return "rtl" if locale in RTL else "ltr"


def from_accept_language() -> str | None:
    for value, _quality in request.accept_languages:
        code = value.lower()
        code = ALIASES.get(code, code)
        if code in LANGUAGES:
            return code
        base = ALIASES.get(code.split("-")[0], code.split("-")[0])
        if base in LANGUAGES:
            return base
    return None


def select_locale() -> str:
    """A page may set g.locale (the parent's stored or chosen language); else the browser's."""
    chosen = g.get("locale")
    if chosen in LANGUAGES:
        return str(chosen)
    return from_accept_language() or DEFAULT


def configure_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="../translations")

    @app.context_processor
    def _language() -> dict[str, object]:
        from flask_babel import get_locale

        locale = str(get_locale() or DEFAULT)
        return {"html_lang": locale, "html_dir": direction(locale), "languages": LANGUAGES}
