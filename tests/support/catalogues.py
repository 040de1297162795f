"""Compiled catalogues before a test reads a page or a message: a missing or stale .mo falls back to
English silently."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def compile_stale(domain: str) -> None:
    """Compile each language's `domain`.po whose .mo is missing or older (as `make catalogues` does)."""
    for po in TRANSLATIONS.glob(f"*/LC_MESSAGES/{domain}.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)
