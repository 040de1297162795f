"""Coordinator commands: enrol one family from options, or many from a CSV file."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO

import click
from flask.cli import with_appcontext

from portal import registry
from portal.cli import current_time, now_option
from portal.families.enrolment import EnrolmentError, NewFamily
from portal.families.links import link_for
from portal.staff.allocation import AllocationError
from portal.staff.batch import BatchRejected, import_batch
from portal.staff.casework import CaseworkError, contact_details
from portal.staff.enrolment import Person, enrol, people_to_respondents


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month like 2019-05") from None


@click.command("enrol")
@click.option("--csv", "csv_file", type=click.File("rb"), default=None,
              help="Enrol every family in this CSV file (all or nothing). Columns: family_ref, site, "
                   "language, respondent_role, name, phone, email, child_birth_month, consent_version, arm.")
@click.option("--json", "as_json", is_flag=True, help="With --csv: print the result as JSON.")
@click.option("--site", default=None, help="Site id from the study file, e.g. larvik.")
@click.option("--role", default="mother", show_default=True, help="mother, father or carer.")
@click.option("--language", default="nb", show_default=True, help="The parent's language code.")
@click.option("--name", default=None, help="The parent's name (sealed in the keystore).")
@click.option("--phone", default=None, help="Mobile number; Norwegian numbers may omit +47.")
@click.option("--email", default=None, help="E-mail address.")
@click.option("--child-birth-month", default=None, help="The target child's birth month, YYYY-MM.")
@click.option("--consent-version", default=None, help="The consent form version signed.")
@click.option("--arm", default=None, help="Record an arm decided elsewhere (leave out to allocate later).")
@now_option
@with_appcontext
def enrol_command(
    csv_file: IO[bytes] | None, as_json: bool, site: str | None, role: str, language: str, name: str | None,
    phone: str | None, email: str | None, child_birth_month: str | None, consent_version: str | None,
    arm: str | None, now: dt.datetime | None,
) -> None:
    """Enrol families, schedule every wave and print the new pseudonyms.

    Either --csv FILE, or one family with one respondent from the options
    (--site, --name, --phone/--email, --child-birth-month, --consent-version).
    """
    moment = current_time(now)
    if csv_file is not None:
        _enrol_csv(csv_file.read(), as_json, moment)
        return
    if not (site and name and child_birth_month and consent_version):
        raise click.UsageError(
            "give --csv FILE, or --site, --name, --child-birth-month and --consent-version for one family"
        )
    try:
        person = Person(role=role, language=language, contact=contact_details(name, phone or "", email or ""))
    except CaseworkError as problem:
        raise click.UsageError(str(problem)) from None
    new = NewFamily(
        site=site, baseline=moment.astimezone(registry.protocol().timezone).date(),
        respondents=people_to_respondents([person]), child_birth_month=_month(child_birth_month),
        consent_version=consent_version, arm=arm,
    )
    try:
        family = enrol(new, [person], actor="cli", now=moment)
    except (EnrolmentError, AllocationError) as problem:
        raise click.UsageError(str(problem)) from None
    respondent = family.respondents[0]
    click.echo(f"family {family.pseudonym}  respondent {respondent.pseudonym}")
    click.echo(f"baseline link: {link_for(respondent.invitations[0])}")


def _enrol_csv(data: bytes, as_json: bool, moment: dt.datetime) -> None:
    try:
        done = import_batch(data, actor="cli", now=moment)
    except BatchRejected as rejected:
        if as_json:
            problems = [{"line": p.line, "column": p.column, "problem": p.message} for p in rejected.problems]
            click.echo(json.dumps({"saved": False, "problems": problems}, ensure_ascii=False, indent=2))
        else:
            for problem in rejected.problems:
                click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(rejected.problems)} problem(s) found; nothing was saved") from None
    if as_json:
        families = [
            {"family_ref": d.family_ref, "family": d.family, "respondents": d.respondents} for d in done
        ]
        click.echo(json.dumps({"saved": True, "families": families}, ensure_ascii=False, indent=2))
        return
    for d in done:
        click.echo(f"{d.family_ref}: family {d.family}  respondents {' '.join(d.respondents)}")
    click.echo(f"{len(done)} families enrolled.")
