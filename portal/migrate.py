"""Run Alembic for both stores from code (the CLI and the tests use this)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from werkzeug.utils import import_string

from portal.config import DATA_ROOT, ConfigError, Settings
from portal.db import make_engine

STORES = {"main": "versions", "keystore": "keystore_versions"}


def alembic_config(url: str, store: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(DATA_ROOT / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(DATA_ROOT / "migrations" / STORES[store]))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.cmd_opts = None
    config.attributes["store"] = store
    return config


KEYED = "0010"  # the revision from which audit hashes are keyed and TOTP secrets sealed


def upgrade(settings: Settings, revision: str = "head") -> None:
    for store, url in (("main", settings.database_url), ("keystore", settings.keystore_url)):
        upgrade_store(url, store, revision, settings)


def upgrade_store(url: str, store: str, revision: str = "head", settings: Settings | None = None) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url, store)
            config.attributes["connection"] = connection
            before = MigrationContext.configure(connection, opts={"version_table": "alembic_version"}
                                                ).get_current_revision() if store == "main" else None
            command.upgrade(config, revision)
            if settings is not None and before is not None and _passed(config, before, revision, KEYED):
                _key_what_was_plain(connection, settings)
    except OperationalError as error:
        raise ConfigError(f"cannot reach the {store} database: {_reason(error)}") from None
    finally:
        engine.dispose()


def _reason(error: OperationalError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"


def _passed(config: Config, before: str, after: str, revision: str) -> bool:
    """Whether this upgrade from `before` to `after` applied `revision`."""
    script = ScriptDirectory.from_config(config)
    done_before = {r.revision for r in script.walk_revisions("base", before)}
    done_after = {r.revision for r in script.walk_revisions("base", after)}
    return revision in done_after and revision not in done_before


# Migrations hold no keys: what 0010 makes keyed or sealed is done here, with the settings' keys.
# By name, as wiring plugs in features, so importing this module never drags in the keystore.
KEYED_STEPS = ("portal.audit_legacy:rekey", "portal.staff.sealing:seal_plain_secrets")


def _key_what_was_plain(connection: Connection, settings: Settings) -> None:
    """Re-key the audit trail and seal the TOTP secrets written before revision 0010."""
    for name in KEYED_STEPS:
        import_string(name)(connection, settings)
