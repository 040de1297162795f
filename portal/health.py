"""/healthz for load balancers: the app is up and both stores answer."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from portal.db import db

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when the main store and the keystore both answer; else 503, and which store did not."""
    stores = {"main": _answers(db.stores.engine), "keystore": _answers(db.stores.keystore_engine)}
    body = {name: "ok" if up else "unavailable" for name, up in stores.items()}
    if all(stores.values()):
        return {"status": "ok", **body}, 200
    return {"status": "unavailable", **body}, 503


def _answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
