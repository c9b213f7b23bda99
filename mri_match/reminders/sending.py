"""One run of the reminders: record what is due in the ledger, then mail what is pending.

Recording: every rule's due reminders are inserted into ``sent_reminder`` with "insert unless
the key exists" (SQLite and PostgreSQL both have it), so a reminder exists once however often
or however concurrently the command runs, and the rows are committed before any mail goes out.

Mailing: a person's pending rows are claimed by setting ``sent_at`` where it is still empty,
in a transaction of their own that must claim every one of them (else another run has them);
the claim is committed and then the email is handed to the mail server. If sending raises,
the claim is released for the next run. A run killed between the claim and the send loses that
one email rather than ever sending it twice; a run killed before claiming leaves the rows
pending, and the next run sends them.

People who chose the digest get at most one email a day: a ``digest`` row for the person and
the date (the same ledger, the same unique key) is claimed with their reminders.

A run reads the pending rows and their people once, as plain data (the commit after each
claim would reload ORM objects one by one), and the rules read what their emails say from
data cached for the run (:func:`.registry.run_cached`): the statements a run issues do not grow
with the number of pairs, apart from one claim per email.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..email import send_email
from ..extensions import db
from ..models import SentReminder, User, utcnow
from .registry import PENDING_COLUMNS, Due, Notice, Pending, rule_for, rules, run_cache

log = logging.getLogger(__name__)

DIGEST = "digest"
INSERT_CHUNK = 500


@dataclass(frozen=True)
class Person:
    """Whom a run mails, read once (plain data: the run's commits reload no object)."""

    id: int
    email: str
    email_digest: bool
    reachable: bool  # active and not deleted


@dataclass
class RunReport:
    recorded: Counter = field(default_factory=Counter)  # new ledger rows per kind
    emails: int = 0
    skipped: int = 0  # reminders that no longer applied when their turn came
    failed: int = 0
    waiting: int = 0  # digest reminders held for tomorrow's digest

    def lines(self) -> list[str]:
        out = [f"{kind}: {count} new" for kind, count in sorted(self.recorded.items())]
        out.append(f"emails sent: {self.emails}")
        if self.skipped:
            out.append(f"no longer applied: {self.skipped}")
        if self.waiting:
            out.append(f"held for a digest: {self.waiting}")
        if self.failed:
            out.append(f"failed, retried next run: {self.failed}")
        return out


def run_reminders(now: datetime | None = None) -> RunReport:
    """Record every reminder due at ``now`` and mail all pending ones. Needs a request context
    for the links (the command makes one from PUBLIC_URL)."""
    now = now or utcnow()
    report = RunReport()
    with run_cache():
        for rule in rules():
            report.recorded[rule.kind] += record(rule.find(now), now)
        db.session.commit()
        send_pending(now, report)
    return report


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(SentReminder)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["kind", "user_id", "subject", "period"])
        .returning(SentReminder.id)
    )
    # the rows inserted come back; the skipped ones do not (rowcount is not reliable here)
    return len(db.session.execute(stmt).all())


def record(dues, now: datetime) -> int:
    """Insert the due reminders that are not in the ledger yet; how many were new."""
    new = 0
    unique = list(dict.fromkeys(dues))
    for start in range(0, len(unique), INSERT_CHUNK):
        chunk = unique[start : start + INSERT_CHUNK]
        new += _insert_ignoring_duplicates(
            [
                {
                    "kind": d.kind,
                    "user_id": d.user_id,
                    "subject": d.subject,
                    "period": d.period,
                    "created_at": now,
                }
                for d in chunk
            ]
        )
    return new


def _claim(ids: list[int], now: datetime) -> bool:
    claimed = db.session.execute(
        db.update(SentReminder)
        .where(SentReminder.id.in_(ids), SentReminder.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == len(ids)


def _release(ids: list[int]) -> None:
    db.session.execute(
        db.update(SentReminder)
        .where(SentReminder.id.in_(ids))
        .values(sent_at=None)
        .execution_options(synchronize_session=False)
    )


def send_pending(now: datetime, report: RunReport) -> None:
    waiting = db.and_(SentReminder.sent_at.is_(None), SentReminder.kind != DIGEST)
    by_user: dict[int, list[Pending]] = defaultdict(list)
    for row in db.session.execute(
        db.select(*(getattr(SentReminder, name) for name in PENDING_COLUMNS))
        .where(waiting)
        .order_by(SentReminder.user_id, SentReminder.id)
    ):
        by_user[row.user_id].append(Pending(*row))
    people = {
        row.id: Person(row.id, row.email, row.email_digest, row.active and row.deleted_at is None)
        for row in db.session.execute(
            db.select(User.id, User.email, User.email_digest, User.active, User.deleted_at).where(
                User.id.in_(db.select(SentReminder.user_id).where(waiting))
            )
        )
    }
    for user_id, rows in by_user.items():
        user = people.get(user_id)
        if user is None or not user.reachable:
            _skip([r.id for r in rows], now, report)
            continue
        if user.email_digest:
            _send_digest(user, rows, now, report)
        else:
            for row in rows:
                _send_each(user, row, now, report)


def _skip(ids: list[int], now: datetime, report: RunReport) -> None:
    if _claim(ids, now):
        report.skipped += len(ids)
    db.session.commit()


def _notice(row: Pending) -> Notice | None:
    rule = rule_for(row.kind)
    return rule.describe(row) if rule else None


def _send_each(user: Person, row: Pending, now: datetime, report: RunReport) -> None:
    if not _claim([row.id], now):
        db.session.rollback()
        return
    db.session.commit()
    notice = _notice(row)
    if notice is None:
        report.skipped += 1
        return
    try:
        send_email(
            "reminder",
            to=notice.to or user.email,
            subject=notice.subject,
            notice=notice,
            account=user,
        )
    except Exception:
        log.exception("reminder %s to user %s not sent; retried next run", row.id, user.id)
        _release([row.id])
        db.session.commit()
        report.failed += 1
        return
    report.emails += 1


def _send_digest(user: Person, rows: list[Pending], now: datetime, report: RunReport) -> None:
    day = now.date().isoformat()
    digest_row = {"kind": DIGEST, "user_id": user.id, "subject": f"user:{user.id}", "period": day}
    ids = [r.id for r in rows]
    if not _insert_ignoring_duplicates([{**digest_row, "created_at": now, "sent_at": now}]):
        db.session.rollback()  # today's digest went out: these wait for tomorrow's
        report.waiting += len(rows)
        return
    if not _claim(ids, now):
        db.session.rollback()
        return
    db.session.commit()
    notices = [n for n in (_notice(r) for r in rows) if n is not None]
    report.skipped += len(rows) - len(notices)
    if not notices:
        return
    try:
        send_email(
            "reminder_digest",
            to=user.email,
            subject=f"Your MRI Match reminders for {now:%d %B %Y}",
            notices=notices,
            account=user,
        )
    except Exception:
        log.exception("digest to user %s not sent; retried next run", user.id)
        _release(ids)
        db.session.execute(db.delete(SentReminder).filter_by(**digest_row))
        db.session.commit()
        report.failed += len(notices)
        return
    report.emails += 1


def in_url_context(func, *args, **kwargs):
    """Call ``func`` where ``url_for(..., _external=True)`` works outside a request: in a
    request context built from PUBLIC_URL (unless SERVER_NAME is set)."""
    config = current_app.config
    if config.get("SERVER_NAME"):
        with current_app.app_context():
            return func(*args, **kwargs)
    with current_app.test_request_context(base_url=config["PUBLIC_URL"]):
        return func(*args, **kwargs)


__all__ = ["Due", "RunReport", "in_url_context", "record", "run_reminders", "send_pending"]
