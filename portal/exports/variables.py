"""The variables of each layout: names, labels, types and value labels, from the definitions."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from portal.exports.spec import Variable
from portal.measures import Flag, Instrument, Item, Scale

IN_WINDOW_LABELS = {0: "no", 1: "yes"}
FLAG_LABELS = {0: "not raised", 1: "raised"}
OUTSIDE_BANDS = 0  # a valid score in none of the scale's bands (e.g. below PSC-17's cut-off)
IDENTITY = (
    Variable("family_id", "Family pseudonym", "string"),
    Variable("respondent_id", "Respondent pseudonym", "string"),
    Variable("respondent_role", "Respondent's role (mother, father, carer)", "string"),
    Variable("site", "Site (municipality) code", "string"),
    Variable("arm", "Trial arm (A/B when blinded)", "string"),
    # month precision: an exact enrolment date with the site can single out a family
    Variable("baseline_month", "Baseline (enrolment) month, YYYY-MM, study time zone", "string"),
)
PACK_LABEL = "translation pack version (empty: own text)"
# Free text may name people or the service: never exported.
EXPORTED_TYPES = frozenset({"likert", "yesno", "number", "date"})


@dataclass(frozen=True, slots=True)
class Frame:
    """What the export covers: waves and instruments in order, the study's zone, the label language."""

    waves: tuple[str, ...]
    instruments: tuple[Instrument, ...]
    zone: ZoneInfo
    language: str = "en"


def exported_items(instrument: Instrument) -> tuple[Item, ...]:
    return tuple(item for item in instrument.items if item.type in EXPORTED_TYPES)


def item_name(instrument: Instrument, item: Item) -> str:
    """`who5_1` for item who5_1 of who5; an item id without the prefix gets it: `pss_q1`."""
    suffix = item.id.removeprefix(f"{instrument.id}_")
    return f"{instrument.id}_{suffix}"


def scale_name(instrument: Instrument, scale: Scale) -> str:
    return f"{instrument.id}_{scale.id}"


def band_name(instrument: Instrument, scale: Scale) -> str:
    return f"{instrument.id}_{scale.id}_band"


def flag_name(instrument: Instrument, flag: Flag) -> str:
    return f"{instrument.id}_flag_{flag.id}"


def band_labels(scale: Scale) -> dict[int, str]:
    """1, 2, ... for the scale's bands in the file's order; 0 for a score in none of them."""
    labels = {number: band.label for number, band in enumerate(scale.bands, start=1)}
    outside = f"not {scale.bands[0].label}" if len(scale.bands) == 1 else "in no band"
    return {OUTSIDE_BANDS: outside, **labels}


def instrument_variables(instrument: Instrument, prefix: str, language: str) -> list[Variable]:
    """Raw items (codes), scales (recomputed scores), each banded scale's band, then each flag."""
    at = f"{prefix.rstrip('_')} " if prefix else ""
    items = exported_items(instrument)
    variables = [_item_variable(instrument, item, prefix, at, language) for item in items]
    variables += [
        Variable(
            prefix + scale_name(instrument, scale), f"{at}{instrument.id} {scale.id} score", "number",
            missing=True, instrument=instrument.id, scale=scale.id, measure="scale",
        )
        for scale in instrument.scales
    ]
    variables += [
        Variable(prefix + band_name(instrument, scale), f"{at}{instrument.id} {scale.id} band", "integer",
                 values=band_labels(scale), missing=True, instrument=instrument.id, scale=scale.id,
                 measure="ordinal")
        for scale in instrument.scales if scale.bands
    ]
    variables += [
        Variable(prefix + flag_name(instrument, flag),
                 f"{at}{instrument.id} flag {flag.id} ({flag_rule(flag)})", "integer", values=FLAG_LABELS,
                 missing=True, instrument=instrument.id)
        for flag in instrument.flags
    ]
    return variables


def flag_rule(flag: Flag) -> str:
    signs = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "eq": "="}
    return f"{flag.item or flag.scale} {signs[flag.compare]} {flag.value:g}"


def answered_variables(instrument: Instrument, prefix: str) -> list[Variable]:
    """How, in which language and from which translation pack this instrument was answered (wide)."""
    at = f"{prefix.rstrip('_')} " if prefix else ""
    return [
        Variable(f"{prefix}{instrument.id}_mode", f"{at}{instrument.id} mode (web, interview, paper)",
                 "string", instrument=instrument.id),
        Variable(f"{prefix}{instrument.id}_language", f"{at}{instrument.id} language answered in",
                 "string", instrument=instrument.id),
        Variable(f"{prefix}{instrument.id}_pack", f"{at}{instrument.id} {PACK_LABEL}", "string",
                 instrument=instrument.id),
    ]


def _item_variable(instrument: Instrument, item: Item, prefix: str, at: str, language: str) -> Variable:
    text = item.text.get(language) or item.text.get("en") or next(iter(item.text.values()), item.id)
    label = f"{at}{instrument.id}: {text}"
    if item.type == "date":
        return Variable(prefix + item_name(instrument, item), label, "string", instrument=instrument.id)
    if item.type == "number":
        return Variable(prefix + item_name(instrument, item), label, "number", missing=True,
                        instrument=instrument.id, measure="scale")
    values = {o.code: o.label.get(language) or o.label.get("en") or str(o.code) for o in item.options}
    return Variable(prefix + item_name(instrument, item), label, "integer", values=values, missing=True,
                    instrument=instrument.id, measure="ordinal")


def visit_variables(prefix: str) -> list[Variable]:
    """When, how and in which language a wave (wide) or a response (long) was completed."""
    at = f"{prefix.rstrip('_')} " if prefix else ""
    return [
        Variable(f"{prefix}completed_at", f"{at}completed at (UTC)", "datetime"),
        Variable(f"{prefix}days_from_baseline", f"{at}days from baseline to completion", "integer",
                 missing=True, measure="scale"),
        Variable(f"{prefix}days_open_to_submit", f"{at}days from the window opening to submission", "integer",
                 missing=True, measure="scale"),
        Variable(f"{prefix}child_age_months", f"{at}child's age in whole months at the wave's due date",
                 "integer", missing=True, measure="scale"),
        Variable(f"{prefix}mode", f"{at}mode (web, interview, paper)", "string"),
        Variable(f"{prefix}language", f"{at}language answered in", "string"),
        Variable(f"{prefix}in_window", f"{at}completed inside the wave's window", "integer",
                 values=IN_WINDOW_LABELS, missing=True),
    ]


def wide_variables(frame: Frame) -> list[Variable]:
    variables = list(IDENTITY)
    for wave in frame.waves:
        variables += visit_variables(f"{wave}_")
        for instrument in frame.instruments:
            variables.append(Variable(f"{wave}_{instrument.id}_version", f"{wave} {instrument.id} version",
                                      "string", instrument=instrument.id))
            variables += answered_variables(instrument, f"{wave}_")
            variables += instrument_variables(instrument, f"{wave}_", frame.language)
    return variables


def long_variables(frame: Frame) -> list[Variable]:
    variables = list(IDENTITY) + [
        Variable("wave", "Wave", "string"),
        Variable("instrument", "Instrument id", "string"),
        Variable("instrument_version", "Instrument version answered", "string"),
    ]
    visit = visit_variables("")
    after_language = next(n for n, v in enumerate(visit, start=1) if v.name == "language")
    variables += [*visit[:after_language], Variable("pack", PACK_LABEL.capitalize(), "string"),
                  *visit[after_language:]]
    for instrument in frame.instruments:
        variables += instrument_variables(instrument, "", frame.language)
    return variables
