"""`flask --app portal demo`: a demo study with invented families, for trying the portal."""

from __future__ import annotations

import datetime as dt
import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

import portal.migrate as migrate
import portal.registry as registry
from portal.cli import current_time, now_option
from portal.contacts import ContactDetails
from portal.db import db
from portal.families.enrolment import NewFamily
from portal.families.links import link_for
from portal.families.models import Family
from portal.security import password_hasher
from portal.staff.enrolment import Person, enrol, people_to_respondents
from portal.staff.models import StaffUser

# Invented people: the names are common, the numbers and addresses reach nobody.
Contact = tuple[str, str, str, str | None, str | None]  # role, language, name, phone, e-mail
DEMO_FAMILIES: list[tuple[str, str, list[Contact]]] = [
    ("ovre-eiker", "family_partner", [("mother", "nb", "Kari Nordmann", "+4791234567", "kari@example.org")]),
    ("ovre-eiker", "usual_services", [("mother", "ar", "Layla Haddad", "+4791234568", None),
                                      ("father", "ar", "Omar Haddad", "+4791234569", "omar@example.org")]),
    ("lillehammer", "family_partner", [("carer", "pl", "Anna Kowalska", None, "anna@example.org")]),
    ("lillehammer", "usual_services", [("mother", "so", "Hodan Ali", "+4791234570", None)]),
    ("lillehammer", "family_partner", [("father", "uk", "Andrii Shevchenko", "+4791234571", None)]),
    ("ovre-eiker", "usual_services", [("mother", "en", "Emma Smith", "+4791234572", "emma@example.org")]),
]


@click.command("demo")
@now_option
@with_appcontext
def demo_command(now: dt.datetime | None) -> None:
    """Seed a demo study (both arms, two sites, invented families, one staff user per role)."""
    settings = registry.settings()
    if settings.production:
        raise click.UsageError("refusing to seed demo data into a production database")
    migrate.upgrade(settings)
    if db.session.scalars(select(StaffUser.id)).first() is not None:
        raise click.UsageError("the database already holds data; the demo seeds only an empty one")
    moment = current_time(now)
    for email, password in seed_staff(moment):
        click.echo(f"staff login  {email}  {password}")
    links = [link_for(f.respondents[0].invitations[0]) for f in seed_families(moment)]
    for link in links[:2]:
        click.echo(f"parent link  {link}")


def seed_staff(now: dt.datetime) -> list[tuple[str, str]]:
    hasher = password_hasher()
    logins = []
    for role in ("admin", "coordinator", "analyst"):
        email, password = f"{role}@demo.example.org", secrets.token_urlsafe(12)
        db.session.add(StaffUser(
            email=email, password_hash=hasher.hash(password), role=role,
            sites=["ovre-eiker", "lillehammer"] if role == "coordinator" else [],
            blinded=role == "analyst", created_at=now,
        ))
        logins.append((email, password))
    db.session.commit()
    return logins


def seed_families(now: dt.datetime) -> list[Family]:
    families = []
    zone = registry.protocol().timezone
    for number, (site, arm, people) in enumerate(DEMO_FAMILIES):
        persons = [
            Person(role, language, ContactDetails(name, phone, email))
            for role, language, name, phone, email in people
        ]
        new = NewFamily(
            site=site, baseline=now.astimezone(zone).date(), respondents=people_to_respondents(persons),
            child_birth_month=dt.date(2015 + number, 1 + number, 1), consent_version="v1.0", arm=arm,
        )
        families.append(enrol(new, persons, actor="demo", now=now))
    return families
