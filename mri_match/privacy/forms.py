"""The form for deleting one's own account (password and an explicit confirmation)."""

from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired

from ..forms import BaseForm


class DeleteAccountForm(BaseForm):
    password = PasswordField(
        "Your password", validators=[DataRequired(message="Enter your password to confirm.")]
    )
    confirm = BooleanField(
        "I understand that my account and my personal details will be deleted and that this "
        "cannot be undone.",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")
