"""Read and check a study protocol file; every problem names the file and the key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from portal.protocol.model import ROLES, AgeStratum, Arm, OnCall, Protocol, QuietHours, Site, Wave

T = TypeVar("T")


class ProtocolError(ValueError):
    """One line: the file, the key and what is wrong."""


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ProtocolError:
        return ProtocolError(f"{self.path}: {key}: {problem}")

    def get(self, data: Mapping[str, Any], key: str, where: str, kind: type[T]) -> T:
        if key not in data:
            raise self.fail(_join(where, key), "is missing")
        value = data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(_join(where, key), f"must be {_KIND_NAMES.get(kind, kind.__name__)}")
        return value

    def texts(self, data: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
        value = self.get(data, key, where, dict)
        if not value or not all(isinstance(v, str) and v.strip() for v in value.values()):
            raise self.fail(_join(where, key), "must map language codes to non-empty texts")
        return {str(lang): text.strip() for lang, text in value.items()}

    def items(
        self, data: Mapping[str, Any], key: str, where: str, build: Callable[[Any, str], T]
    ) -> tuple[T, ...]:
        values = self.get(data, key, where, list)
        if not values:
            raise self.fail(_join(where, key), "must list at least one entry")
        return tuple(build(value, f"{_join(where, key)}[{i}]") for i, value in enumerate(values))


_KIND_NAMES = {dict: "a mapping", list: "a list", str: "a text", int: "a whole number", bool: "true or false"}


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def load_protocol(path: Path) -> Protocol:
    reader = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProtocolError(f"{path}: the study file does not exist") from None
    except UnicodeDecodeError as error:
        raise ProtocolError(f"{path}: byte {error.start + 1} is not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "file"
        raise ProtocolError(f"{path}: {line}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise ProtocolError(f"{path}: the file must be a mapping with study, sites, arms and waves")
    return _build(reader, raw)


def _build(r: _Reader, raw: dict[str, Any]) -> Protocol:
    study = r.get(raw, "study", "", dict)
    languages = tuple(r.get(study, "languages", "study", list))
    default_language = r.get(study, "default_language", "study", str)
    if default_language not in languages:
        raise r.fail("study.default_language", f"{default_language!r} is not in study.languages")
    sites = r.items(raw, "sites", "", lambda v, w: Site(r.get(v, "id", w, str), r.get(v, "name", w, str)))
    arms = r.items(raw, "arms", "", lambda v, w: _arm(r, v, w))
    waves = r.items(raw, "waves", "", lambda v, w: _wave(r, v, w))
    for label, values in (
        ("sites", [s.id for s in sites]), ("arms", [a.id for a in arms]), ("waves", [w.id for w in waves])
    ):
        if len(set(values)) != len(values):
            raise r.fail(label, "ids must be unique")
    prefix = r.get(study, "pseudonym_prefix", "study", str)
    if not (prefix.isascii() and prefix.isalpha() and prefix.isupper() and 1 <= len(prefix) <= 4):
        raise r.fail("study.pseudonym_prefix", "must be 1-4 capital letters A-Z")
    permissions = raw.get("permissions") or {}
    if not isinstance(permissions, dict):
        raise r.fail("permissions", "must map instrument ids to where the permission is recorded")
    return Protocol(
        id=r.get(study, "id", "study", str),
        public_name=r.texts(study, "public_name", "study"),
        pseudonym_prefix=prefix,
        timezone=_timezone(r, r.get(study, "timezone", "study", str)),
        languages=languages,
        default_language=default_language,
        quiet_hours=_quiet_hours(r, r.get(study, "quiet_hours", "study", dict)),
        help_text=r.texts(study, "help", "study"),
        support_text=r.texts(study, "support", "study"),
        sites=sites,
        arms=arms,
        waves=waves,
        permissions={str(k): str(v) for k, v in permissions.items()},
        blinded=bool(study.get("blinded", True)),
        on_call=_on_call(r, study, languages, default_language),
        allocation_stratum=_allocation_stratum(r, raw.get("allocation")),
    )


def _on_call(r: _Reader, study: dict[str, Any], languages: tuple[str, ...], default: str) -> OnCall | None:
    """study.on_call: {email: ..., language: nb}; the language defaults to the study's."""
    if "on_call" not in study:
        return None
    data = r.get(study, "on_call", "study", dict)
    email = r.get(data, "email", "study.on_call", str).strip()
    local, at, domain = email.rpartition("@")
    if not (at and local and "." in domain) or any(c.isspace() for c in email):
        raise r.fail("study.on_call.email", f"{email!r} is not an e-mail address")
    language = data.get("language", default)
    if language not in languages:
        raise r.fail("study.on_call.language", f"{language!r} is not in study.languages")
    return OnCall(email=email, language=language)


def _allocation_stratum(r: _Reader, data: Any) -> AgeStratum | None:
    """`allocation: {stratify_by: child_age, child_age_cuts_months: [36, 72]}`; site always stratifies."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise r.fail("allocation", "must be a mapping (stratify_by, child_age_cuts_months)")
    by = data.get("stratify_by")
    if by is None:
        return None
    if by != "child_age":
        raise r.fail("allocation.stratify_by", f"{by!r} is not a stratum the portal knows (use child_age)")
    cuts = data.get("child_age_cuts_months")
    if (not isinstance(cuts, list) or not cuts or not all(isinstance(c, int) and not isinstance(c, bool)
                                                           for c in cuts)
            or cuts != sorted(set(cuts)) or cuts[0] < 1):
        raise r.fail("allocation.child_age_cuts_months", "must list rising whole months, e.g. [36, 72]")
    return AgeStratum(tuple(cuts))


def _timezone(r: _Reader, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("study.timezone", f"{name!r} is not a known time zone (e.g. Europe/Oslo)") from None


def _quiet_hours(r: _Reader, data: dict[str, Any]) -> QuietHours:
    def clock(key: str) -> dt.time:
        text = r.get(data, key, "study.quiet_hours", str)
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            raise r.fail(f"study.quiet_hours.{key}", f"{text!r} is not a time like 09:00") from None

    hours = QuietHours(send_from=clock("send_from"), send_until=clock("send_until"))
    if hours.send_from >= hours.send_until:
        raise r.fail("study.quiet_hours", "send_from must be before send_until")
    return hours


def _arm(r: _Reader, value: Any, where: str) -> Arm:
    if not isinstance(value, dict):
        raise r.fail(where, "must be a mapping with id and ratio")
    ratio = r.get(value, "ratio", where, int)
    if ratio < 1:
        raise r.fail(f"{where}.ratio", "must be 1 or more")
    return Arm(id=r.get(value, "id", where, str), ratio=ratio, names=_names(r, value, where))


def _wave(r: _Reader, value: Any, where: str) -> Wave:
    if not isinstance(value, dict):
        raise r.fail(where, "must be a mapping")
    window = r.get(value, "window", where, dict)
    before = r.get(window, "opens_days_before", f"{where}.window", int)
    after = r.get(window, "closes_days_after", f"{where}.window", int)
    offset = r.get(value, "offset_months", where, int)
    if min(before, after, offset) < 0 or after < 1:
        raise r.fail(f"{where}.window", "offsets must be positive and the window at least one day long")
    reminders = tuple(r.get(value, "reminder_days", where, list))
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= before + after for d in reminders):
        raise r.fail(f"{where}.reminder_days", "must be whole days after opening, inside the window")
    instruments = r.get(value, "instruments", where, dict)
    for role, ids in instruments.items():
        if role not in ROLES:
            raise r.fail(f"{where}.instruments.{role}", f"unknown respondent role (use {', '.join(ROLES)})")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise r.fail(f"{where}.instruments.{role}", "must list instrument ids")
    return Wave(
        id=r.get(value, "id", where, str),
        offset_months=offset,
        opens_days_before=before,
        closes_days_after=after,
        reminder_days=reminders,
        instruments={role: tuple(ids) for role, ids in instruments.items()},
        names=_names(r, value, where),
    )


def _names(r: _Reader, value: dict[str, Any], where: str) -> dict[str, str]:
    """The optional `name:` of an arm or wave, per language, for the staff pages."""
    return r.texts(value, "name", where) if "name" in value else {}


def check_instruments(protocol: Protocol, catalogue: Mapping[str, Any], path: Path) -> None:
    """Every instrument a wave asks for exists, and any that needs permission has it recorded."""
    for wave in protocol.waves:
        for role, ids in wave.instruments.items():
            for instrument_id in ids:
                where = f"{path}: waves.{wave.id}.instruments.{role}"
                instrument = catalogue.get(instrument_id)
                if instrument is None:
                    raise ProtocolError(f"{where}: unknown instrument {instrument_id!r}")
                if instrument.permission == "required" and instrument_id not in protocol.permissions:
                    raise ProtocolError(
                        f"{where}: {instrument_id!r} may be used only with the author's permission; "
                        f"record it under permissions.{instrument_id} first"
                    )
