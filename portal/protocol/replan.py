"""What a changed protocol file means for a schedule: a pure comparison of two plans.

A plan is what an invitation holds (wave, due date, window, instruments); the
comparison says, wave by wave, what would be added, removed or changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WavePlan:
    wave: str
    due_date: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    instruments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    wave: str
    kind: str  # added | removed | changed
    before: WavePlan | None
    after: WavePlan | None

    def describe(self) -> list[str]:
        """Short lines for a person: what moves, what is asked differently."""
        if self.before is None or self.after is None:
            return ["wave added" if self.kind == "added" else "wave removed"]
        lines = []
        for label, old, new in (
            ("due", self.before.due_date, self.after.due_date),
            ("opens", self.before.opens_at, self.after.opens_at),
            ("closes", self.before.closes_at, self.after.closes_at),
        ):
            if old != new:
                lines.append(f"{label} {old:%Y-%m-%d} → {new:%Y-%m-%d}")
        added = [i for i in self.after.instruments if i not in self.before.instruments]
        dropped = [i for i in self.before.instruments if i not in self.after.instruments]
        if added:
            lines.append("adds " + ", ".join(added))
        if dropped:
            lines.append("drops " + ", ".join(dropped))
        if not added and not dropped and self.before.instruments != self.after.instruments:
            lines.append("instrument order changes")
        return lines


def compare(old: Sequence[WavePlan], new: Sequence[WavePlan]) -> list[Change]:
    """Changes from `old` to `new`, in the order of the new plan, removals last."""
    before = {plan.wave: plan for plan in old}
    after = {plan.wave: plan for plan in new}
    changes = []
    for plan in new:
        held = before.get(plan.wave)
        if held is None:
            changes.append(Change(plan.wave, "added", None, plan))
        elif held != plan:
            changes.append(Change(plan.wave, "changed", held, plan))
    changes.extend(Change(p.wave, "removed", p, None) for p in old if p.wave not in after)
    return changes
