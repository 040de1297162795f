"""The staff pages' language: Norwegian bokmål or English, chosen per account.

Staff strings live in their own gettext domain (`staff`), apart from the parent
pages' `messages`: a staff page looks its strings up in the staff catalogue, and
the parent catalogues never carry a staff word. Codes from the study file (arms,
waves, sites, languages) are shown by their names, never as codes.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from flask import Blueprint, g, has_request_context, request
from flask_babel import Domain
from flask_babel import refresh as refresh_babel

from portal import registry
from portal.i18n import CATALOGUE, language_name

LANGUAGES = ("nb", "en")  # the workspace's languages; the parent pages have more
domain = Domain(domain="staff")


def _(string: str, **values: object) -> str:
    """A staff string in the account's language (`%(name)s` placeholders filled from `values`).

    Outside a request (a command) the English text: the command line speaks English."""
    if not has_request_context():
        return string % values if values else string
    return domain.gettext(string, **values)


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """A staff string that depends on a count (`%(num)d` is the count), in the account's language."""
    if not has_request_context():
        return (singular if num == 1 else plural) % {"num": num, **values}
    return domain.ngettext(singular, plural, num, **values)


def language() -> str:
    """The page's language (English outside a request: the command line speaks English)."""
    return g.get("locale", study_language()) if has_request_context() else "en"


# How staff pages write a date or a moment: words in the account's language, never ISO (ISO stays for
# data: sheets, exports, the command line, form values and <time datetime="...">).
MOMENT_PATTERNS = {
    "short": {"nb": "d. MMM HH:mm", "en": "dd MMM HH:mm"},
    "long": {"nb": "EEEE d. MMMM 'kl.' HH:mm", "en": "EEEE dd MMMM 'at' HH:mm"},
    "day": {"nb": "EEEE d. MMMM", "en": "EEEE dd MMMM"},
    "weekday": {"nb": "EEEE d. MMMM", "en": "EEEE d MMMM"},  # "fredag 4. september", "Friday 4 September"
    "month": {"nb": "MMMM y", "en": "MMM y"},  # "april 2025", "Apr 2025"
    "date": {"nb": "d. MMMM y", "en": "d MMM y"},  # "12. mars 2027", "12 Mar 2027"
    "date_time": {"nb": "d. MMMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"},
    "full": {"nb": "EEEE d. MMMM y 'kl.' HH:mm", "en": "EEEE d MMMM y, HH:mm"},
}


def moment_words(at: dt.date | dt.datetime, length: str = "short") -> str:
    """A date or a moment as staff read it ("12. mars 2027"; "02 Sep 09:30"), in the page's language;
    a moment in the study's time zone. Also the `moment` filter of the staff templates."""
    words = language()
    patterns = MOMENT_PATTERNS[length]
    pattern = patterns.get(words, patterns["en"])
    if isinstance(at, dt.datetime):
        return format_datetime(at.astimezone(registry.protocol().timezone), pattern, locale=words)
    return format_date(at, pattern, locale=words)


def N_(string: str) -> str:  # noqa: N802 - gettext's name for "mark for the catalogue, translate later"
    return string


def refresh(language: str) -> None:
    """The account chose another language during this request: speak it from here on."""
    g.locale = language
    refresh_babel()


def study_language() -> str:
    """The workspace's language for an account that chose none: the study's, where we have it."""
    default = registry.protocol().default_language
    return default if default in LANGUAGES else "nb" if default == "nn" else "en"


def before_sign_in() -> str:
    """No account yet: the browser's language where it is one of ours (`no`, `nn`: bokmål)."""
    for value, _quality in request.accept_languages:
        code = value.lower().split("-")[0]
        if code in ("nb", "nn", "no"):
            return "nb"
        if code == "en":
            return "en"
    return study_language()


def account_language(language: str | None) -> str:
    return language if language in LANGUAGES else study_language()


class Names:
    """What people read instead of the study file's codes, in the page's language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.protocol = registry.protocol()

    def arm(self, code: str) -> str:
        arm = next((a for a in self.protocol.arms if a.id == code), None)
        return _named(arm.names if arm else {}, self.language) or code.replace("_", " ")

    def wave(self, code: str) -> str:
        wave = self.protocol.wave(code)
        return _named(wave.names if wave else {}, self.language) or code

    def site(self, code: str) -> str:
        site = self.protocol.site(code)
        return site.name if site else code

    def language_of(self, code: str) -> str:
        return language_name(code, self.language)

    def role(self, role: str) -> str:
        return {"mother": _("mother"), "father": _("father"), "carer": _("carer")}.get(role, role)

    def consent_part(self, part: str) -> str:
        return {"questionnaires": _("the questionnaires"), "sms": _("contact by SMS"),
                "email": _("contact by e-mail")}.get(part, part)

    def state(self, state: str) -> str:
        return {
            "scheduled": _("scheduled"), "open": _("open"), "started": _("started"),
            "completed": _("completed"), "expired": _("expired"), "withdrawn": _("withdrawn"),
        }.get(state, state)


def _named(names: dict[str, str], language: str) -> str:
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


def configure(blueprint: Blueprint) -> None:
    """Every staff request speaks the account's language (the study's before sign-in)."""

    @blueprint.before_request
    def _choose_language() -> None:
        user = g.get("staff_user")
        g.locale = account_language(user.language) if user is not None else before_sign_in()

    blueprint.context_processor(page_words)
    blueprint.add_app_template_filter(moment_words, "moment")


def page_words() -> dict[str, object]:
    """What a staff template needs to speak the page's language (also for an error page, which may
    be rendered outside the staff blueprint)."""
    return {CATALOGUE: domain.get_translations(), "html_lang": g.get("locale", study_language()),
            "html_dir": "ltr", "names": Names(g.get("locale", study_language())),
            "staff_languages": LANGUAGES}
