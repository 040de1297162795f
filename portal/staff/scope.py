"""What an account may see: coordinators their own sites, admins every site, analysts none."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal import registry
from portal.families.models import Family, FamilyStatus, Invitation, Respondent, Site
from portal.staff.models import StaffUser


def visible_sites(user: StaffUser) -> list[str]:
    codes = [site.id for site in registry.protocol().sites]
    if user.role == "admin":
        return codes
    if user.role == "coordinator":
        return [code for code in codes if code in user.sites]
    return []


def families_in_scope(user: StaffUser) -> Select[Family]:
    return select(Family).join(Site).where(Site.code.in_(visible_sites(user)))


def respondents_in_scope(user: StaffUser) -> Select[str]:
    """The pseudonyms of every respondent the account may see whose family is not erased."""
    return (
        select(Respondent.pseudonym).join(Family).join(Site)
        .where(Site.code.in_(visible_sites(user)), Family.status != FamilyStatus.erased)
    )


def family_or_404(session: Session, user: StaffUser, pseudonym: str) -> Family:
    """A family outside the account's sites is answered exactly like one that does not exist."""
    family = session.scalars(families_in_scope(user).where(Family.pseudonym == pseudonym.upper())).first()
    if family is None:
        abort(404)
    return family


def respondent_or_404(session: Session, user: StaffUser, pseudonym: str) -> Respondent:
    respondent = session.scalars(select(Respondent).filter_by(pseudonym=pseudonym.upper())).first()
    if respondent is None or respondent.family.site.code not in visible_sites(user):
        abort(404)
    return respondent


def invitation_or_404(session: Session, user: StaffUser, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.respondent.family.site.code not in visible_sites(user):
        abort(404)
    return invitation
