"""The compiled translation catalogues must be there: without a .mo, gettext falls back to English.

A parent who chose Norwegian would get English pages and messages, a coordinator English staff
pages, and nothing would say so. Outside development the app therefore refuses to start when a
shipped language's catalogue (of any domain) is missing, or older than its .po (a .po changed and
not compiled again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from portal.config import DATA_ROOT, ConfigError, Settings
from portal.i18n import LANGUAGES
from portal.staff.i18n import LANGUAGES as STAFF_LANGUAGES

# domain -> its languages: the parent pages, the messages sent to parents, the staff pages
SHIPPED = {"messages": tuple(LANGUAGES), "outbound": tuple(LANGUAGES), "staff": STAFF_LANGUAGES}
TRANSLATIONS = DATA_ROOT / "translations"


def catalogue_problems(directory: Path, shipped: Mapping[str, Iterable[str]] = SHIPPED) -> list[str]:
    """What is wrong, one short phrase per catalogue (`nb/outbound.mo missing`); empty when all is well."""
    problems = []
    for domain, languages in shipped.items():
        for language in languages:
            source = directory / language / "LC_MESSAGES" / f"{domain}.po"
            compiled = source.with_suffix(".mo")
            if not compiled.is_file():
                problems.append(f"{language}/{domain}.mo missing")
            elif source.is_file() and compiled.stat().st_mtime_ns < source.stat().st_mtime_ns:
                # an installed package ships no .po: there the build compiled what it shipped
                problems.append(f"{language}/{domain}.mo older than its .po")
    return problems


def check_catalogues(settings: Settings, directory: Path = TRANSLATIONS) -> None:
    if settings.env == "development":
        return  # the demo falls back to English rather than not starting
    problems = catalogue_problems(directory)
    if problems:
        raise ConfigError(
            f"translation catalogues in {directory} are not compiled ({', '.join(problems)}): "
            "run `make catalogues` in a checkout, or reinstall the package; "
            "without them pages and messages go out in English"
        )
