"""Coordinator commands: enrol a family from the shell."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

import portal.registry as registry
from portal.cli import current_time, now_option
from portal.contacts import ContactDetails, InvalidContact
from portal.contacts.book import normalise_email, normalise_phone
from portal.families.enrolment import EnrolmentError, NewFamily
from portal.families.links import link_for
from portal.staff.enrolment import Person, enrol, people_to_respondents


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month like 2019-05") from None


@click.command("enrol")
@click.option("--site", required=True, help="Site id from the study file, e.g. larvik.")
@click.option("--role", default="mother", show_default=True, help="mother, father or carer.")
@click.option("--language", default="nb", show_default=True, help="The parent's language code.")
@click.option("--name", required=True, help="The parent's name (sealed in the keystore).")
@click.option("--phone", default=None, help="Mobile number; Norwegian numbers may omit +47.")
@click.option("--email", default=None, help="E-mail address.")
@click.option("--child-birth-month", required=True, help="The target child's birth month, YYYY-MM.")
@click.option("--consent-version", required=True, help="The consent form version signed.")
@click.option("--arm", default=None, help="Record an arm decided elsewhere (leave out to allocate later).")
@now_option
@with_appcontext
def enrol_command(
    site: str, role: str, language: str, name: str, phone: str | None, email: str | None,
    child_birth_month: str, consent_version: str, arm: str | None, now: dt.datetime | None,
) -> None:
    """Enrol one family with one respondent, schedule every wave and print the baseline link."""
    moment = current_time(now)
    try:
        contact = ContactDetails(
            name=name.strip(), phone=normalise_phone(phone) if phone else None,
            email=normalise_email(email) if email else None,
        )
    except InvalidContact as problem:
        raise click.UsageError(f"contact details: {problem}") from None
    if not contact.name or not (contact.phone or contact.email):
        raise click.UsageError("give a name and at least a phone number or an e-mail address")
    person = Person(role=role, language=language, contact=contact)
    new = NewFamily(
        site=site, baseline=moment.astimezone(registry.protocol().timezone).date(),
        respondents=people_to_respondents([person]), child_birth_month=_month(child_birth_month),
        consent_version=consent_version, arm=arm,
    )
    try:
        family = enrol(new, [person], actor="cli", now=moment)
    except EnrolmentError as problem:
        raise click.UsageError(str(problem)) from None
    respondent = family.respondents[0]
    click.echo(f"family {family.pseudonym}  respondent {respondent.pseudonym}")
    click.echo(f"baseline link: {link_for(respondent.invitations[0])}")
