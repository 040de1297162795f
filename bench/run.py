"""`make bench`: run every bench/scenario_*.py and write its result as JSON under bench/results/.

Each scenario module has `run(quick: bool = False) -> dict`. `python -m bench.run --quick`
runs the small variants; `python -m bench.run scoring` runs one scenario.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path

HERE = Path(__file__).parent


def scenarios() -> list[str]:
    return sorted(p.stem.removeprefix("scenario_") for p in HERE.glob("scenario_*.py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"scenarios to run (default all: {', '.join(scenarios())})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    rows = []
    for name in args.names or scenarios():
        module = importlib.import_module(f"bench.scenario_{name}")
        started = time.time()
        result = module.run(quick=args.quick)
        result.update(machine=platform.machine(), python=platform.python_version(),
                      finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      wall_seconds=round(time.time() - started, 2), quick=args.quick)
        (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        rows.append((name, result.get("summary", ""), result.get("goal", "")))
    width = max((len(r[0]) for r in rows), default=8)
    print(f"{'scenario':<{width}}  result  |  goal")
    for name, summary, goal in rows:
        print(f"{name:<{width}}  {summary}  |  {goal}")


if __name__ == "__main__":
    main()
