"""What the access report calls each audited step, in the reader's language: the trail itself keeps
its codes (`contact_viewed`), which mean nothing to the parent the report is printed for."""

from __future__ import annotations

from portal.staff.i18n import N_, _

ACTIONS = {
    "enrol": N_("enrolled in the study"),
    "contacts_viewed": N_("contact details read (family page)"),
    "contact_viewed": N_("contact details read (to change them)"),
    "contact_changed": N_("contact details or language changed"),
    "access_report": N_("access report made"),
    "link_shown": N_("link and access code shown"),
    "link_revoked": N_("link revoked"),
    "link_resent": N_("link sent again"),
    "interview_started": N_("interview by phone started"),
    "note_added": N_("note written"),
    "contact_attempt_recorded": N_("contact attempt recorded"),
    "window_extended": N_("answer window extended"),
    "baseline_corrected": N_("baseline date corrected"),
    "schedule_replanned": N_("schedule planned again"),
    "allocation_portal": N_("allocated from the concealed sequence"),
    "allocation_recorded": N_("allocation recorded from the randomisation service"),
    "allocation_correction": N_("allocation corrected"),
    "alert_resolved": N_("alert resolved"),
    "withdrawal_stop_contact": N_("family withdrawn: contact stopped"),
    "withdrawal_erase": N_("family withdrawn: data erased"),
    "parent_stop_contact": N_("contact with this parent stopped"),
    "parent_erase": N_("this parent's answers and contact details erased"),
    "parent_contact_resumed": N_("contact with this parent resumed"),
}


def action_words(code: str) -> str:
    """A step in words; a code this table does not know yet is shown as it is, never hidden."""
    return _(ACTIONS[code]) if code in ACTIONS else code.replace("_", " ")
