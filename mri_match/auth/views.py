"""Accounts: register, log in and out, change and reset passwords."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..email import email_url, send_email_or_log
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import User, awaiting_confirmation, normalise_email, utcnow
from ..models.accounts import spend_password_check
from .forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)

bp = Blueprint("auth", __name__)

AUTH_LIMIT = "10 per minute; 50 per hour"
MAIL_FAILED = (
    "We could not send the email just now. Nothing is lost: please try again in a few minutes."
)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would make phishing links look ours."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user: User) -> None:
    session.clear()  # a fresh session on every login; nothing carries over from before
    login_user(user)
    user.last_login_at = utcnow()
    db.session.commit()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("role") in ("trainee", "mentor"):
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        if _register_address(form.email.data, form.role.data):
            # The same page whatever happened: it must not tell who has an account.
            return redirect(url_for("auth.check_email"))
        flash(MAIL_FAILED, "danger")
    return render_template("auth/register.html", form=form)


def _register_address(email: str, role: str) -> bool:
    """Email the address, and only the address, what to do next.

    - a new address gets an account with no usable password and a confirmation link;
    - an address registered but never confirmed gets the role just chosen and a fresh link
      (the account has no password and no data, so nobody can take anything over);
    - any other account (confirmed, or imported and waiting for its password) gets a notice
      with a log-in and a reset link, and is left exactly as it was.
    Every case is one look-up, one commit, one signed token and one email, with no password
    hashing, so the time taken does not tell the cases apart either. The email goes after the
    commit; False when it could not be sent (asking again sends a fresh link).
    """
    address = normalise_email(email)
    for attempt in range(2):
        row = db.session.execute(
            db.select(User, awaiting_confirmation()).where(User.email == address)
        ).first()
        user, pending = (row[0], bool(row[1])) if row else (None, True)
        if user is not None and not pending:
            db.session.commit()  # nothing to write; keeps the work alike
            reset_url = None
            if user.active:
                reset_url = email_url("auth.reset_password", token=user.password_reset_token())
            return send_email_or_log(
                "already_registered",
                to=user.email,
                subject="You already have an account",
                user=user,
                reset_url=reset_url,
                login_url=email_url("auth.login"),
            )
        if user is None:
            user = User(email=address)
            db.session.add(user)
        user.role = role
        user.set_unusable_password("unconfirmed")  # a new hash: earlier links stop working
        try:
            db.session.commit()
        except IntegrityError:  # the same new address, registered by a request running alongside
            db.session.rollback()
            if attempt:
                raise
            continue
        return send_email_or_log(
            "confirm_email",
            to=user.email,
            subject="Confirm your email address",
            user=user,
            url=email_url("auth.confirm_email", token=user.email_confirm_token()),
        )
    return False  # not reached: the second attempt either commits or raises


@bp.route("/register/check-email")
def check_email():
    return render_template("auth/check_email.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def confirm_email(token: str):
    """The emailed link: whoever holds the mailbox chooses the password, then is logged in."""
    user = User.from_email_confirm_token(token)
    if user is None:
        return render_template("auth/confirm_invalid.html")
    form = ChoosePasswordForm(account_email=user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.confirm_email()
        db.session.commit()
        _start_session(user)
        flash(
            "Welcome to MRI Match. Your email address is confirmed and your account is ready.",
            "success",
        )
        if user.role == "mentor":
            return redirect(url_for("mentor.profile"))
        if user.role == "trainee":
            return redirect(url_for("trainee.dashboard"))
        return redirect(url_for("main.index"))
    return render_template("auth/confirm_email.html", form=form, user=user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        # Every attempt costs one password check, so the time taken does not tell who exists.
        if user is None:
            password_ok = spend_password_check(form.password.data)
        else:
            password_ok = user.check_password(form.password.data)
        if (
            user is None
            or not user.active
            or not user.is_confirmed  # registered but the emailed link was never followed
            or not password_ok
        ):
            # One message for every failure, so the form does not reveal who has an account.
            flash("That email and password do not match an account.", "danger")
        else:
            _start_session(user)
            flash("You are logged in.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out: the account's session token is replaced, so no copy of this browser's cookie
    (nor any other sign-in of the account) stays signed in."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(account_email=current_user.email)
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is not correct.")
        else:
            current_user.set_password(form.password.data)  # ends every session
            db.session.commit()
            login_user(current_user._get_current_object())  # ...but this one
            flash(
                "Your password has been changed. Any other session on your account is logged out.",
                "success",
            )
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form, sessions_form=EmptyForm())


@bp.route("/sessions/others", methods=["POST"])
@login_required
def end_other_sessions():
    """Log out every other browser or device signed in to this account; this one stays."""
    if EmptyForm().validate_on_submit():
        current_user.end_sessions()
        db.session.commit()
        login_user(current_user._get_current_object())
        flash("Every other session on your account is logged out.", "success")
    return redirect(url_for("auth.change_password"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        # Every address gets one email, so neither the page nor the time it takes (sending mail
        # is the slow part) tells whether the address has an account.
        if user is not None and user.active:
            sent = send_email_or_log(
                "reset_password",
                to=user.email,
                subject="Reset your password",
                user=user,
                url=email_url("auth.reset_password", token=user.password_reset_token()),
            )
        else:
            sent = send_email_or_log(
                "reset_unavailable",
                to=normalise_email(form.email.data),
                subject="Password reset",
                register_url=email_url("auth.register"),
            )
        if not sent:
            flash(MAIL_FAILED, "danger")
            return render_template("auth/reset_request.html", form=form)
        flash(
            "If that address has an account, we have emailed it a link to reset the password. "
            "The link works once and expires in an hour.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_password(token: str):
    user = User.from_reset_token(token)
    if user is None:
        flash("That reset link has expired or has already been used. Ask for a new one.", "danger")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.confirm_email()  # the link came to the mailbox: an invitation or unconfirmed account
        db.session.commit()
        flash("Your password has been reset. You can log in now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
