"""One export, start to finish: check the request, read, lay out, write, codebook, manifest, audit.

Files are written into a hidden staging folder and moved into place only
when all of them are complete, so a failed export leaves nothing half-written.
The audit entry joins the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal.audit import record
from portal.audit_anchors import note_head
from portal.exports import codebook, manifest, writers
from portal.exports.attempts import attempt_reader
from portal.exports.blinding import arm_labels
from portal.exports.family_file import FAMILY_FILE, FamilyCollector
from portal.exports.layout import long, wide
from portal.exports.packs import packs_in_data
from portal.exports.query import load_people
from portal.exports.retention import retention
from portal.exports.source import Person
from portal.exports.spec import FORMATS, LAYOUTS, Dataset, ExportError, ExportRequest
from portal.exports.unblinding import blinding_for
from portal.exports.variables import Frame
from portal.measures import Instrument
from portal.protocol.model import Protocol


def asked_instruments(protocol: Protocol, waves: Iterable[str]) -> list[str]:
    """Every instrument the protocol asks in these waves, in the protocol's order."""
    asked: list[str] = []
    for wave in protocol.waves:
        if wave.id in waves:
            for ids in wave.instruments.values():
                asked += [i for i in ids if i not in asked]
    return asked


def make_frame(request: ExportRequest, protocol: Protocol, catalogue: Mapping[str, Instrument]) -> Frame:
    if request.format not in FORMATS or request.layout not in LAYOUTS:
        raise ExportError(f"the format must be one of {', '.join(FORMATS)}, "
                          f"the layout one of {', '.join(LAYOUTS)}")
    known_waves = [w.id for w in protocol.waves]
    waves = request.waves or tuple(known_waves)
    unknown = [w for w in waves if w not in known_waves]
    if unknown:
        raise ExportError(f"unknown wave {', '.join(unknown)} (the study has {', '.join(known_waves)})")
    asked = [i for i in asked_instruments(protocol, waves) if i in catalogue]
    chosen = request.instruments or tuple(asked)
    unknown = [i for i in chosen if i not in asked]
    if unknown:
        raise ExportError(f"instrument {', '.join(unknown)} is not asked in these waves "
                          f"(asked: {', '.join(asked)})")
    ordered = tuple(w for w in known_waves if w in waves)
    instruments = tuple(catalogue[i] for i in asked if i in chosen and request.layout != "retention")
    return Frame(ordered, instruments, protocol.timezone, request.language)


def lay_out(
    frame: Frame, layout: str, people: Iterable[Person], now: dt.datetime, *, with_attempts: bool = False
) -> Dataset:
    if layout == "wide":
        return wide(frame, people)
    if layout == "long":
        return long(frame, people)
    return retention(frame, people, now, with_attempts=with_attempts)


def run_export(
    session: Session, request: ExportRequest, *, protocol: Protocol, catalogue: Mapping[str, Instrument],
    actor: str, now: dt.datetime, out_dir: Path,
) -> dict[str, Any]:
    """Write data file, codebook.html, codebook.json and manifest.json into `out_dir`; return the manifest."""
    frame = make_frame(request, protocol, catalogue)
    blinding = blinding_for(session, protocol, asked_blind=request.blind)
    labels = arm_labels(session, protocol, now) if blinding.blind else None
    reader = attempt_reader(session) if request.layout == "retention" else None
    collector = FamilyCollector()
    people = collector.watch(load_people(session, arm_labels=labels, attempts=reader))
    dataset = lay_out(frame, request.layout, people, now, with_attempts=reader is not None)
    families = collector.dataset(frame)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir))
    try:
        data = staging / f"{protocol.id}_{request.layout}.{request.format}"
        writers.write(dataset, data, request.format, bom=request.bom)
        family_data = staging / f"{protocol.id}_{FAMILY_FILE}.{request.format}"
        writers.write(families, family_data, request.format, bom=request.bom)
        packs = {"translation_packs": packs_in_data(session, frame, catalogue)}
        book = {**codebook.build(frame, dataset, request, protocol.id, families=families), **packs}
        files = [data, family_data, *codebook.write(book, staging)]
        summary = {**manifest.build(study=protocol.id, request=request, frame=frame, dataset=dataset,
                                    files=files, actor=actor, now=now, blinding=blinding.describe()), **packs,
                   "family_rows": families.row_count}
        # the audit trail's head, noted outside the database (here and in the anchors log)
        summary["audit_head"] = note_head(session, now=now, where=f"export {request.layout}").as_dict()
        (staging / manifest.MANIFEST).write_text(manifest.json_text(summary), encoding="utf-8")
        for path in [*files, staging / manifest.MANIFEST]:
            os.replace(path, out_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    record(session, now=now, actor=actor, action="export", subject=protocol.id, request=request.describe(),
           rows=summary["rows"], files={name: f["sha256"] for name, f in summary["files"].items()},
           unblinding=blinding.unblinding.id if blinding.unblinding and not blinding.blind else None)
    return summary


def zipped(folder: Path, summary: Mapping[str, Any]) -> bytes:
    """The export's files in one zip, entries in a fixed order with a fixed date."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in [*sorted(summary["files"]), manifest.MANIFEST]:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, (folder / name).read_bytes())
    return buffer.getvalue()
