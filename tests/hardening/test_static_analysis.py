"""bandit over the whole portal package: no finding of high severity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_nothing_of_high_severity() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", str(ROOT / "portal"), "-f", "json", "-q"],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really read the code
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
            for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert high == []
