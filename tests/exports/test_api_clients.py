"""The documented API examples, run as an analyst runs them: R (Debian's R with httr2 and haven) and
Python, against a portal serving on loopback; the labels they read back are checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import REQUIRED
from tests.exports.conftest import Seeded, make_user
from tests.support.live import serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
# test-only lines after the documented example: print what the test checks
R_CHECKS = """
source(Sys.getenv("EXAMPLE"))
cat("BAND", names(attr(wide$T0_phq9_total_band, "labels")), sep = "|")
cat("\\nLABEL", attr(wide$T0_phq9_total_band, "label"), sep = "|")
cat("\\nARMS", sort(unique(as.character(wide$arm))), sep = "|")
cat("\\nFAMILIES", nrow(families), sep = "|")
cat("\\nCOMPLETED", names(attr(families$respondent1_T0_completed, "labels")), sep = "|")
cat("\\n")
"""


def _token(app: Flask, runner: FlaskCliRunner) -> str:
    make_user(app, role="analyst", blinded=True, email="r-user@staff.example")
    result = runner.invoke(args=["tokens", "create", "--email", "r-user@staff.example", "--label", "example"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _environment(url: str, token: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {**keep, "PORTAL_URL": url, "PORTAL_API_TOKEN": token}


def test_the_r_example_reads_the_export_with_its_labels(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        if REQUIRED:
            pytest.fail("Rscript is missing: .ci/run installs r-base-core r-cran-httr2 r-cran-haven")
        pytest.skip("Rscript is not installed (apt-get install r-base-core r-cran-httr2 r-cran-haven)")
    checks = tmp_path / "checks.R"
    checks.write_text(R_CHECKS, encoding="utf-8")
    with serve(app) as url:
        env = {**_environment(url, _token(app, runner)), "EXAMPLE": str(EXAMPLES / "analysis_api.R")}
        result = subprocess.run([rscript, "--vanilla", str(checks)], capture_output=True, text=True, env=env,
                                timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("|", 1) for line in result.stdout.splitlines() if "|" in line)
    assert set(lines["BAND"].split("|")) == {
        "in no band", "minimal", "mild", "moderate", "moderately_severe", "severe",
        "no response at this wave", "not shown", "not answered"}
    assert lines["LABEL"] == "T0 phq9 total band"
    assert lines["ARMS"] == "A|B"  # a blinded account
    assert lines["FAMILIES"] == "3"
    assert "completed" in lines["COMPLETED"].split("|")


def test_the_python_example_reads_the_export_with_its_labels(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded
) -> None:
    with serve(app) as url:
        env = _environment(url, _token(app, runner))
        result = subprocess.run([sys.executable, str(EXAMPLES / "analysis_api.py")], capture_output=True,
                                text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    counted = result.stdout.split("Name: count")[0].splitlines()[1:]  # band label, count
    bands = {"in no band", "minimal", "mild", "moderate", "moderately_severe", "severe"}
    assert counted and all(line.rsplit(None, 1)[0] in bands for line in counted)
    assert sum(int(line.rsplit(None, 1)[1]) for line in counted) == 3  # three respondents completed T0
    assert "T0_completed_respondents" in result.stdout
