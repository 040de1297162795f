"""Enrolment in the pseudonymous store: family, respondents, child, every wave scheduled.

Contact details are not handled here; the staff workspace seals them in the
keystore in the same request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.consent import Consent
from portal.families.models import Arm, Child, Family, Invitation, Respondent, Site, Study
from portal.families.pseudonyms import new_pseudonym
from portal.protocol.model import Protocol
from portal.protocol.schedule import plan_waves
from portal.security import derive_access_code, derive_token, hash_access_code, hash_token

# (instrument id, child's birth month, date of the wave) -> may it be asked?
AgeRule = Callable[[str, dt.date, dt.date], bool]


class EnrolmentError(ValueError):
    """Enrolment input that the study cannot take (unknown site, arm, role or language)."""


@dataclass(frozen=True, slots=True)
class NewRespondent:
    role: str
    language: str
    consent: Consent | None = None  # None: the family's consent version, signed on the baseline day


@dataclass(frozen=True, slots=True)
class NewFamily:
    site: str
    baseline: dt.date
    respondents: Sequence[NewRespondent]
    child_birth_month: dt.date
    consent_version: str
    arm: str | None = None


def sync_study(session: Session, protocol: Protocol) -> Study:
    """Make the study, its sites and arms exist as the protocol names them."""
    study = session.scalars(select(Study).filter_by(slug=protocol.id)).first()
    if study is None:
        study = Study(slug=protocol.id)
        session.add(study)
    sites = {site.code: site for site in study.sites}
    for site in protocol.sites:
        if site.id in sites:
            sites[site.id].name = site.name
        else:
            study.sites.append(Site(code=site.id, name=site.name))
    known_arms = {arm.code for arm in study.arms}
    study.arms.extend(Arm(code=arm.id) for arm in protocol.arms if arm.id not in known_arms)
    session.flush()
    return study


def enrol_family(
    session: Session, protocol: Protocol, new: NewFamily, *, applies: AgeRule, link_key: bytes,
    now: dt.datetime,
) -> Family:
    study = sync_study(session, protocol)
    _check(protocol, new)
    family = Family(
        pseudonym=_unique_pseudonym(session, protocol.pseudonym_prefix),
        study_id=study.id,
        site=next(s for s in study.sites if s.code == new.site),
        baseline_date=new.baseline,
        enrolled_at=now,
        consent_version=new.consent_version,
        child=Child(birth_month=new.child_birth_month.replace(day=1)),
    )
    if new.arm is not None:
        family.arm = next(a for a in study.arms if a.code == new.arm)
        family.allocated_at, family.allocation_method = now, "recorded"
    session.add(family)
    for person in new.respondents:
        consent = person.consent or Consent(new.consent_version, new.baseline)
        respondent = Respondent(
            pseudonym=_unique_pseudonym(session, protocol.pseudonym_prefix),
            role=person.role, language=person.language, consent_version=consent.version,
            consent_date=consent.date, consent_questionnaires=consent.questionnaires,
            consent_sms=consent.sms, consent_email=consent.email,
        )
        family.respondents.append(respondent)
        schedule_waves(session, protocol, respondent, family, applies=applies, link_key=link_key)
    return family


def schedule_waves(
    session: Session, protocol: Protocol, respondent: Respondent, family: Family, *,
    applies: AgeRule, link_key: bytes,
) -> list[Invitation]:
    """Every wave for this respondent, the same in both arms (intention to treat)."""
    birth_month = family.child.birth_month if family.child else None
    invitations = []
    for planned in plan_waves(protocol, family.baseline_date):
        wave = protocol.wave(planned.wave_id)
        assert wave is not None
        instruments = [
            i for i in wave.instruments_for(respondent.role)
            if birth_month is None or applies(i, birth_month, planned.due_date)
        ]
        invitation = Invitation(
            wave=planned.wave_id, instruments=instruments, due_date=planned.due_date,
            opens_at=planned.opens_at, closes_at=planned.closes_at,
        )
        respondent.invitations.append(invitation)
        invitations.append(invitation)
    session.flush()
    for invitation in invitations:
        set_link_hashes(link_key, invitation)
    return invitations


def set_link_hashes(link_key: bytes, invitation: Invitation) -> None:
    """Store only keyed hashes of the link token and access code of the current generation."""
    generation = invitation.token_generation
    invitation.token_hash = hash_token(link_key, derive_token(link_key, invitation.id, generation).reveal())
    code = derive_access_code(link_key, invitation.id, generation).reveal()
    invitation.access_code_hash = hash_access_code(link_key, code)


def _check(protocol: Protocol, new: NewFamily) -> None:
    if protocol.site(new.site) is None:
        raise EnrolmentError(f"unknown site {new.site!r} (known: {', '.join(s.id for s in protocol.sites)})")
    if new.arm is not None and new.arm not in protocol.arm_ids():
        raise EnrolmentError(f"unknown arm {new.arm!r} (known: {', '.join(protocol.arm_ids())})")
    if not 1 <= len(new.respondents) <= 2:
        raise EnrolmentError("a family has one or two respondents")
    for person in new.respondents:
        if not any(w.instruments_for(person.role) for w in protocol.waves):
            raise EnrolmentError(f"respondent role {person.role!r} answers nothing in this study")
        if person.language not in protocol.languages:
            offered = ", ".join(protocol.languages)
            raise EnrolmentError(f"language {person.language!r} is not offered (offered: {offered})")


def _unique_pseudonym(session: Session, prefix: str) -> str:
    """Families and respondents draw from one space, so a pseudonym names one thing."""
    while True:
        candidate = new_pseudonym(prefix)
        taken = [
            session.scalars(select(model.id).filter_by(pseudonym=candidate)).first()
            for model in (Family, Respondent)
        ]
        if taken == [None, None]:
            return candidate
