"""`flask --app portal calls`: the call list in a terminal or as CSV, for a site's morning print-out."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from portal import registry
from portal.cli import Choice, IntRange, current_time, now_option
from portal.contacts import contact_book
from portal.db import db
from portal.staff.call_facts import add_facts
from portal.staff.call_sheet import as_csv, as_text, record_shown
from portal.staff.calls import HORIZON_DAYS, CallQuery, call_page, with_contacts


@click.command("calls")
@click.option("--site", default=None, help="Only this site (its id in the study file, e.g. larvik). "
                                           "Default: every site.")
@click.option("--days", type=IntRange(0, 366), default=HORIZON_DAYS, show_default=True,
              help="Also list waves that open within this many days.")
@click.option("--format", "fmt", type=Choice(["text", "csv"]), default="text", show_default=True,
              help="text: columns for a terminal or a printer; csv: the call sheet for a spreadsheet.")
@now_option
@with_appcontext
def calls_command(site: str | None, days: int, fmt: str, now: dt.datetime | None) -> None:
    """Print the call list: every parent whose wave is open (or opens within --days) and is not
    answered yet, overdue first, then the window that closes soonest.

    It holds names, phone numbers and e-mail addresses: each run is recorded in the audit trail
    (which respondents were listed, not their details). Keep the output where only staff can read it.
    """
    moment = current_time(now)
    protocol = registry.protocol()
    if site is not None and protocol.site(site) is None:
        known = ", ".join(s.id for s in protocol.sites)
        raise click.UsageError(f"there is no such site in the study file (its sites: {known})")
    sites = (site,) if site else tuple(s.id for s in protocol.sites)
    rows = call_page(db.session, CallQuery(sites=sites, per_page=None, horizon_days=days), moment,
                     protocol.timezone).rows
    add_facts(db.session, rows, protocol.timezone)
    with_contacts(rows, contact_book())
    record_shown(db.session, rows, actor="cli", now=moment, how=f"command ({fmt})")
    db.session.commit()
    if fmt == "csv":
        click.echo(as_csv(rows, protocol.timezone), nl=False)
    elif rows:
        click.echo(as_text(rows, protocol.timezone), nl=False)
    else:
        click.echo("No parent on the call list.")
