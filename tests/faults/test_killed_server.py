"""gunicorn killed with SIGKILL (master and workers) in the middle of a parent's wave, then started again.

What a parent relies on: answers saved before the kill are still there when they reopen the
link, and a submit cut off by the kill can be sent again and completes the wave exactly once.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask

from tests.faults.served import Gunicorn
from tests.faults.store import completions, enrol_today, invitations, stored_answers
from tests.faults.walker import Parent

pytestmark = pytest.mark.databases

INSTRUMENTS = 6  # a mother's baseline: who5, phq9, gad7, psc17, apq9, trust


def as_stored(answered: dict[str, str]) -> dict[str, object]:
    return {item: int(code) for item, code in answered.items()}


def test_answers_saved_before_the_kill_survive_and_the_wave_can_be_finished(
    app: Flask, served: dict[str, str]
) -> None:
    [token] = enrol_today(app, 1)
    with Gunicorn(served) as server:
        parent = Parent(server.url, token)
        carry_on_at = parent.answer_until(parent.start(), stop_after=2)
        saved_before_kill = dict(parent.answered)
        server.kill()
        parent.close()
        server.start()

        assert stored_answers(app) == as_stored(saved_before_kill), server.logged()
        again = Parent(server.url, token)  # the link again, maybe on another phone
        assert again.start() == carry_on_at == "/q/3", server.logged()  # (it has failed rarely: keep the log)
        again.answer_until(carry_on_at)
        again.submit()
        again.close()
    assert stored_answers(app) == as_stored({**saved_before_kill, **again.answered})
    counts = completions(app)
    assert len(counts) == INSTRUMENTS and set(counts.values()) == {1}


def test_a_submit_cut_off_by_a_kill_is_sent_again_and_completes_the_wave_once(
    app: Flask, served: dict[str, str]
) -> None:
    """Kills a moment apart, so some land before the commit and some after: every wave ends complete, once."""
    kills_after = (0.0, 0.005, 0.05)
    tokens = enrol_today(app, len(kills_after))
    parents = []
    with Gunicorn(served) as server:
        for token, kill_after in zip(tokens, kills_after, strict=True):
            parent = Parent(server.url, token)
            parent.answer_until(parent.start())
            form = parent.submit_form()
            parent.send_only("POST", "/q/submit", form)
            time.sleep(kill_after)
            server.kill()
            parent.close()
            server.start()

            resent = parent.expect(parent.request("POST", "/q/submit", form), 303)  # the phone tries again
            assert parent.expect(parent.request("GET", resent.location, close=True), 200).body
            assert Parent(server.url, token).request("GET", f"/s/{token}", close=True).status == 404  # used
            parents.append(parent)
        assert "Traceback" not in server.logged()
    assert all(invitation.completed_at is not None for invitation in invitations(app))
    assert stored_answers(app) == as_stored({k: v for p in parents for k, v in p.answered.items()})
    counts = completions(app)
    assert len(counts) == INSTRUMENTS * len(tokens) and set(counts.values()) == {1}
