"""Schedule changes after a protocol edit: everyone may look, the data manager applies."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.db import db
from portal.staff import access, replanning, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.schedule_words import describe, replanned


@staff.get("/schedule/changes")
@roles("admin", "coordinator")
def replan() -> str:
    user = access.current_user()
    families = {f.pseudonym for f in db.session.scalars(scope.families_in_scope(user))}
    found = [item for item in replanning.preview(db.session, registry.now()) if item.family in families]
    moving = [i for i in replanning.reminders_to_move(db.session, registry.now())
              if i.respondent.family.pseudonym in families]
    return render_template("staff/replan.html", found=found, moving=len(moving),
                           may_apply=user.role == "admin", describe=describe)


@staff.post("/schedule/changes")
@roles("admin")
def apply_replan() -> WerkzeugResponse:
    done = replanning.apply_all(db.session, actor=access.current_user().actor, now=registry.now())
    db.session.commit()
    flash(replanned(len(done)))
    return redirect(url_for("staff.replan"))
