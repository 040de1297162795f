"""Schedules that bend where a trial needs it: one window extended, a baseline date corrected.

Pure rules on the pseudonymous rows; the staff workspace audits each step and
re-plans the messages in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from portal.families.models import Family, Invitation, InvitationState
from portal.protocol.model import Protocol
from portal.protocol.schedule import local_date, local_midnight, plan_wave

EXTENDABLE = (InvitationState.scheduled, InvitationState.open, InvitationState.started,
              InvitationState.expired)


class RescheduleError(ValueError):
    """A change to a schedule the rules do not allow; the message is for the coordinator.

    `template` and `values` let the workspace word it in the coordinator's language."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template % values if values else template)
        self.template, self.values = template, values


def extend_window(invitation: Invitation, last_day: dt.date, protocol: Protocol, now: dt.datetime) -> None:
    """Keep the window open through `last_day` (local), never into the next wave's window."""
    if invitation.state(now) not in EXTENDABLE or invitation.respondent.erased_at is not None:
        raise RescheduleError("Only a window that is not answered or withdrawn can be extended.")
    closes_at = local_midnight(last_day + dt.timedelta(days=1), protocol.timezone)
    if closes_at <= invitation.closes_at:
        raise RescheduleError("Choose a day after the window's current last day.")
    if closes_at <= now:
        raise RescheduleError("Choose a day from today on.")
    following = next_wave(invitation)
    if following is not None and closes_at > following.opens_at:
        last_allowed = local_date(following.opens_at, protocol.timezone) - dt.timedelta(days=1)
        raise RescheduleError(
            "The next wave opens on %(opens)s: the last day can be %(last)s at the latest.",
            opens=local_date(following.opens_at, protocol.timezone), last=last_allowed,
        )
    invitation.closes_at = closes_at


def next_wave(invitation: Invitation) -> Invitation | None:
    later = [i for i in invitation.respondent.invitations if i.opens_at > invitation.opens_at]
    return min(later, key=lambda i: i.opens_at, default=None)


def correct_baseline(
    family: Family, baseline: dt.date, protocol: Protocol, now: dt.datetime
) -> list[Invitation]:
    """Set the baseline and re-plan every wave not yet opened from it; returns the invitations moved.

    Answers are never touched: a wave already open, started, answered or withdrawn stays as it is.
    """
    if baseline > local_date(now, protocol.timezone):
        raise RescheduleError("The baseline date cannot lie in the future.")
    if baseline == family.baseline_date:
        raise RescheduleError("This is the baseline date already.")
    family.baseline_date = baseline
    moved = []
    for respondent in family.respondents:
        for invitation in respondent.invitations:
            wave = protocol.wave(invitation.wave)
            if wave is None or not _not_yet_opened(invitation, now):
                continue
            planned = plan_wave(wave, baseline, protocol.timezone)
            invitation.due_date, invitation.opens_at, invitation.closes_at = (
                planned.due_date, planned.opens_at, planned.closes_at)
            moved.append(invitation)
    return moved


def _not_yet_opened(invitation: Invitation, now: dt.datetime) -> bool:
    return invitation.state(now) is InvitationState.scheduled and invitation.started_at is None
