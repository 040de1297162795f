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

    def moves(self) -> list[tuple[str, dt.date | dt.datetime, dt.date | dt.datetime]]:
        """What moves, as (what, before, after): "due", "opens", "closes"; nothing for an added or
        removed wave."""
        if self.before is None or self.after is None:
            return []
        pairs = (("due", self.before.due_date, self.after.due_date),
                 ("opens", self.before.opens_at, self.after.opens_at),
                 ("closes", self.before.closes_at, self.after.closes_at))
        return [(what, old, new) for what, old, new in pairs if old != new]

    def instruments_added(self) -> list[str]:
        before = self.before.instruments if self.before else ()
        return [i for i in (self.after.instruments if self.after else ()) if i not in before]

    def instruments_dropped(self) -> list[str]:
        after = self.after.instruments if self.after else ()
        return [i for i in (self.before.instruments if self.before else ()) if i not in after]

    def instruments_reordered(self) -> bool:
        """The same instruments, asked in another order."""
        if self.before is None or self.after is None:
            return False
        same_ones = not (self.instruments_added() or self.instruments_dropped())
        return same_ones and self.before.instruments != self.after.instruments


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
