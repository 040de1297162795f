"""Allocation: balanced within each site, reproducible from the seed, made once, corrected only on record."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.db import db
from portal.protocol.allocation import AllocationSequenceError, generate, site_sequence
from portal.protocol.model import Arm
from portal.staff.records import AllocationRecord
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family, family_by_pseudonym

ARMS = (Arm("family_partner", 1), Arm("usual_services", 1))


@settings(max_examples=60, deadline=None)
@given(seed=st.text(min_size=8, max_size=30), length=st.integers(1, 300))
def test_within_a_site_the_arms_never_differ_by_more_than_two(seed: str, length: int) -> None:
    counts: Counter[str] = Counter()
    for slot in site_sequence(seed, "larvik", ARMS, length):
        counts[slot.arm] += 1
        assert abs(counts["family_partner"] - counts["usual_services"]) <= 2


def test_blocks_are_of_two_and_four_and_each_is_balanced() -> None:
    slots = site_sequence("block seed 1", "larvik", ARMS, 400)
    sizes = {s.block_size for s in slots}
    assert sizes == {2, 4}
    for block in {s.block for s in slots}:
        arms = Counter(s.arm for s in slots if s.block == block)
        assert arms["family_partner"] == arms["usual_services"]


def test_the_same_seed_gives_the_same_sequence_and_a_longer_one_extends_it() -> None:
    first = generate("seed number one", ["larvik", "lillehammer"], ARMS, 50)
    assert first == generate("seed number one", ["larvik", "lillehammer"], ARMS, 50)
    assert first != generate("seed number two", ["larvik", "lillehammer"], ARMS, 50)
    longer = site_sequence("seed number one", "larvik", ARMS, 120)
    assert longer[:50] == [s for s in first if s.site == "larvik"][:50]
    assert [s.arm for s in first if s.site == "larvik"] != [s.arm for s in first if s.site == "lillehammer"]


def test_a_short_seed_is_refused() -> None:
    with pytest.raises(AllocationSequenceError):
        site_sequence("short", "larvik", ARMS, 10)


def test_the_data_manager_can_reproduce_the_stored_sequence_from_the_seed(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["allocation", "generate", "--seed", "kept in the safe", "--per-site", "20"])
    again = runner.invoke(args=["allocation", "generate", "--seed", "kept in the safe", "--per-site", "20"])
    assert first.exit_code == again.exit_code == 0
    assert [line.split("fingerprint")[1] for line in first.output.splitlines()] == [
        line.split("fingerprint")[1] for line in again.output.splitlines()
    ]
    assert "(0 new)" in again.output
    assert "family_partner" not in first.output and "usual_services" not in first.output  # concealed
    other = runner.invoke(args=["allocation", "generate", "--seed", "another seed!", "--per-site", "20"])
    assert other.exit_code == 2 and "made from another seed" in other.output


def test_families_are_allocated_once_in_sequence_order(
    app: Flask, runner: FlaskCliRunner, clock: Clock, staff: StaffFactory
) -> None:
    runner.invoke(args=["allocation", "generate", "--seed", "kept in the safe", "--per-site", "12"])
    expected = [s.arm for s in site_sequence("kept in the safe", "larvik", ARMS, 12)]
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
    assert got == expected[:6]


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
    runner.invoke(args=["allocation", "generate", "--seed", "kept in the safe", "--per-site", "4"])
    first = site_sequence("kept in the safe", "larvik", ARMS, 4)[0].arm
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
