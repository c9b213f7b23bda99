"""Outgoing email: SMTP through Flask-Mail in production, a file outbox or the console otherwise.

Mail is sent after the commit of whatever it reports, and a failure to send never undoes or
breaks that action: ``send_email_or_log`` logs it and returns False, and the caller tells the
person plainly. Addresses are checked by ``checked_address`` wherever typed or imported.

:func:`send_after_commit` renders a message inside the change that causes it and sends it only
when that transaction commits: a rolled-back change sends nothing, and a committed one cannot
forget its emails (a failure to send is logged).
"""

import itertools
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db, mail
from .models import normalise_email, utcnow

_PENDING = "emails_after_commit"
#: Orders a process's outbox files when the clock stands still (a frozen clock in tests).
_SEQUENCE = itertools.count()

INVALID_ADDRESS = "Enter a valid email address, like name@example.org."
# Mail servers that cannot deliver to such a mailbox are still common (SMTPUTF8), so an address
# whose mailbox name is not ASCII is refused where it is typed rather than failing later.
NON_ASCII_MAILBOX = (
    "Use an address with only unaccented letters, digits and . _ + - before the @: "
    "email to other addresses cannot be delivered reliably."
)


def email_url(endpoint: str, **values) -> str:
    """An absolute link for an email: on PUBLIC_URL, whatever Host header the request that sends
    the email carried (a forged one must not turn a reset link into the attacker's)."""
    site = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path.rstrip("/") or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


class BadAddress(ValueError):
    """An address that cannot be used; the message says why, for the person who typed it."""


def checked_address(text: str) -> str:
    """The address, normalised (lower case, Unicode domain in NFC), or BadAddress."""
    text = text.strip()
    mailbox = text.rsplit("@", 1)[0] if "@" in text else ""
    if mailbox and not mailbox.isascii():
        raise BadAddress(NON_ASCII_MAILBOX)
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise BadAddress(INVALID_ADDRESS) from error
    return normalise_email(valid.normalized)


def _preferences_footer(recipients: list[str], account=None) -> str:
    """Every email to an account ends with the link to that account's email preferences
    (``account``, or the account of the one recipient's address)."""
    from .models import User
    from .reminders.preferences import preferences_url

    user = account
    if user is None and len(recipients) == 1:
        user = User.by_email(recipients[0])
    if user is None:
        return ""
    return render_template("email/_preferences.txt", preferences_url=preferences_url(user))


def build_message(
    template: str, to: str | list[str], subject: str, *, attachments=(), account=None, **context
) -> Message:
    """``templates/email/<template>.txt`` rendered; ``attachments`` are (filename, type, data);
    ``account``, when the sender has it at hand, spares looking the recipient's account up."""
    recipients = [to] if isinstance(to, str) else list(to)
    msg = Message(
        subject=f"[MRI Match] {subject}",
        recipients=recipients,
        body=render_template(f"email/{template}.txt", **context)
        + _preferences_footer(recipients, account),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    for filename, content_type, data in attachments:
        msg.attach(filename, content_type, data)
    return msg


def deliver(msg: Message) -> Message:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        mail.send(msg)
    elif backend == "console":
        current_app.logger.info("Email to %s:\n%s", msg.recipients, msg.as_string())
    else:
        outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{next(_SEQUENCE):09d}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_text(msg.as_string(), encoding="utf-8")
    return msg


def send_email(template: str, to: str | list[str], subject: str, **context) -> Message:
    """Render ``templates/email/<template>.txt`` and send it; call after the commit. Raises when
    it cannot be sent (see ``send_email_or_log`` for callers that carry on)."""
    return deliver(build_message(template, to, subject, **context))


def send_email_or_log(template: str, to: str | list[str], subject: str, **context) -> bool:
    """``send_email`` for an action that is already committed: True when the message went out
    (or into the outbox); False, logged, when it could not be, for the caller to say so."""
    try:
        send_email(template, to, subject, **context)
    except Exception:  # any failure of rendering, encoding or delivery: logged, reported
        current_app.logger.exception("Email %r to %s could not be sent", template, to)
        return False
    return True


def send_after_commit(template: str, to: str | list[str], subject: str, **context) -> None:
    """Render the email now and send it when the current transaction commits."""
    msg = build_message(template, to, subject, **context)
    db.session.info.setdefault(_PENDING, []).append(msg)


@event.listens_for(Session, "after_commit")
def _send_pending(session) -> None:
    # The data is committed: a mail server that fails now must not turn the page into an error.
    for msg in session.info.pop(_PENDING, []):
        try:
            deliver(msg)
        except Exception:  # any failure of encoding or delivery: logged, the change stands
            current_app.logger.exception("Could not send email to %s", msg.recipients)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
