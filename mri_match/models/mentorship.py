"""A mentorship after the match: the meetings a pair logs and the check-ins each person answers."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

MEETING_FORMATS = ("in_person", "video", "phone")
CHECKIN_RATINGS = (1, 2, 3, 4, 5)


class Meeting(db.Model):
    """A meeting one person of the pair logged; the other person may confirm it happened."""

    __table_args__ = (Index("ix_meeting_match_held_on", "match_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    format: Mapped[str] = mapped_column(String(16))
    topics: Mapped[str | None] = mapped_column(Text)  # seen by both people
    private_note: Mapped[str | None] = mapped_column(Text)  # seen by the person who logged it
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match = relationship("Match")

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class CheckIn(db.Model):
    """One person's answer to "how is it going?": seen by admins only, never by the other person.

    A check-in is due after the pair's first meeting and then every ``checkin_interval_days``
    of the cycle; a row exists once the person answers.
    """

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_match_user", "match_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(8))  # trainee | mentor
    rating: Mapped[int]  # 1 (not well) to 5 (very well)
    comment: Mapped[str | None] = mapped_column(Text)
    not_a_good_fit: Mapped[bool] = mapped_column(default=False, server_default=false())
    rematch_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("rematch_request.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match = relationship("Match")
