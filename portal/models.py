"""Every table, imported once so the metadata (and Alembic) sees them all."""

from portal.audit import AuditEvent
from portal.contacts.models import Contact
from portal.exports.api_tokens import ApiToken  # noqa: F401  (registers the table)
from portal.exports.blinding import ArmLabel  # noqa: F401  (registers the table)
from portal.exports.unblinding import Unblinding  # noqa: F401  (registers the table)
from portal.families.models import (
    Alert,
    Arm,
    Child,
    Family,
    Invitation,
    Respondent,
    Response,
    Site,
    Study,
)
from portal.messaging.models import ContactAttempt, OutboxMessage, SmsReceiptSeen  # noqa: F401  (registers the tables)
from portal.respond.throttle import CodeAttempt  # noqa: F401  (registers the table)
from portal.staff.models import LoginAttempt, RecoveryCode, StaffUser
from portal.staff.records import AllocationRecord, AllocationSlot, Note, StaffAttempt

__all__ = [
    "Alert", "AllocationRecord", "AllocationSlot", "Arm", "AuditEvent", "Child", "Contact", "Family",
    "Invitation", "LoginAttempt", "Note", "RecoveryCode", "Respondent", "Response", "Site", "StaffAttempt",
    "StaffUser", "Study",
]
