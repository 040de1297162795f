"""One function per concern, called in order by create_app()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.utils import import_string

from portal.config import ConfigError, Settings, load_settings
from portal.db import db
from portal.protocol.loader import ProtocolError, check_instruments, load_protocol
from portal.security import configure_csrf, configure_headers, configure_input_checks, configure_proxies

csrf = CSRFProtect()

# Features are plugged in by dotted name and loaded only when an app is built,
# so importing any part of the portal package never drags in the keystore:
# the import graph shows that only staff/ and messaging/ reach portal.contacts.
BLUEPRINTS = (
    "portal.errors:errors",
    "portal.health:health",
    "portal.respond.views:respond",
    "portal.staff.views:staff",
    "portal.exports.views:analysis",
    "portal.exports.api:api",
    "portal.messaging.receipts:messaging",
)
COMMANDS = (
    "portal.cli:db_cli",
    "portal.measures.cli:instruments_cli",
    "portal.staff.cli:enrol_command",
    "portal.staff.call_cli:calls_command",
    "portal.staff.cli_outreach:attempt_command",
    "portal.staff.cli_outreach:resend_command",
    "portal.staff.cli_admin:users_cli",
    "portal.staff.cli_admin:allocation_cli",
    "portal.staff.cli_admin:schedule_cli",
    "portal.demo:demo_command",
    "portal.contacts.cli:keys_cli",
    "portal.cli:audit_cli",
    "portal.backup_cli:backup_command",
    "portal.backup_cli:restore_command",
    "portal.exports.cli:export_command",
    "portal.exports.cli:blinding_cli",
    "portal.exports.cli_tokens:tokens_cli",
    "portal.messaging.cli:dispatch_command",
    "portal.messaging.cli:worker_command",
)


def configure_settings(app: Flask, environ: Mapping[str, str] | None) -> Settings:
    settings = load_settings(environ, Path(app.instance_path))
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_transport,
        # __Host-: the browser keeps it only from https, for this host and path /, so neither a
        # sibling subdomain nor a plain-http page can set or overwrite it
        SESSION_COOKIE_NAME="__Host-session" if settings.secure_transport else "session",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=2),
        MAX_CONTENT_LENGTH=256 * 1024,
        TESTING=settings.env == "test",
    )
    return settings


def configure_database(app: Flask, settings: Settings) -> None:
    db.init_app(app, settings.database_url, settings.keystore_url)


def configure_study(app: Flask, settings: Settings) -> None:
    from portal.measures import InstrumentError, default_instrument_dirs, load_catalogue

    dirs = default_instrument_dirs(settings.instruments_path)
    try:
        catalogue = load_catalogue(dirs)
        protocol = load_protocol(settings.study_file)
        check_instruments(protocol, catalogue, settings.study_file)
    except (ProtocolError, InstrumentError) as error:
        raise ConfigError(str(error)) from None
    app.config["INSTRUMENT_DIRS"] = dirs
    app.extensions["portal.instruments"] = catalogue
    app.extensions["portal.protocol"] = protocol


def configure_metrics(app: Flask) -> None:
    from portal.metrics import configure_metrics as configure

    configure(app)  # before the other request hooks: its timer runs first


def configure_security(app: Flask, settings: Settings) -> None:
    configure_input_checks(app)
    configure_csrf(app, csrf)
    configure_headers(app, hsts=settings.secure_transport)
    configure_proxies(app, settings.trusted_proxies)


def configure_i18n(app: Flask) -> None:
    from portal.catalogues import check_catalogues
    from portal.i18n import configure_i18n as configure

    check_catalogues(app.config["SETTINGS"])
    configure(app)


def configure_blueprints(app: Flask) -> None:
    for name in BLUEPRINTS:
        app.register_blueprint(import_string(name))


def configure_commands(app: Flask) -> None:
    for name in COMMANDS:
        app.cli.add_command(import_string(name))
