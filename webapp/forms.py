"""Forms of the admin area and the public report page.

Every form that changes something is a ``FlaskForm``, so it carries a CSRF token; the length limits
keep a hostile or mistaken paste from reaching the store (and the audit log) at any size.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kapdir.records import CURATABLE

REASON_MAX = 500


def _reason(label: str = "Reason", *, required: bool = False) -> StringField:
    checks = [DataRequired(message="Give a reason; it goes into the audit log.")] if required else [Optional()]
    return StringField(label, validators=[*checks, Length(max=REASON_MAX)])


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=150)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class HideForm(FlaskForm):
    reason = _reason(required=True)


class SetFieldForm(FlaskForm):
    field = SelectField("Field", choices=list(CURATABLE))
    # Empty is allowed on purpose: it blanks a wrong value (a dead phone number) instead of overriding it.
    value = StringField("Value", validators=[Optional(), Length(max=1000)],
                        description="Lists are comma-separated; routes as route:setting, e.g. iv:in_clinic")
    reason = _reason()


class UnsetFieldForm(FlaskForm):
    field = SelectField("Field", choices=list(CURATABLE))


class MergeForm(FlaskForm):
    others = StringField("Record ids to fold into this one", validators=[DataRequired(), Length(max=2000)],
                         description="Separated by spaces or commas")
    reason = _reason()


class SplitForm(FlaskForm):
    reason = _reason()


class SuppressForm(FlaskForm):
    target = StringField("Name or URL", validators=[DataRequired(), Length(max=500)],
                         description="A full name, or an http(s) URL (its whole path below is suppressed)")
    reason = _reason(required=True)


class LiftSuppressionForm(FlaskForm):
    reason = _reason("Why lift it?", required=True)


class CloseReviewForm(FlaskForm):
    resolution = StringField("Resolution", default="dismissed", validators=[DataRequired(), Length(max=200)])


class ReportForm(FlaskForm):
    message = TextAreaField("What is wrong with this listing?", validators=[
        DataRequired(message="Tell us what is wrong."), Length(max=2000)], render_kw={"rows": 6})
    contact = StringField("Your email or phone (optional, only if you want a reply)",
                          validators=[Optional(), Length(max=200)])
