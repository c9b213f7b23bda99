"""The ledger of reminders sent, so that each goes out once however often ``remind`` runs."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class SentReminder(db.Model):
    """One reminder to one person about one thing (``subject``, e.g. ``match:12``).

    ``period`` tells repeats of a rule apart (the due date a cadence reminder is about); the
    unique constraint is what makes a reminder go out once. A row is written and committed
    when the reminder falls due; a run claims it by setting ``sent_at`` (committed) before the
    email is handed over, and releases the claim if sending fails. See
    ``mri_match/reminders/sending.py``.
    """

    __tablename__ = "sent_reminder"
    __table_args__ = (UniqueConstraint("kind", "user_id", "subject", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
