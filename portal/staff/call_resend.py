"""Send the link again to several parents of the call list at once: resend_link for each, one click.

The click's key is shared by the rows: resend_link makes it part of each outbox row's unique key
(with the invitation's id), so a form sent twice sends every link once. A row that cannot be sent
(no number, no address, closed) is reported and the others still go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.families.models import Invitation
from portal.staff.models import StaffUser
from portal.staff.outreach import OutreachError
from portal.staff.resend import AlreadyQueued, Resent, resend_link


@dataclass(slots=True)
class ResentMany:
    sent: list[tuple[Invitation, Resent]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why, per row: pseudonym and wave, never a name


def resend_selected(
    session: Session, invitations: Sequence[Invitation], *, channels: Sequence[str], by: StaffUser,
    now: dt.datetime, click: str,
) -> ResentMany:
    """Raises AlreadyQueued when this click was handled before: the caller rolls back, nothing more goes."""
    result = ResentMany()
    for invitation in invitations:
        try:
            resent = resend_link(session, invitation=invitation, channels=channels, by=by, now=now,
                                 click=click)
        except AlreadyQueued:
            raise
        except OutreachError as problem:  # raised before anything of this row was added
            result.refused.append(str(problem))
        else:
            result.sent.append((invitation, resent))
    return result
