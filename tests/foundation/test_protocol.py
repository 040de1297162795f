"""The study file: loaded, checked against the instruments, and its schedule arithmetic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal.measures import default_instrument_dirs, load_catalogue
from portal.protocol.loader import ProtocolError, check_instruments, load_protocol
from portal.protocol.schedule import add_months, plan_waves

STUDY = Path(__file__).resolve().parents[2] / "studies" / "family-partner.yaml"
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def protocol():  # type: ignore[no-untyped-def]
    return load_protocol(STUDY)


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = STUDY.read_text()
    assert old in text
    path = tmp_path / "study.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_family_partner_protocol(protocol) -> None:  # type: ignore[no-untyped-def]
    assert [w.id for w in protocol.waves] == ["T0", "T1", "T2", "T3", "T4"]
    assert [w.offset_months for w in protocol.waves] == [0, 3, 6, 12, 18]
    assert protocol.arm_ids() == ("family_partner", "usual_services")
    assert {s.name for s in protocol.sites} == {"Øvre Eiker", "Lillehammer", "Larvik"}
    assert protocol.on_call is not None and protocol.on_call.language == "nb"
    check_instruments(protocol, load_catalogue(default_instrument_dirs(None)), STUDY)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("offset_months: 3", "offset_months: three", "waves[1].offset_months: must be a whole number"),
    ("default_language: nb", "default_language: de", "study.default_language: 'de' is not in"),
    ("  - {id: larvik, name: Larvik}\n", "  - {id: larvik, name: Larvik}\n  - {id: larvik, name: L}\n",
     "sites: ids must be unique"),
    ("instruments: {mother: *baseline", "instruments: {grandma: *baseline", "unknown respondent role"),
    ('send_from: "09:00"', 'send_from: "9 o\'clock"', "study.quiet_hours.send_from"),
    ("reminder_days: [3, 7, 21]", "reminder_days: [3, 7, 99]", "waves[0].reminder_days"),
    ("email: vakt@familiestudien.example", "email: vakt at familiestudien", "study.on_call.email: 'vakt at"),
    ("    language: nb\n", "    language: de\n", "study.on_call.language: 'de' is not in study.languages"),
    ("  on_call:\n", "  on_call: vakt@familiestudien.example\n  old_on_call:\n",
     "study.on_call: must be a mapping"),
])
def test_a_broken_study_file_names_file_key_and_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = edited(tmp_path, old, new)
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_an_unknown_instrument_in_a_wave_is_refused(tmp_path: Path) -> None:
    path = edited(tmp_path, "[who5, phq9, gad7, psc17, apq9, trust]", "[who5, sdq]")
    with pytest.raises(ProtocolError, match="unknown instrument 'sdq'"):
        check_instruments(load_protocol(path), load_catalogue(default_instrument_dirs(None)), path)


def test_an_instrument_needing_permission_waits_for_the_study_to_record_it(tmp_path: Path) -> None:
    path = edited(tmp_path, "[who5, phq9, gad7, psc17, apq9, trust]", "[who5, pss]")
    catalogue = load_catalogue(default_instrument_dirs(None))
    with pytest.raises(ProtocolError, match="permission"):
        check_instruments(load_protocol(path), catalogue, path)
    granted = tmp_path / "granted.yaml"
    granted.write_text(path.read_text().replace("permissions: {}", 'permissions: {pss: "letter 2026-03-02"}'))
    check_instruments(load_protocol(granted), catalogue, granted)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
    (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),
    (dt.date(2026, 1, 31), 3, dt.date(2026, 4, 30)),
    (dt.date(2026, 11, 15), 18, dt.date(2028, 5, 15)),
])
def test_months_after_baseline_stay_in_their_month(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_windows_open_and_close_at_local_midnight_across_daylight_saving(protocol) -> None:  # type: ignore[no-untyped-def]
    # Baseline in winter time; T1 opens in winter, T2 (six months on) closes in summer time.
    waves = {w.wave_id: w for w in plan_waves(protocol, dt.date(2026, 9, 20))}
    for planned in waves.values():
        for moment in (planned.opens_at, planned.closes_at):
            local = moment.astimezone(OSLO)
            assert (local.hour, local.minute) == (0, 0)
    assert waves["T0"].opens_at.utcoffset() == dt.timedelta(0)
    assert waves["T0"].opens_at.astimezone(OSLO).utcoffset() == dt.timedelta(hours=2)
    assert waves["T2"].opens_at.astimezone(OSLO).utcoffset() == dt.timedelta(hours=1)
    assert waves["T2"].closes_at.astimezone(OSLO).utcoffset() == dt.timedelta(hours=2)
    assert waves["T2"].due_date == dt.date(2027, 3, 20)


def test_every_parent_language_has_its_own_help_and_support_line(protocol) -> None:  # type: ignore[no-untyped-def]
    for texts in (protocol.help_text, protocol.support_text):
        assert set(texts) == set(protocol.languages)
    assert "113" in protocol.support_text["ar"] and "116 123" in protocol.support_text["so"]
