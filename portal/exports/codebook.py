"""The codebook: every variable, its label and values, each instrument's source, licence and scoring.

Built from the same variables the data file has, so the two cannot drift.
Holds no time of writing: the same export gives the same codebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from portal.exports.manifest import json_text
from portal.exports.spec import MISSING_LABELS, STATA_MISSING, Dataset, ExportRequest
from portal.exports.variables import EXPORTED_TYPES, Frame
from portal.measures import Band, Instrument, Scale

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "analysis"
NOTES = (
    "Only completed responses are data. Answers a parent saved but never submitted (drafts) are not "
    "exported: such a wave counts as not completed and its cells hold -7 (no response at this wave).",
    "Missing codes: -9 not answered (shown but left blank, or a scale with too few answers for its rule), "
    "-8 not shown (not asked of this respondent at this wave: role or child's age), -7 no response at this "
    "wave. They are declared user-missing in .sav, are the extended missing values .a, .b and .c in .dta, "
    "and are plain numbers in .csv and .parquet (filter values below 0 before computing).",
    "Every score is recomputed from the stored answers by the portal's scoring engine. A stored answer "
    "that is not one of the item's codes counts as not answered (-9), as it does in scoring.",
    "Free-text items are never exported: they could name people or services.",
    "<wave>_<instrument>_pack (in the long layout: pack) is the version of the translation pack the "
    "instrument's items were shown in, as translation_packs lists it with its source and hash; empty where "
    "they were shown in the instrument's own text (a language of its own file). Every save of a page "
    "records the text it was shown in. A response whose pages were not all shown in one text says 'mixed': "
    "a new version of the pack was installed, or the parent changed language, between two of its saves "
    "(or its first pages were saved before the portal recorded packs per save); translation_packs names "
    "the pack of its first save only. Responses submitted before the portal recorded packs per save "
    "(database revision 0012) carry the version served at their submit.",
    "Times are UTC; days_from_baseline and days_open_to_submit count calendar days in the study's time "
    "zone (from the baseline date, and from the day the wave's window opened, to the day of submission).",
    "baseline_month is the enrolment month only (YYYY-MM): with the site, an exact date could single out a "
    "family. child_age_months is the child's age in whole months at the wave's due date (at baseline in "
    "the family file), counted from the first of the birth month, the only part of it the portal keeps.",
    "Each banded scale has a <scale>_band column: 1, 2, ... are its bands in the order the codebook lists "
    "them, 0 a valid score in none of them (e.g. below a single cut-off); -9 where the score is missing. "
    "Each flag has a <instrument>_flag_<id> column: 1 raised, 0 not raised, the missing code of the item "
    "or score it is read from where that is missing.",
    "The family file (<study>_families) has one row per family: site, arm, baseline month, the child's age "
    "at baseline, and for each respondent their pseudonym, role and whether they completed each wave "
    "(-8 where the family has no such respondent or the wave was not planned).",
    "In the long layout a row is one instrument the schedule asked at that wave, answered or not; "
    "cells of the other instruments' variables are empty.",
    "Stata keeps variable labels to 80 characters; longer labels end in an ellipsis there. Where a "
    "score's name is too long for a Stata value-label set, its .a/.b/.c values stay but carry no labels.",
    "No allocation date or intervention event is exported: follow-up is the same in both arms.",
)
BLIND_NOTE = ("The arm is blinded: it shows letters (A, B) drawn once at random for this study. "
              "The mapping is kept by the data manager; unblinding is recorded in the audit trail.")


def build(
    frame: Frame, dataset: Dataset, request: ExportRequest, study: str, *, families: Dataset | None = None
) -> dict[str, Any]:
    return {
        "study": study, "request": request.describe(), "rows": dataset.row_count,
        "notes": list(NOTES) + ([BLIND_NOTE] if request.blind else []),
        "missing_codes": {str(code): text for code, text in MISSING_LABELS.items()},
        "stata_missing": {str(code): f".{letter}" for code, letter in STATA_MISSING.items()},
        "instruments": [describe_instrument(i, frame.language) for i in frame.instruments],
        "variables": describe_variables(dataset),
        "family_file": {"rows": families.row_count, "variables": describe_variables(families)}
        if families is not None else None,
    }


def describe_variables(dataset: Dataset) -> list[dict[str, Any]]:
    return [
        {"name": v.name, "label": v.label, "type": v.kind, "measure": v.measure,
         "values": {str(code): text for code, text in v.values.items()},
         "missing_codes": v.missing, "instrument": v.instrument, "scale": v.scale}
        for v in dataset.variables
    ]


def describe_instrument(instrument: Instrument, language: str) -> dict[str, Any]:
    return {
        "id": instrument.id, "version": instrument.version, "title": instrument.title_in(language),
        "source": instrument.source, "licence": instrument.licence, "permission": instrument.permission,
        "languages": list(instrument.languages),
        "not_exported": [i.id for i in instrument.items if i.type not in EXPORTED_TYPES],
        "scales": [scale_rule(instrument, s) for s in instrument.scales],
    }


def scale_rule(instrument: Instrument, scale: Scale) -> dict[str, Any]:
    reversed_items = [i for i in scale.items if instrument.item(i).reverse]
    rounding = scale.rounding
    return {
        "id": scale.id, "items": list(scale.items), "reversed": reversed_items, "method": scale.method,
        "multiply": scale.multiply, "min_answered": scale.required_answers, "prorate": scale.prorate,
        "rounding": {"digits": rounding.digits, "mode": rounding.mode} if rounding else None,
        "bands": [{"label": b.label, "min": b.min, "below": b.below} for b in scale.bands],
        "rule": rule_text(scale, reversed_items),
    }


def rule_text(scale: Scale, reversed_items: list[str]) -> str:
    parts = [f"{scale.method} of {len(scale.items)} items ({', '.join(scale.items)})"]
    if reversed_items:
        parts.append(f"reverse-keyed (lowest + highest code - code): {', '.join(reversed_items)}")
    if scale.multiply != 1:
        parts.append(f"multiplied by {scale.multiply:g}")
    missing = f"missing when fewer than {scale.required_answers} of {len(scale.items)} items are answered"
    parts.append(missing + ("; otherwise prorated to all items" if scale.prorate else ""))
    if scale.rounding:
        parts.append(f"rounded to {scale.rounding.digits} digits ({scale.rounding.mode.replace('_', ' ')})")
    if scale.bands:
        parts.append("bands: " + "; ".join(band_text(b) for b in scale.bands))
    return "; ".join(parts)


def band_text(band: Band) -> str:
    low = f"{band.min:g} ≤ " if band.min is not None else ""
    high = f" < {band.below:g}" if band.below is not None else ""
    return f"{band.label}: {low}score{high}"


def write(book: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """codebook.json and codebook.html beside the data file."""
    json_path, html_path = folder / "codebook.json", folder / "codebook.html"
    json_path.write_text(json_text(book), encoding="utf-8")
    html_path.write_text(render_html(book), encoding="utf-8")
    return json_path, html_path


def render_html(book: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    return env.get_template("codebook.html").render(book=book)
