"""The email preferences page that every email links to (see :mod:`.preferences`)."""

from flask import flash, redirect, render_template, url_for
from wtforms import RadioField
from wtforms.validators import InputRequired

from ..extensions import db
from ..forms import BaseForm
from . import bp
from .preferences import masked_email, user_from_token

CHOICES = {
    "each": "An email for each reminder, when it is due",
    "digest": "One email a day at most, gathering that day's reminders",
}


class PreferencesForm(BaseForm):
    frequency = RadioField(
        "How would you like to get reminders?",
        choices=CHOICES,
        validators=[InputRequired("Choose how you would like to get reminders.")],
    )


@bp.route("/email-preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    user = user_from_token(token)
    if user is None:
        return render_template("reminders/preferences.html", form=None), 400
    form = PreferencesForm(data={"frequency": "digest" if user.email_digest else "each"})
    if form.validate_on_submit():
        user.email_digest = form.frequency.data == "digest"
        db.session.commit()
        flash("Your email preferences are saved.", "success")
        return redirect(url_for(".preferences", token=token))
    return render_template(
        "reminders/preferences.html", form=form, address=masked_email(user.email)
    ), 400 if form.errors else 200
