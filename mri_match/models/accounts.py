"""People who sign in: trainees, mentors and admins."""

import secrets
from datetime import datetime
from functools import cache

from flask import current_app
from flask_login import UserMixin
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, String, and_, bindparam, exists, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLES = ("trainee", "mentor", "admin")


def new_session_token() -> str:
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Privacy: an explicit grant to see self-identification, and account deletion.
    can_view_self_identification: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registration: None until the person proves the mailbox by following the confirmation
    # link, a reset link or an invitation. Unconfirmed accounts cannot log in.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's user id (see get_id): replacing it ends every session of the
    # account at its next request. Logging out, "log out other sessions", and setting a new
    # password replace it.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # Reminders one at a time (False) or gathered into one daily digest (True).
    email_digest: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for deactivated accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the current session token."""
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every session signed in to this account ends at its next request."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """A new password; every session signed in with the old one ends."""
        self.password_hash = hash_password(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        if "$" not in self.password_hash:  # unusable: take as long as a real check would
            return spend_password_check(password)
        return check_password_hash(self.password_hash, password)

    def set_unusable_password(self, why: str = "unset") -> None:
        """No password matches (no ``$`` in the hash); unique, so reset tokens stay distinct."""
        self.password_hash = f"!{why}:{secrets.token_hex(16)}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def confirm_email(self) -> None:
        """The mailbox is proven (a confirmation, reset or invitation link was followed)."""
        if self.email_confirmed_at is None:
            self.email_confirmed_at = utcnow()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @classmethod
    def for_session(cls, user_id: int) -> "User | None":
        """The account a session names, unless it was deleted (a deleted account's sessions
        end). Every signed-in request asks, so the statement is built once rather than on each
        call, as ``session.get`` would."""
        return db.session.scalar(_session_user_statement(), {"user_id": user_id})

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(db.select(cls).filter_by(email=normalise_email(email)))

    # Password reset: the token signs the current password hash, so it stops working as soon
    # as the password changes (single use) and after PASSWORD_RESET_MAX_AGE (expiry).
    @staticmethod
    def _reset_serializer() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")

    # An invitation (an imported account's "set your password" link) is the same token with a
    # longer life, INVITATION_MAX_AGE.
    def password_reset_token(self, *, invitation: bool = False) -> str:
        data = {"id": self.id, "pw": self.password_hash[-16:]}
        if invitation:
            data["invite"] = True
        return self._reset_serializer().dumps(data)

    @classmethod
    def from_reset_token(cls, token: str) -> "User | None":
        config = current_app.config
        reset_age = config["PASSWORD_RESET_MAX_AGE"]
        longest = max(reset_age, config.get("INVITATION_MAX_AGE", reset_age))
        try:
            data = cls._reset_serializer().loads(token, max_age=longest)
            if isinstance(data, dict) and not data.get("invite"):
                data = cls._reset_serializer().loads(token, max_age=reset_age)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict):
            return None
        user = db.session.get(cls, data.get("id"))
        if user is None or not user.active or user.password_hash[-16:] != data.get("pw"):
            return None
        return user

    # Email confirmation (registration): the same pattern with its own salt, so a reset link is
    # never a confirmation link or the other way round. The account has an unusable password
    # until the link is followed; choosing the password there changes the hash, so the link
    # works once, and registering the address again replaces the hash, so only the newest link
    # works. Valid EMAIL_CONFIRM_HOURS.
    @staticmethod
    def _confirm_serializer() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-confirm")

    def email_confirm_token(self) -> str:
        return self._confirm_serializer().dumps({"id": self.id, "pw": self.password_hash[-16:]})

    @classmethod
    def from_email_confirm_token(cls, token: str) -> "User | None":
        max_age = int(float(current_app.config["EMAIL_CONFIRM_HOURS"]) * 3600)
        try:
            data = cls._confirm_serializer().loads(token, max_age=max_age)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict):
            return None
        user = db.session.get(cls, data.get("id"))
        if (
            user is None
            or not user.active
            or user.is_confirmed
            or user.password_hash[-16:] != data.get("pw")
        ):
            return None
        return user


def session_user_condition(user_id) -> ColumnElement[bool]:
    """The account a session's user id names, unless it was deleted (its sessions end)."""
    return and_(User.id == user_id, User.deleted_at.is_(None))


@cache
def _session_user_statement():
    return db.select(User).where(session_user_condition(bindparam("user_id")))


def hash_password(password: str) -> str:
    """A new hash of ``password`` by the app's PASSWORD_HASH_METHOD (see config.py)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def spend_password_check(password: str) -> bool:
    """Check ``password`` against a random hash (always False), so that a log-in attempt for an
    address with no usable password takes as long as one for a real account."""
    check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
    return False


def awaiting_confirmation() -> ColumnElement[bool]:
    """SQL condition: a registration whose emailed link was never followed.

    Unconfirmed, active, and holding nothing: no application, mentor profile,
    self-identification or alumni record. An imported person's account is unconfirmed too
    until they set their password, but it holds an application or a profile, so it is not one
    of these.
    """
    from .alumni import AlumniRecord
    from .identity import SelfIdentification
    from .profiles import Application, MentorProfile

    return and_(
        User.email_confirmed_at.is_(None),
        User.active.is_(True),
        ~exists().where(Application.trainee_id == User.id),
        ~exists().where(MentorProfile.user_id == User.id),
        ~exists().where(SelfIdentification.user_id == User.id),
        ~exists().where(AlumniRecord.user_id == User.id),
    )
