"""The forms of contact attempts, resends, revokes and alerts; the family page and the call list share them.

The app's CSRFProtect checks every POST, so these forms leave the token to it (templates add
`csrf_token()` as every staff form does).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from portal.staff.alerts import NOTE_LIMIT as RESOLUTION_LIMIT
from portal.staff.attempts import CHANNELS, NOTE_LIMIT, OUTCOMES
from portal.staff.resend import CLICK, new_click

RESEND_CHANNELS = {"sms": "SMS", "email": "E-mail", "both": "SMS and e-mail"}
NOT_NOW = "none"


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class StaffForm(FlaskForm):
    class Meta:
        csrf = False  # the app-wide check (Flask-WTF's CSRFProtect, portal.wiring) already covers every POST

        def get_translations(self, form: object) -> None:
            """WTForms' own messages in English, as the staff pages are until they get a catalogue."""
            return None


class AttemptForm(StaffForm):
    """One attempt. On the family page `invitation` is a list of the open waves; on a call-list row
    set `invitation.choices` to that row's invitation (or render it as a hidden input)."""

    invitation = SelectField("Respondent and wave", coerce=int, validate_choice=False)
    channel = SelectField("How", choices=choices(CHANNELS))
    outcome = SelectField("Outcome", choices=choices(OUTCOMES))
    note = StringField("Note (optional)", validators=[Length(max=NOTE_LIMIT)])
    back = HiddenField(default="family")  # "calls" sends the coordinator back to the call list


class ResendForm(StaffForm):
    """"Send the link again now" for one invitation; `click` makes a double submit send once."""

    channel = SelectField("Send by", choices=choices(RESEND_CHANNELS))
    click = HiddenField(default=new_click, validators=[DataRequired(), Regexp(CLICK.pattern)])
    back = HiddenField(default="family")


class RevokeForm(StaffForm):
    send = RadioField("Then send the new link", default=NOT_NOW,
                      choices=choices({NOT_NOW: "Do not send it now", **RESEND_CHANNELS}))
    click = HiddenField(default=new_click, validators=[DataRequired(), Regexp(CLICK.pattern)])


class ResolveForm(StaffForm):
    note = TextAreaField("What was done", validators=[DataRequired(), Length(max=RESOLUTION_LIMIT)])
    back = HiddenField(default="alerts")


def resend_channels(choice: str) -> tuple[str, ...]:
    return ("sms", "email") if choice == "both" else (choice,)
