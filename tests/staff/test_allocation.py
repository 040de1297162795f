"""Allocation: balanced within each stratum, sealed in the database, reproducible and checkable from the
seed, made once and audited, corrected only on record."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from portal.audit import AuditEvent
from portal.db import db
from portal.protocol.allocation import AllocationSequenceError, generate, stratum_sequence
from portal.protocol.model import Arm
from portal.staff.records import AllocationRecord, AllocationSlot
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases
ARMS = (Arm("family_partner", 1), Arm("usual_services", 1))
SEED = "kept in the safe"


@settings(max_examples=60, deadline=None)
@given(seed=st.text(min_size=8, max_size=30), length=st.integers(1, 300))
def test_within_a_stratum_the_arms_never_differ_by_more_than_half_the_largest_block(
    seed: str, length: int
) -> None:
    counts: Counter[str] = Counter()
    for slot in stratum_sequence(seed, "larvik", ARMS, length):
        counts[slot.arm] += 1
        assert abs(counts["family_partner"] - counts["usual_services"]) <= 3


def test_blocks_are_of_two_four_and_six_and_each_is_balanced() -> None:
    slots = stratum_sequence("block seed 1", "larvik", ARMS, 600)
    assert {s.block_size for s in slots} == {2, 4, 6}
    for block in {s.block for s in slots}:
        arms = Counter(s.arm for s in slots if s.block == block)
        assert arms["family_partner"] == arms["usual_services"]


def test_the_same_seed_gives_the_same_sequence_and_a_longer_one_extends_it() -> None:
    first = generate("seed number one", ["larvik", "lillehammer"], ARMS, 50)
    assert first == generate("seed number one", ["larvik", "lillehammer"], ARMS, 50)
    assert first != generate("seed number two", ["larvik", "lillehammer"], ARMS, 50)
    longer = stratum_sequence("seed number one", "larvik", ARMS, 120)
    assert longer[:50] == [s for s in first if s.stratum == "larvik"][:50]
    by_stratum = {name: [s.arm for s in first if s.stratum == name] for name in ("larvik", "lillehammer")}
    assert by_stratum["larvik"] != by_stratum["lillehammer"]


def test_a_short_seed_is_refused() -> None:
    with pytest.raises(AllocationSequenceError):
        stratum_sequence("short", "larvik", ARMS, 10)


def test_the_table_holds_no_arm_and_no_block_in_plain_text(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "60"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM allocation_slot")).all()
        columns = set(db.session.execute(text("SELECT * FROM allocation_slot")).keys())
    assert len(rows) >= 3 * 60 and columns == {"id", "stratum", "position", "sealed", "family_id", "used_at"}
    everything = repr(rows).lower()
    for word in ("family_partner", "usual_services", "partner", "usual"):
        assert word not in everything
    sealed = [row.sealed for row in rows]
    assert len(set(sealed)) == len(sealed)  # a fresh nonce per place: equal arms look different


def test_generating_again_from_the_seed_adds_nothing_and_another_seed_is_refused(
    runner: FlaskCliRunner,
) -> None:
    first = runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "20"])
    again = runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "20"])
    assert first.exit_code == again.exit_code == 0
    assert [line.split("fingerprint")[1] for line in first.output.splitlines()] == [
        line.split("fingerprint")[1] for line in again.output.splitlines()
    ]
    assert "(0 new)" in again.output
    assert "family_partner" not in first.output and "usual_services" not in first.output  # concealed
    other = runner.invoke(args=["allocation", "generate", "--seed", "another seed!", "--per-site", "20"])
    assert other.exit_code == 2 and "made from another seed" in other.output


def _allocate_six(app: Flask, clock: Clock, staff: StaffFactory) -> list[str]:
    coordinator = staff("coordinator", blinded=True)
    got = []
    for n in range(6):
        person = ("mother", "nb", f"P{n}", f"+479123450{n}", None)
        family = enrol_family(app, now=clock.now, arm=None, people=[person])
        unconfirmed = coordinator.post(f"/staff/families/{family.family}/allocate",
                                       form_at=f"/staff/families/{family.family}", follow=True)
        assert "cannot be undone" in unconfirmed.text  # a post without the confirmation only asks
        page = coordinator.post(f"/staff/families/{family.family}/allocate", {"confirm": "yes"},
                                form_at=f"/staff/families/{family.family}/allocate", follow=True)
        assert "The family is allocated." in page.text
        assert "family_partner" not in page.text and "usual_services" not in page.text  # blinded
        again = coordinator.post(f"/staff/families/{family.family}/allocate", {"confirm": "yes"},
                                 form_at=f"/staff/families/{family.family}", follow=True)
        assert "already allocated" in again.text
        with app.app_context():
            got.append(family_by_pseudonym(family.family).arm.code)  # type: ignore[union-attr]
    return got


def test_families_are_allocated_once_in_sequence_order_each_with_an_audit_entry(
    app: Flask, runner: FlaskCliRunner, clock: Clock, staff: StaffFactory
) -> None:
    runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "12"])
    expected = [s.arm for s in stratum_sequence(SEED, "larvik", ARMS, 12)]
    assert _allocate_six(app, clock, staff) == expected[:6]
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).filter_by(action="allocation_portal")).all()
    places = [(e.details["stratum"], e.details["position"]) for e in entries]
    assert places == [("larvik", n) for n in range(1, 7)]


def test_the_data_manager_checks_the_whole_sequence_and_every_allocation_from_the_seed(
    app: Flask, runner: FlaskCliRunner, clock: Clock, staff: StaffFactory
) -> None:
    runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "12"])
    _allocate_six(app, clock, staff)
    checked = runner.invoke(args=["allocation", "check", "--seed", SEED])
    assert checked.exit_code == 0, checked.output
    assert "larvik: 12 sealed places agree with the seed, 6 allocated families" in checked.output
    wrong = runner.invoke(args=["allocation", "check", "--seed", "not the seed"])
    assert wrong.exit_code == 1 and "another seed" in wrong.output
    with app.app_context():  # someone swaps two sealed places in the database
        larvik = select(AllocationSlot).filter_by(stratum="larvik").order_by(AllocationSlot.position)
        first, second = db.session.scalars(larvik.limit(2)).all()
        sealed = (first.sealed, second.sealed)
        for place, new in ((first, sealed[1]), (second, sealed[0])):
            db.session.execute(update(AllocationSlot).where(AllocationSlot.id == place.id).values(sealed=new))
        db.session.commit()
    tampered = runner.invoke(args=["allocation", "check", "--seed", SEED])
    assert tampered.exit_code == 1 and "does not open" in tampered.output


def test_without_a_sequence_the_coordinator_is_told_what_to_do(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, arm=None)
    coordinator = staff("coordinator")
    asked = coordinator.client.get(f"/staff/families/{family.family}/allocate").text
    assert "The data manager must create it" in asked and "Yes, allocate now" not in asked
    page = coordinator.post(f"/staff/families/{family.family}/allocate", {"confirm": "yes"},
                            form_at=f"/staff/families/{family.family}", follow=True)
    assert "The data manager must create one" in page.text and "Larvik" in page.text
    assert "flask" not in page.text and "larvik" not in page.text  # no shell command, no site code


def test_an_unblinded_coordinator_is_told_which_arm_came_out(
    app: Flask, runner: FlaskCliRunner, clock: Clock, staff: StaffFactory
) -> None:
    runner.invoke(args=["allocation", "generate", "--seed", SEED, "--per-site", "4"])
    first = stratum_sequence(SEED, "larvik", ARMS, 4)[0].arm
    coordinator = staff("coordinator", blinded=False)
    family = enrol_family(app, now=clock.now, arm=None)
    page = coordinator.post(f"/staff/families/{family.family}/allocate", {"confirm": "yes"},
                            form_at=f"/staff/families/{family.family}/allocate", follow=True)
    named = {"family_partner": "Family Partner", "usual_services": "Usual services"}[first]
    assert f"The family is allocated to {named}." in page.text  # by its name in the study file


def test_a_correction_is_a_new_record_beside_the_first(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    family = enrol_family(app, now=clock.now, arm="family_partner")
    result = runner.invoke(args=["allocation", "correct", "--family", family.family,
                                 "--arm", "usual_services", "--reason", "typed from the wrong sheet"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = family_by_pseudonym(family.family)
        records = db.session.scalars(select(AllocationRecord).filter_by(family_id=found.id)).all()
        assert [(r.method, r.arm_code) for r in records] == [
            ("recorded", "family_partner"), ("correction", "usual_services")
        ]
        assert found.allocation_method == "recorded" and found.arm is not None
        assert found.arm.code == "usual_services"


def test_a_second_stratum_from_the_study_file_splits_each_site_by_child_age(tmp_path: Path) -> None:
    from portal.protocol.allocation import strata, stratum_of
    from portal.protocol.loader import ProtocolError, load_protocol

    source = Path("studies/family-partner.yaml").read_text(encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text(source + "\nallocation:\n  stratify_by: child_age\n  child_age_cuts_months: [36, 72]\n",
                     encoding="utf-8")
    protocol = load_protocol(study)
    assert strata(protocol)[:3] == ["ovre-eiker|age:0-35", "ovre-eiker|age:36-71", "ovre-eiker|age:72+"]
    assert len(strata(protocol)) == 9
    assert stratum_of(protocol, "larvik", 35) == "larvik|age:0-35"
    assert stratum_of(protocol, "larvik", 36) == "larvik|age:36-71"
    assert stratum_of(protocol, "larvik", 200) == "larvik|age:72+"
    study.write_text(source + "\nallocation:\n  stratify_by: postcode\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="allocation.stratify_by: 'postcode' is not a stratum"):
        load_protocol(study)
