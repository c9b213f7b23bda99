"""Outgoing email: SMTP through Flask-Mail in production, a file outbox or the console otherwise."""

import uuid
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from .extensions import mail
from .models import utcnow


def _preferences_footer(recipients: list[str]) -> str:
    """Every email to an account ends with the link to that account's email preferences."""
    from .models import User
    from .reminders.preferences import preferences_url

    user = User.by_email(recipients[0]) if len(recipients) == 1 else None
    if user is None:
        return ""
    return render_template("email/_preferences.txt", preferences_url=preferences_url(user))


def send_email(template: str, to: str | list[str], subject: str, **context) -> Message:
    """Render ``templates/email/<template>.txt`` and send it; call after the commit."""
    recipients = [to] if isinstance(to, str) else list(to)
    msg = Message(
        subject=f"[MRI Match] {subject}",
        recipients=recipients,
        body=render_template(f"email/{template}.txt", **context) + _preferences_footer(recipients),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        mail.send(msg)
    elif backend == "console":
        current_app.logger.info("Email to %s:\n%s", recipients, msg.as_string())
    else:
        outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_text(msg.as_string(), encoding="utf-8")
    return msg
