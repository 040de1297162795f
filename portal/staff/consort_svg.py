"""Drawing the CONSORT flow as SVG on the server: boxes and arrows, no script, no chart library."""

from __future__ import annotations

from dataclasses import dataclass

from portal.staff.i18n import N_, Names, _, ngettext
from portal.staff.retention import POOLED, STAGES, UNALLOCATED, Flow

STAGE_WORDS = {
    "invited": N_("invited"), "attempted": N_("attempted"), "started": N_("started"),
    "completed": N_("completed"), "declined": N_("declined"), "withdrawn": N_("withdrawn"),
    "lost": N_("lost"),
}
COLUMN_WORDS = {POOLED: N_("all arms"), UNALLOCATED: N_("not allocated")}
BOX_W, BOX_GAP, COL_GAP = 190, 26, 24
HEAD_H, WAVE_H, LINE_H = 44, 24 + 16 * (len(STAGES) + 1), 16


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    lines: list[str]


@dataclass(frozen=True, slots=True)
class Arrow:
    x: int
    y1: int
    y2: int


@dataclass(frozen=True, slots=True)
class Drawing:
    title: str
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]


def layout(result: Flow, names: Names, *, by_arm: bool) -> Drawing:
    """The flow's boxes in the page's language: arms and waves by their names."""
    n = len(result.columns)
    width = n * BOX_W + (n - 1) * COL_GAP + 20
    enrolled = ngettext("Enrolled: %(num)d family", "Enrolled: %(num)d families", result.enrolled)
    boxes = [Box(10, 10, width - 20, HEAD_H, [enrolled])]
    arrows = []
    for index, column in enumerate(result.columns):
        x = 10 + index * (BOX_W + COL_GAP)
        y = 10 + HEAD_H + BOX_GAP
        boxes.append(Box(x, y, BOX_W, HEAD_H, [
            _(COLUMN_WORDS[column]) if column in COLUMN_WORDS else names.arm(column),
            _("families: %(families)s, respondents: %(respondents)s", families=result.families[column],
              respondents=result.respondents[column]),
        ]))
        arrows.append(Arrow(x + BOX_W // 2, 10 + HEAD_H, y))
        for wave, by_column in result.waves.items():
            bottom = boxes[-1].y + boxes[-1].h
            top = bottom + BOX_GAP
            counts = by_column[column]
            lines = [names.wave(wave)] + [
                f"{_(STAGE_WORDS[s])}: {counts[s]} ({result.percent(column, counts[s])})" for s in STAGES]
            lines.append(_("staff attempts: %(count)s", count=result.attempts[wave][column]))
            arrows.append(Arrow(x + BOX_W // 2, bottom, top))
            boxes.append(Box(x, top, BOX_W, WAVE_H, lines))
    height = max(b.y + b.h for b in boxes) + 10
    title = _("Participant flow by arm") if by_arm else _(
        "Participant flow by study (pooled: your account is blinded to arm)")
    return Drawing(title, width, height, boxes, arrows)
