"""The email preferences link in every email: signed, and usable without logging in.

The link carries the person's account id signed with SECRET_KEY (its own salt, so no other
token is ever a preferences token). It needs no login because people read email where they are
not signed in, and all it can do is choose between one email per reminder and a daily digest:
it shows no personal data beyond a masked address and changes nothing else.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..email import email_url
from ..extensions import db
from ..models import User

SALT = "email-preferences"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def preferences_token(user: User) -> str:
    return _serializer().dumps({"id": user.id})


def preferences_url(user: User) -> str:
    return email_url("reminders.preferences", token=preferences_token(user))


def user_from_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted or not user.active:
        return None
    return user


def masked_email(email: str) -> str:
    """``a•••@example.org``: enough to recognise one's address, not to read someone else's."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
