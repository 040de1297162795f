"""`make bench`: run every bench/scenario_*.py, write its result as JSON under bench/results/, print a table.

Each scenario module has `run(quick: bool = False) -> dict` with "summary" (the figures in a
line), "goal" and, where the scenario can judge it, "met" (true/false). `python -m bench.run --quick`
runs the small variants; `python -m bench.run scoring` runs one scenario; `--table` prints the
table of the results already under bench/results/ without running anything.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import textwrap
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
FIGURES_WIDTH, GOAL_WIDTH = 64, 44


def scenarios() -> list[str]:
    return sorted(p.stem.removeprefix("scenario_") for p in HERE.glob("scenario_*.py"))


def run_one(name: str, quick: bool) -> dict[str, Any]:
    """Run a scenario and keep its result; a scenario that breaks becomes a row that says so."""
    module = importlib.import_module(f"bench.scenario_{name}")
    started = time.time()
    try:
        result = module.run(quick=quick)
    except Exception as error:  # noqa: BLE001 (one broken scenario must not hide the others' figures)
        traceback.print_exc()
        result = {"scenario": name, "summary": f"FAILED: {type(error).__name__}: {error}"[:300],
                  "goal": "", "met": False, "failed": True}
    result.update(machine=platform.machine(), python=platform.python_version(),
                  finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  wall_seconds=round(time.time() - started, 2), quick=quick)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def met_word(result: dict[str, Any]) -> str:
    met = result.get("met")
    return "—" if met is None else "yes" if met else "NO"


def table(results: dict[str, dict[str, Any]]) -> str:
    """scenario | figures | goal | met, wrapped so that every figure stands beside its goal."""
    width = max([len("scenario"), *(len(name) + len(" (quick)") for name in results)])
    header = f"{'scenario':<{width}} | {'figures':<{FIGURES_WIDTH}} | {'goal':<{GOAL_WIDTH}} | met"
    lines = [header, "-" * len(header)]
    for name, result in results.items():
        label = f"{name} (quick)" if result.get("quick") else name
        figures = textwrap.wrap(str(result.get("summary", "")), FIGURES_WIDTH) or [""]
        goal = textwrap.wrap(str(result.get("goal", "")), GOAL_WIDTH) or [""]
        for row in range(max(len(figures), len(goal))):
            lines.append(" | ".join((
                f"{label if row == 0 else '':<{width}}",
                f"{figures[row] if row < len(figures) else '':<{FIGURES_WIDTH}}",
                f"{goal[row] if row < len(goal) else '':<{GOAL_WIDTH}}",
                met_word(result) if row == 0 else "",
            )).rstrip())
        lines.append("")
    return "\n".join(lines)


def stored(names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: json.loads((RESULTS / f"{name}.json").read_text())
            for name in names if (RESULTS / f"{name}.json").exists()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"scenarios to run (default all: {', '.join(scenarios())})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--table", action="store_true", help="print the stored results' table, run nothing")
    args = parser.parse_args()
    names = args.names or scenarios()
    unknown = sorted(set(names) - set(scenarios()))
    if unknown:
        parser.error(f"no such scenario: {', '.join(unknown)}")
    results = stored(names) if args.table else {name: run_one(name, args.quick) for name in names}
    print(table(results))
    if any(result.get("failed") for result in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
