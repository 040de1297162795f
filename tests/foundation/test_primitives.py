"""Pseudonyms, link tokens, sealed fields and the audit chain."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from flask import Flask
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import select

from portal import registry
from portal.audit import AuditEvent, record, verify
from portal.contacts.crypto import FieldCipher, KeystoreError
from portal.db import db
from portal.families.pseudonyms import ALPHABET, check_character, is_valid, new_pseudonym, normalise
from portal.security import derive_access_code, derive_token, hash_token, looks_like_token

bodies = st.text(alphabet=ALPHABET, min_size=7, max_size=7)


@given(bodies, st.integers(0, 7), st.sampled_from(ALPHABET))
def test_a_single_mistyped_character_is_caught(body: str, position: int, wrong: str) -> None:
    assume(check_character(body) is not None)
    code = body + str(check_character(body))
    typo = code[:position] + wrong + code[position + 1:]
    if typo != code:
        assert not is_valid(f"FP-{typo[:4]}-{typo[4:]}")


@given(bodies, st.integers(0, 6))
def test_two_neighbours_swapped_are_caught(body: str, position: int) -> None:
    assume(check_character(body) is not None)
    code = body + str(check_character(body))
    chars = list(code)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    swapped = "".join(chars)
    if swapped != code:
        assert not is_valid(f"FP-{swapped[:4]}-{swapped[4:]}")


def test_pseudonyms_are_random_and_typable() -> None:
    made = {new_pseudonym("FP") for _ in range(500)}
    assert len(made) == 500
    sample = made.pop()
    assert is_valid(sample) and len(sample) == len("FP-7K3Q-9XWD")
    assert is_valid(sample.lower().replace("0", "o"))  # read over the phone, typed loosely
    assert normalise(" fp-" + sample[3:].lower()) == sample


def test_link_tokens_are_128_bits_of_letters_and_digits_and_hide_themselves() -> None:
    token = derive_token(b"k" * 32, 7, 0)
    assert looks_like_token(token.reveal()) and token.reveal().isalnum()
    assert token.reveal() not in repr(token) and token.reveal() not in f"{token}"
    assert derive_token(b"k" * 32, 7, 1) != token  # a new generation revokes the old link
    assert hash_token(b"k" * 32, token.reveal()) != hash_token(b"x" * 32, token.reveal())
    code = derive_access_code(b"k" * 32, 7, 0).reveal()
    assert len(code) == 9 and code[4] == "-"


def test_a_token_in_a_log_line_stays_hidden(caplog: pytest.LogCaptureFixture) -> None:
    token = derive_token(b"k" * 32, 7, 0)
    with caplog.at_level(logging.INFO):
        logging.getLogger("portal").info("sending %s", token)
    assert token.reveal() not in caplog.text


def test_sealed_fields_open_only_for_their_owner_and_survive_key_rotation() -> None:
    old, new = b"o" * 32, b"n" * 32
    sealed = FieldCipher(old).seal("Kari", owner="FP-1", field="name")
    assert "Kari" not in sealed
    assert FieldCipher(new, old).open(sealed, owner="FP-1", field="name") == "Kari"
    with pytest.raises(KeystoreError):
        FieldCipher(old).open(sealed, owner="FP-2", field="name")
    with pytest.raises(KeystoreError, match="unknown key"):
        FieldCipher(new).open(sealed, owner="FP-1", field="name")


def test_the_audit_chain_names_the_first_edited_entry(app: Flask) -> None:
    now = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    with app.app_context():
        for action in ("login", "enrol", "export"):
            record(db.session, now=now, actor="staff:1", action=action, subject="FP-X")
        db.session.commit()
        assert verify(db.session, registry.settings().audit_key) is None
        middle = db.session.scalars(select(AuditEvent).filter_by(action="enrol")).one()
        middle.subject = "FP-Y"
        db.session.commit()
        broken = verify(db.session, registry.settings().audit_key)
        assert broken is not None and broken.entry == middle.seq == 2 and "was changed" in broken.reason
