"""Forms for registering, logging in and choosing, changing or resetting a password."""

from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..forms import BaseForm, EmailAddress, strip_filter

MIN_PASSWORD = 12


def password_problem(password: str | None, email: str | None) -> str | None:
    """Beyond the length: a password must not be, or be built from, the account's address."""
    folded = (password or "").casefold()
    address = (email or "").strip().casefold()
    if address and (folded == address or folded == address.split("@")[0]):
        return "Choose a password that is not your email address."
    if folded and len(set(folded)) == 1:
        return "Choose a password that is not one character repeated."
    return None


class NotGuessable:
    """Password check against the form's email field or the ``account_email`` it was given."""

    def __call__(self, form, field):
        email = getattr(form, "account_email", None)
        if email is None and "email" in form:
            email = form["email"].data
        problem = password_problem(field.data, email)
        if problem:
            raise ValidationError(problem)


password_rules = [
    InputRequired(message="Enter a password."),
    Length(min=MIN_PASSWORD, max=128, message="Use between 12 and 128 characters."),
    NotGuessable(),
]


def _email_field(label="Email address"):
    return EmailField(
        label,
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter your email address."),
            Length(max=254, message="An email address has at most 254 characters."),
            EmailAddress(),
        ],
    )


class RegisterForm(BaseForm):
    """Role and address only: the password is chosen after following the emailed link."""

    role = RadioField(
        "I am registering as",
        choices={"trainee": "A trainee looking for a mentor", "mentor": "A mentor volunteering"},
        validators=[InputRequired(message="Choose whether you are a trainee or a mentor.")],
    )
    email = _email_field()
    submit = SubmitField("Email me a confirmation link")


class ChoosePasswordForm(BaseForm):
    """The last step of registering, reached from the confirmation email.

    Give ``account_email`` so the password can be checked against the address.
    """

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    password = PasswordField("Password", validators=password_rules)
    confirm = PasswordField(
        "Repeat password",
        validators=[
            InputRequired(message="Repeat your password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Create account")


class LoginForm(BaseForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(message="Enter your password."), Length(max=128)],
    )
    submit = SubmitField("Log in")


class ChangePasswordForm(BaseForm):
    """Give ``account_email`` so the new password can be checked against the address."""

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email

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


class ResetRequestForm(BaseForm):
    email = _email_field()
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(BaseForm):
    """Give ``account_email`` so the new password can be checked against the address."""

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    password = PasswordField("New password", validators=password_rules)
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            InputRequired(message="Repeat your new password."),
            EqualTo("password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Set new password")
