"""Drawing the CONSORT flow as SVG on the server: boxes and arrows, no script, no chart library."""

from __future__ import annotations

from dataclasses import dataclass

from portal.staff.retention import STAGES, Flow

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
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]


def layout(result: Flow) -> Drawing:
    n = len(result.columns)
    width = n * BOX_W + (n - 1) * COL_GAP + 20
    boxes = [Box(10, 10, width - 20, HEAD_H, [f"Enrolled: {result.enrolled} families"])]
    arrows = []
    for index, column in enumerate(result.columns):
        x = 10 + index * (BOX_W + COL_GAP)
        y = 10 + HEAD_H + BOX_GAP
        boxes.append(Box(x, y, BOX_W, HEAD_H, [
            column, f"{result.families[column]} families, {result.respondents[column]} respondents",
        ]))
        arrows.append(Arrow(x + BOX_W // 2, 10 + HEAD_H, y))
        for wave, by_column in result.waves.items():
            bottom = boxes[-1].y + boxes[-1].h
            top = bottom + BOX_GAP
            counts = by_column[column]
            lines = [wave] + [f"{s}: {counts[s]} ({result.percent(column, counts[s])})" for s in STAGES]
            lines.append(f"staff attempts: {result.attempts[wave][column]}")
            arrows.append(Arrow(x + BOX_W // 2, bottom, top))
            boxes.append(Box(x, top, BOX_W, WAVE_H, lines))
    height = max(b.y + b.h for b in boxes) + 10
    return Drawing(width, height, boxes, arrows)
