"""Benchmark: a full trial exported wide to SPSS (.sav) and to Parquet, with the family file beside it.

Families (1 or 2 respondents) x 5 waves x 6 instruments are bulk-inserted
into a temporary SQLite file (outside the timing), 85 % of invitations
completed. Each export then runs in a fresh Python process, so its peak
resident memory (VmHWM) is the export's own. Two sizes show whether
time and memory grow linearly with the number of families.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2029, 6, 1, tzinfo=dt.UTC)
START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
COMPLETION = 0.85


def _seed(url: str, families: int, rng: random.Random) -> None:
    import portal.models  # noqa: F401  (every table)
    from portal.db import Base, make_engine
    from portal.families.models import Arm, Child, Family, Invitation, Respondent, Response, Site, Study
    from portal.measures import load_catalogue, shipped_instrument_dir
    from portal.protocol.loader import load_protocol

    protocol = load_protocol(ROOT / "studies" / "family-partner.yaml")
    catalogue = load_catalogue([shipped_instrument_dir()])
    names = ("family", "child", "respondent", "invitation", "response")
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for f in range(1, families + 1):
        _family(tables, f, protocol, catalogue, rng)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(insert(Study), [{"id": 1, "slug": protocol.id}])
        db.execute(insert(Site), [{"id": i + 1, "study_id": 1, "code": s.id, "name": s.name}
                                  for i, s in enumerate(protocol.sites)])
        db.execute(insert(Arm), [{"id": i + 1, "study_id": 1, "code": a.id}
                                 for i, a in enumerate(protocol.arms)])
        for model in (Family, Child, Respondent, Invitation, Response):
            rows = tables[model.__tablename__]
            for start in range(0, len(rows), 20_000):
                db.execute(insert(model), rows[start:start + 20_000])
    engine.dispose()


def _family(tables: dict[str, list[dict[str, Any]]], f: int, protocol: Any, catalogue: Any,
            rng: random.Random) -> None:
    """One family, one or two parents (30 % two), every wave planned, 85 % of them answered."""
    from portal.protocol.schedule import plan_waves

    baseline = (START + dt.timedelta(days=f % 400)).date()
    tables["family"].append({
        "id": f, "pseudonym": f"FP-F{f:07d}", "study_id": 1, "site_id": 1 + f % 3, "arm_id": 1 + f % 2,
        "allocated_at": START, "allocation_method": "portal", "baseline_date": baseline, "enrolled_at": START,
        "consent_version": "v1", "status": "active",
    })
    tables["child"].append({"id": f, "family_id": f, "birth_month": dt.date(2014 + f % 10, 1 + f % 12, 1)})
    for role in ("mother", "father")[: 1 + (rng.random() < 0.3)]:
        rid = len(tables["respondent"]) + 1
        tables["respondent"].append({"id": rid, "pseudonym": f"FP-R{rid:07d}", "family_id": f, "role": role,
                                     "language": "nb"})
        for planned in plan_waves(protocol, baseline):
            iid = len(tables["invitation"]) + 1
            done = planned.opens_at + dt.timedelta(days=3) if rng.random() < COMPLETION else None
            asked = list(protocol.wave(planned.wave_id).instruments_for(role))
            tables["invitation"].append({
                "id": iid, "respondent_id": rid, "wave": planned.wave_id, "instruments": asked,
                "due_date": planned.due_date, "opens_at": planned.opens_at, "closes_at": planned.closes_at,
                "token_generation": 0, "started_at": done, "completed_at": done,
            })
            for instrument_id in asked if done else ():
                instrument = catalogue[instrument_id]
                tables["response"].append({
                    "invitation_id": iid, "instrument_id": instrument_id, "language": "nb", "mode": "web",
                    "instrument_version": instrument.version, "status": "completed", "started_at": done,
                    "completed_at": done, "answers": {i.id: rng.choice(i.codes()) for i in instrument.items},
                })


def peak_mb() -> int:
    """This process's peak resident memory (VmHWM: ru_maxrss keeps the parent's peak across fork+exec)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024)


def measure(url: str, fmt: str, out: str) -> dict[str, Any]:
    """One export in this process; its time and this process's peak memory."""
    from sqlalchemy.orm import Session

    import portal.models  # noqa: F401
    from portal import create_app
    from portal.db import make_engine
    from portal.exports.service import run_export
    from portal.exports.spec import ExportRequest
    from portal.measures import load_catalogue, shipped_instrument_dir
    from portal.protocol.loader import load_protocol

    protocol = load_protocol(ROOT / "studies" / "family-partner.yaml")
    catalogue = load_catalogue([shipped_instrument_dir()])
    engine = make_engine(url)
    # the export notes the audit trail's head beside the app's instance (its settings, its anchors file)
    app = create_app({"environ": {"PORTAL_ENV": "development", "PORTAL_DATABASE_URL": url},
                      "instance_path": str(Path(out).parent / "instance")})
    before, startup = resource.getrusage(resource.RUSAGE_SELF), peak_mb()
    started = time.perf_counter()
    with app.app_context(), Session(engine) as session:
        request = ExportRequest(format=fmt, layout="wide", blind=True)  # type: ignore[arg-type]
        summary = run_export(session, request, protocol=protocol, catalogue=catalogue, actor="bench", now=NOW,
                             out_dir=Path(out))
        session.commit()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # CPU seconds beside wall seconds: on a shared machine the wall clock also counts waiting
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "load_average": os.getloadavg()[0],
            "peak_mb": peak_mb(), "startup_mb": startup,
            "rows": summary["rows"], "variables": summary["variables"],
            "bytes": sum(f["bytes"] for f in summary["files"].values() if f)}


def _measure_apart(url: str, fmt: str, out: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.scenario_export", "--measure", url, fmt, str(out)]
    result = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run(quick: bool = False) -> dict[str, Any]:
    sizes = (250, 1_000) if quick else (2_500, 10_000)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        for families in sizes:
            url = f"sqlite:///{folder}/trial-{families}.sqlite3"
            seeding = time.perf_counter()
            _seed(url, families, random.Random(families))
            figures[str(families)] = {"seed_seconds": round(time.perf_counter() - seeding, 1)}
            for fmt in ("sav", "parquet"):
                figures[str(families)][fmt] = _measure_apart(url, fmt, Path(folder) / f"out-{families}-{fmt}")
    big, small = figures[str(sizes[1])], figures[str(sizes[0])]
    summary = ", ".join(
        f"{fmt}: {big[fmt]['seconds']} s ({big[fmt]['cpu_seconds']} s CPU) / {big[fmt]['peak_mb']} MB at "
        f"{sizes[1]:,} families, {small[fmt]['seconds']} s ({small[fmt]['cpu_seconds']} s CPU) / "
        f"{small[fmt]['peak_mb']} MB at {sizes[0]:,}"
        for fmt in ("sav", "parquet")
    )
    return {
        "scenario": "export", "families": list(sizes), "waves": 5, "instruments": 6, "figures": figures,
        "summary": summary,
        # only the full size can tell (linearity is read from the two sizes by a person, not judged here)
        "met": all(big[f]["seconds"] < 30 and big[f]["peak_mb"] < 1024 for f in ("sav", "parquet"))
        if sizes[1] >= 10_000 else None,
        "goal": "10,000 families x 5 waves x 6 instruments wide to .sav and .parquet: "
                "< 30 s and < 1 GB each, linear in families",
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(*sys.argv[2:5])))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
