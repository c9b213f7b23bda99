"""A mentorship after the match: the meetings a pair logs and the check-ins each person answers,
and their summary on the match row (:func:`refresh_pair_summaries`)."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, cast, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .matching import Match
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


def utc_date(column):
    """The UTC calendar date of a timestamp column, computed by the database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column, type_=Date)  # stored as naive UTC text
    return cast(func.timezone("UTC", column), Date)


def pair_summary_values() -> dict:
    """The summary columns of :class:`.matching.Match` as correlated subqueries over its
    meetings and check-ins: the meetings' first and last ``held_on`` and their number, each
    side's latest ``answered_at`` as a UTC date, and the rating of the newest check-in (the
    latest ``answered_at``, the highest id among equals)."""

    def of_pair(model, column, *where):
        return db.select(column).where(model.match_id == Match.id, *where).scalar_subquery()

    answered_on = utc_date(CheckIn.answered_at)
    return {
        "first_meeting_on": of_pair(Meeting, func.min(Meeting.held_on)),
        "last_meeting_on": of_pair(Meeting, func.max(Meeting.held_on)),
        "meeting_count": of_pair(Meeting, func.count()),
        **{
            f"{side}_checkin_on": of_pair(CheckIn, func.max(answered_on), CheckIn.side == side)
            for side in ("trainee", "mentor")
        },
        "latest_rating": db.select(CheckIn.rating)
        .where(CheckIn.match_id == Match.id)
        .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc())
        .limit(1)
        .scalar_subquery(),
    }


def refresh_pair_summaries(*where) -> None:
    """Recompute the meeting and check-in summary of the matches ``where`` (conditions on
    :class:`.matching.Match`) from their rows, in the caller's transaction: call it after
    flushing any change to a pair's meetings or check-ins.

    The matches' rows are locked first (FOR NO KEY UPDATE on PostgreSQL, which the foreign
    key checks of the new rows' inserts do not wait for), and the summary is read in a later
    statement: a transaction that logs a meeting at the same time waits for this one to
    commit, then counts both meetings. SQLite lets one writer in at a time."""
    db.session.execute(
        db.select(Match.id).where(*where).order_by(Match.id).with_for_update(key_share=True)
    ).all()
    db.session.execute(
        db.update(Match).where(*where).values(pair_summary_values()),
        execution_options={"synchronize_session": "fetch"},
    )
