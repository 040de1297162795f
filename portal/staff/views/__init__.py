"""The coordinator's workspace. Importing this package registers every staff view."""

from importlib import import_module

from portal.staff.blueprint import staff

# each module adds its routes to the blueprint when imported
FEATURES = (
    "login", "calls", "call_actions", "dashboard", "families", "followup", "enrol", "alerts", "withdrawal",
    "retention", "schedule", "accounts", "outreach", "instruments", "parents", "windows", "enrol_csv",
    "language",
)
for _feature in FEATURES:
    import_module(f"{__name__}.{_feature}")

__all__ = ["staff"]
