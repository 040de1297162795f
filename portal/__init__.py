"""The family questionnaire portal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, stores, study, instruments, then the pages and commands.

    `test_config` may hold `environ` (instead of os.environ) and `instance_path`
    (else PORTAL_INSTANCE_PATH, else ./instance beside the package), plus plain Flask settings.
    """
    from portal import wiring

    overrides = dict(test_config or {})
    instance = overrides.pop("instance_path", None) or os.environ.get("PORTAL_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(instance) if instance else None)
    settings = wiring.configure_settings(app, overrides.pop("environ", None))
    app.config.update(overrides)
    wiring.configure_database(app, settings)
    wiring.configure_study(app, settings)
    wiring.configure_metrics(app)
    wiring.configure_security(app, settings)
    wiring.configure_i18n(app)
    wiring.configure_blueprints(app)
    wiring.configure_commands(app)
    return app
