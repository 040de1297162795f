"""portal.exports never reaches portal.contacts, counting the packages Python runs on the way."""

from __future__ import annotations

from tests.support.import_graph import keystore_crossings, modules_under, reach


def test_no_export_module_reaches_the_keystore() -> None:
    modules = modules_under("portal.exports")
    assert "portal.exports.views" in modules and "portal.exports.cli" in modules
    assert keystore_crossings("portal.exports") == []


def test_the_walk_sees_real_edges() -> None:
    assert "portal.contacts" in reach("portal.staff.enrolment")
    assert "portal.staff.access" in reach("portal.exports.views")
