from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from ..forms import strip_filter

MIN_PASSWORD = 12
password_rules = [
    InputRequired(message="Enter a password."),
    Length(min=MIN_PASSWORD, max=128, message="Use between 12 and 128 characters."),
]


def _email_field(label="Email address"):
    return EmailField(
        label,
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter your email address."),
            Length(max=254, message="An email address has at most 254 characters."),
            Email(
                message="Enter a valid email address, like name@example.org.",
                check_deliverability=False,
            ),
        ],
    )


class RegisterForm(FlaskForm):
    role = RadioField(
        "I am registering as",
        choices={"trainee": "A trainee looking for a mentor", "mentor": "A mentor volunteering"},
        validators=[InputRequired(message="Choose whether you are a trainee or a mentor.")],
    )
    email = _email_field()
    password = PasswordField("Password", validators=password_rules)
    confirm = PasswordField(
        "Repeat password",
        validators=[
            InputRequired(message="Repeat your password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(message="Enter your password."), Length(max=128)],
    )
    submit = SubmitField("Log in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Enter your current password."), Length(max=128)],
    )
    password = PasswordField("New password", validators=password_rules)
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            InputRequired(message="Repeat your new password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Change password")


class ResetRequestForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=password_rules)
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            InputRequired(message="Repeat your new password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Set new password")
