"""The analysts' read-only API: the same exports as /analysis/, for scripts (R, Python).

`GET` only, authenticated by a personal API token (`Authorization: Bearer fpa_...`), counted per
minute, and audited as every export is (the actor names the account and the token). Formats,
layouts and blinding are the web page's: a blinded account, or anyone in a blinded study before an
unblinding is on record, always gets letters.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.exports.api_tokens import ApiRefused, authenticate
from portal.exports.family_file import FAMILY_FILE
from portal.exports.service import asked_instruments, run_export, zipped
from portal.exports.spec import FORMATS, LAYOUTS, ExportError, ExportRequest
from portal.exports.unblinding import may_choose_arms
from portal.staff.models import StaffUser

api = Blueprint("analysis_api", __name__, url_prefix="/analysis/api/v1")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8", "sav": "application/x-spss-sav", "dta": "application/x-stata-dta",
    "parquet": "application/vnd.apache.parquet", "json": "application/json",
    "html": "text/html; charset=utf-8", "zip": "application/zip",
}


@api.before_request
def signed_by_token() -> Any:
    g.locale = "en"
    try:
        g.api_token, g.analyst = authenticate(db.session, registry.settings().secret_key,
                                              request.headers.get("Authorization", ""), registry.now())
    except ApiRefused as refused:
        db.session.commit()  # the request is counted even when refused for the rate
        return _problem(refused.status, str(refused), refused.retry_after)
    db.session.commit()
    return None


@api.get("/")
def index() -> Any:
    protocol = registry.protocol()
    waves = [w.id for w in protocol.waves]
    return jsonify(study=protocol.id, formats=list(FORMATS), layouts=list(LAYOUTS), waves=waves,
                   instruments=asked_instruments(protocol, waves), arms_shown=_may_choose_arms(g.analyst),
                   files=["data/<layout>.<format>", "families.<format>", "codebook.json", "codebook.html",
                          "manifest.json", "export.zip"])


@api.get("/data/<layout>.<fmt>")
def data_file(layout: str, fmt: str) -> Any:
    return _export_file(layout, fmt, lambda study: f"{study}_{layout}.{fmt}")


@api.get("/families.<fmt>")
def family_file(fmt: str) -> Any:
    return _export_file(request.args.get("layout", "wide"), fmt, lambda study: f"{study}_{FAMILY_FILE}.{fmt}")


@api.get("/codebook.<kind>")
def codebook(kind: str) -> Any:
    if kind not in ("json", "html"):
        return _problem(404, "the codebook is codebook.json or codebook.html")
    return _export_file(request.args.get("layout", "wide"), request.args.get("format", "csv"),
                        lambda _study: f"codebook.{kind}")


@api.get("/manifest.json")
def manifest() -> Any:
    return _export_file(request.args.get("layout", "wide"), request.args.get("format", "csv"),
                        lambda _study: "manifest.json")


@api.get("/export.zip")
def whole_export() -> Any:
    return _export_file(request.args.get("layout", "wide"), request.args.get("format", "csv"), None)


def _export_file(layout: str, fmt: str, pick: Any) -> Any:
    """Run the export as the web page does, and answer with one of its files (or all, zipped)."""
    user: StaffUser = g.analyst
    protocol = registry.protocol()
    with tempfile.TemporaryDirectory(prefix="portal-api-") as folder:
        try:
            summary = run_export(db.session, _request(layout, fmt, user), protocol=protocol,
                                 catalogue=registry.catalogue(), actor=f"{user.actor}/api:{g.api_token.id}",
                                 now=registry.now(), out_dir=Path(folder))
        except ExportError as problem:
            db.session.rollback()
            return _problem(400, str(problem))
        if pick is None:
            name, payload = f"{protocol.id}_{layout}_{fmt}.zip", zipped(Path(folder), summary)
        else:
            name = pick(protocol.id)
            payload = (Path(folder) / name).read_bytes()
    db.session.commit()
    response = WerkzeugResponse(payload, mimetype=MEDIA_TYPES[name.rsplit(".", 1)[1]])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _request(layout: str, fmt: str, user: StaffUser) -> ExportRequest:
    args = request.args
    return ExportRequest(
        # make_frame checks both against FORMATS and LAYOUTS
        format=fmt, layout=layout,  # type: ignore[arg-type]
        waves=_list(args.get("waves", "")), instruments=_list(args.get("instruments", "")),
        blind=not _may_choose_arms(user) or args.get("blind", "0") == "1", bom=args.get("bom") == "1",
        language=args.get("language", "en"),
    )


def _may_choose_arms(user: StaffUser) -> bool:
    return may_choose_arms(db.session, registry.protocol(), account_blinded=user.blinded)


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _problem(status: int, message: str, retry_after: int | None = None) -> WerkzeugResponse:
    response = jsonify(error=message)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="analysis"'
    return response
