"""Accounts: register, log in and out, change and reset passwords."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..email import send_email
from ..extensions import db, limiter
from ..models import User, normalise_email, utcnow
from .forms import (
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)

bp = Blueprint("auth", __name__)

AUTH_LIMIT = "10 per minute; 50 per hour"


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
        if User.by_email(form.email.data) is not None:
            form.email.errors.append(
                "An account with this email address already exists. Log in, or reset your password."
            )
        else:
            user = User(email=normalise_email(form.email.data), role=form.role.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            _start_session(user)
            flash("Welcome to MRI Match. Your account is ready.", "success")
            if user.role == "mentor":
                return redirect(url_for("mentor.profile"))
            return redirect(url_for("trainee.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is None or not user.active or not user.check_password(form.password.data):
            # One message for every failure, so the form does not reveal who has an account.
            flash("That email and password do not match an account.", "danger")
        else:
            _start_session(user)
            flash("You are logged in.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
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
            current_user.set_password(form.password.data)
            db.session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and user.active:
            send_email(
                "reset_password",
                to=user.email,
                subject="Reset your password",
                user=user,
                url=url_for(
                    "auth.reset_password", token=user.password_reset_token(), _external=True
                ),
            )
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
        db.session.commit()
        flash("Your password has been reset. You can log in now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
