"""The one list of interface languages, locale choice and text direction.

Order of choice: the language a page sets (the parent's stored language),
then a choice made on a page without an invitation (kept in the session),
then the browser's Accept-Language, then Norwegian Bokmål.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations
from flask import Flask, current_app, g, render_template, request, session
from flask_babel import Babel, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from portal.config import DATA_ROOT

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
SESSION_LANGUAGE = "lang"

babel = Babel()
TRANSLATIONS = DATA_ROOT / "translations"


@functools.lru_cache(maxsize=64)
def direction(locale: str) -> str:
    """Interface languages from RTL; another language (a translation pack's) from CLDR."""
    if locale in LANGUAGES:
        return "rtl" if locale in RTL else "ltr"
    try:
        return "rtl" if Locale.parse(locale).text_direction == "rtl" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def known(code: str | None) -> str | None:
    """The shipped language a code names (`no` is Bokmål), or None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    code = ALIASES.get(code, code)
    if code in LANGUAGES:
        return code
    base = code.split("-")[0]
    base = ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def from_accept_language() -> str | None:
    for value, _quality in request.accept_languages:
        code = known(value)
        if code:
            return code
    return None


def select_locale() -> Locale:
    """Flask-Babel's selector. It returns a parsed Locale, kept: Flask-Babel would parse a code
    again on every request (a look at Babel's data files on disk each time)."""
    chosen = g.get("locale")
    if chosen not in LANGUAGES:
        chosen = known(session.get(SESSION_LANGUAGE)) or from_accept_language() or DEFAULT
    return _parsed(chosen)


@functools.cache
def _parsed(code: str) -> Locale:  # one of LANGUAGES
    return Locale.parse(code)


def current() -> str:
    return str(get_locale() or DEFAULT)


@functools.lru_cache(maxsize=256)
def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name in another language (or in itself), from the CLDR data Babel carries."""
    if in_language is None and code in LANGUAGES:
        return LANGUAGES[code]
    try:
        name = Locale.parse(code).get_display_name(in_language or code)
    except (UnknownLocaleError, ValueError):
        return code
    return name or code


def bdi(value: object) -> Markup:
    """Codes and numbers isolated from the text around them (Arabic pages)."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(value))


FRAGMENTS = "portal.i18n.fragments"


def per_language(template: str) -> Markup:
    """A template that depends on nothing but the interface language (its words, the language list),
    rendered once per language and kept: the language switch is on every parent page."""
    fragments: dict[tuple[str, str], Markup] = current_app.extensions.setdefault(FRAGMENTS, {})
    key = (template, current())  # bounded: our own template names x the shipped languages
    if key not in fragments:
        fragments[key] = Markup(render_template(template))
    return fragments[key]


# The catalogue of the page being rendered. Flask-Babel's template functions look it up afresh for
# every string; a page is in one language, so it is looked up once per render, in the context
# processor below.
CATALOGUE = "_catalogue"


def _catalogue(context: Context) -> NullTranslations:
    catalogue = context.get(CATALOGUE)
    return catalogue if catalogue is not None else get_translations()  # rendered without the processor


@pass_context
def _gettext(context: Context, string: str) -> str:
    return _catalogue(context).ugettext(string)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).ungettext(singular, plural, n)


def configure_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=_gettext, ngettext=_ngettext, newstyle=True)
    app.add_template_filter(bdi, "bdi")
    app.add_template_global(per_language, "per_language")

    @app.context_processor
    def _language() -> dict[str, object]:
        locale = current()
        return {"html_lang": locale, "html_dir": direction(locale), "languages": LANGUAGES,
                "direction": direction, CATALOGUE: get_translations()}
