"""The instruments' languages: a side-by-side preview with English and a print view for paper."""

from __future__ import annotations

from flask import abort, render_template, request

from portal import i18n, registry
from portal.measures import Instrument
from portal.staff import instrument_preview as preview
from portal.staff.access import roles
from portal.staff.blueprint import staff


def _instrument(instrument_id: str, lang: str) -> Instrument:
    instrument = registry.catalogue().get(instrument_id)
    if instrument is None or not instrument.offers(lang):
        abort(404)
    return instrument


@staff.get("/instruments")
@roles("admin", "coordinator")
def instruments() -> str:
    return render_template("staff/instruments.html", offered=preview.offered(registry.catalogue()),
                           language_name=i18n.language_name)


@staff.get("/instruments/<instrument_id>/<lang>")
@roles("admin", "coordinator")
def instrument_preview(instrument_id: str, lang: str) -> str:
    instrument = _instrument(instrument_id, lang)
    return render_template(
        "staff/instrument_preview.html", instrument=instrument, lang=lang,
        lines=preview.preview_lines(instrument, lang),
        origin=preview.origin(registry.catalogue(), instrument, lang),
        language_name=i18n.language_name, direction=i18n.direction,
    )


@staff.get("/instruments/print/<lang>")
@roles("admin", "coordinator")
def instruments_print(lang: str) -> str:
    """Every instrument offered in `lang` (or those named in ?id=), one per printed page."""
    wanted = request.args.getlist("id")
    chosen = [i for i in registry.catalogue().values() if i.offers(lang) and (not wanted or i.id in wanted)]
    if not chosen:
        abort(404)
    return render_template(
        "staff/instruments_print.html", lang=lang, direction=i18n.direction(lang),
        sheets=[(i, preview.preview_lines(i, lang)) for i in chosen], language_name=i18n.language_name,
    )
