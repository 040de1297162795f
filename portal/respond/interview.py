"""Interview mode lives only as long as the coordinator's staff session in the same browser.

A coordinator starts an interview from the workspace; the parent pages then record answers as
entered by them. Each interview page asks the workspace (which registers the check, so the parent
pages import nothing of it) whether that coordinator's staff session still holds here; when it does
not, or no check is registered, the interview ends.
"""

from __future__ import annotations

from flask import current_app

CHECK = "portal.interviewer_present"  # app.extensions key: (staff account id) -> bool


def interviewer_present(entered_by: int | None) -> bool:
    check = current_app.extensions.get(CHECK)
    return entered_by is not None and check is not None and bool(check(entered_by))
