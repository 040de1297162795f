"""Run Alembic for both stores from code (the CLI and the tests use this)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import OperationalError

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


def upgrade(settings: Settings, revision: str = "head") -> None:
    for store, url in (("main", settings.database_url), ("keystore", settings.keystore_url)):
        upgrade_store(url, store, revision)


def upgrade_store(url: str, store: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url, store)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as error:
        raise ConfigError(f"cannot reach the {store} database: {_reason(error)}") from None
    finally:
        engine.dispose()


def _reason(error: OperationalError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"
