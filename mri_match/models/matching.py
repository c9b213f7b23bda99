"""Proposal sets, admin decisions and confirmed matches."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .audit import transition
from .types import UTCDateTime, utcnow

RUN_TRANSITIONS = {"running": {"done", "failed"}, "done": set(), "failed": set()}
# A proposal is decided once; "swapped" marks the original when an admin picks another mentor.
# A confirmed proposal opens again when its match falls through before the pair ever met
# (the mentor declined, or the offer expired or was ended), so the trainee is back in review.
PROPOSAL_TRANSITIONS = {
    "open": {"confirmed", "rejected", "swapped"},
    "confirmed": {"open"},
    "swapped": {"open"},
}
# A confirmed match is *offered* to the mentor, who accepts (*active*) or declines; an offer
# nobody answers *expires*. Ending (an admin, a withdrawal, a deleted account) closes either.
MATCH_STATES = ("offered", "active", "declined", "expired", "ended")
LIVE_MATCH_STATES = ("offered", "active")  # these hold a mentor's place


def as_points(score: float | None) -> int | None:
    """A pair's score (0 to 1 in the engine) as the app shows it everywhere: points of 100."""
    return None if score is None else round(score * 100)


MATCH_TRANSITIONS = {
    "offered": {"active", "declined", "expired", "ended"},
    "active": {"ended"},
    "declined": set(),
    "expired": set(),
    "ended": set(),
}
REMATCH_TRANSITIONS = {"open": {"resolved", "declined"}}
OUTCOME_KINDS = ("widen", "recruit", "closed")


class MatchRun(db.Model):
    """One run of the matching engine for a cycle and a mentor role: a proposal set."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    model_version: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="running")
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle = relationship("Cycle", lazy="joined")
    created_by = relationship("User", lazy="joined")
    proposals: Mapped[list["Proposal"]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )

    def finish(self, status: str, *, actor=None, error: str | None = None) -> None:
        transition(self, status, RUN_TRANSITIONS, actor=actor, reason=error)
        self.error = error
        self.finished_at = utcnow()


class Proposal(db.Model):
    """The engine's proposal for one trainee in a run, and the admin's decision on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint and the two indexes below, which all start with it
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float | None] = mapped_column(Float)  # 0..1; shown as 0..100
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    alternatives: Mapped[list] = mapped_column(JSON, default=list)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[MatchRun] = relationship(back_populates="proposals")
    application = relationship("Application")
    mentor = relationship("MentorProfile")

    __table_args__ = (
        UniqueConstraint("run_id", "application_id"),
        Index("ix_proposal_run_status", "run_id", "status"),  # the counts per status
    )

    @property
    def percent(self) -> int | None:
        return as_points(self.score)

    def decide(self, status: str, *, actor, reason: str | None = None) -> None:
        transition(self, status, PROPOSAL_TRANSITIONS, actor=actor, reason=reason)
        self.reason = reason
        self.decided_by_id = actor.id
        self.decided_at = utcnow()

    def reopen(self, *, actor, reason: str, mentor_id: int | None, alternatives: list) -> None:
        """Back to review with ``mentor_id`` proposed (one of ``alternatives``, with its score
        and any explanation it carries), the others kept as the alternatives."""
        transition(self, "open", PROPOSAL_TRANSITIONS, actor=actor, reason=reason)
        chosen = next((a for a in alternatives if a.get("mentor_id") == mentor_id), None)
        self.mentor_id = mentor_id
        self.score = chosen.get("score") if chosen else None
        self.explanation = (chosen.get("explanation") or {}) if chosen else {}
        self.alternatives = [
            {k: v for k, v in a.items() if k != "explanation"}
            for a in alternatives
            if a is not chosen
        ]
        self.diagnosis = None if chosen else reason
        self.locked = False
        self.reason = reason
        self.decided_by_id = None
        self.decided_at = None


#: The review list's default order: unmatched first, then best score. With this index a page of
#: a 10,000-proposal run is read in order instead of sorting the whole run.
PROPOSAL_REVIEW_ORDER = (Proposal.mentor_id.is_not(None), Proposal.score.desc(), Proposal.id)
Index("ix_proposal_run_review_order", Proposal.run_id, *PROPOSAL_REVIEW_ORDER)


class Match(db.Model):
    """A confirmed pairing: offered to the mentor, then active once they accept.

    The partial unique index lets a trainee hold one live (offered or active) match per role,
    whatever races between admins; capacity is re-checked under a lock when confirming.
    """

    __table_args__ = (
        Index(
            "uq_match_live_application_role",
            "application_id",
            "role",
            unique=True,
            sqlite_where=db.text("status IN ('offered', 'active')"),
            postgresql_where=db.text("status IN ('offered', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="offered")
    score: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    model_version: Mapped[str | None] = mapped_column(String(120))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The mentor answers by then, or the offer expires (None: no answer needed).
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A first meeting the mentor proposes on accepting; the introduction email invites to it.
    first_meeting_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the match left the live states, and why (a decline's reason, an expiry, an end).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    # The pair's meetings and check-ins summed up, kept in the transaction that changes them
    # (:func:`.mentorship.refresh_pair_summaries`), so the health page and the dashboards read
    # them here instead of aggregating the rows: the first and last meeting's dates and their
    # number, each side's latest check-in (its UTC date) and the newest check-in's rating.
    first_meeting_on: Mapped[date | None] = mapped_column(Date)
    last_meeting_on: Mapped[date | None] = mapped_column(Date)
    meeting_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    trainee_checkin_on: Mapped[date | None] = mapped_column(Date)
    mentor_checkin_on: Mapped[date | None] = mapped_column(Date)
    latest_rating: Mapped[int | None]

    cycle = relationship("Cycle", lazy="joined")
    application = relationship("Application", lazy="joined")
    mentor = relationship("MentorProfile", lazy="joined")

    @property
    def percent(self) -> int | None:
        return as_points(self.score)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_MATCH_STATES

    @hybrid_property
    def was_mentorship(self) -> bool:
        """The mentor took the trainee on: an active or ended match the mentor accepted, or one
        that needed no acceptance (no ``respond_by``). An offer withdrawn before the mentor
        answered also ends as *ended*, and is not a mentorship."""
        return self.status in ("active", "ended") and (
            self.accepted_at is not None or self.respond_by is None
        )

    @was_mentorship.inplace.expression
    @classmethod
    def _was_mentorship_expression(cls):
        return and_(
            cls.status.in_(("active", "ended")),
            or_(cls.accepted_at.is_not(None), cls.respond_by.is_(None)),
        )

    def accept(self, *, actor, first_meeting_at: datetime | None = None) -> None:
        transition(self, "active", MATCH_TRANSITIONS, actor=actor)
        self.accepted_at = utcnow()
        self.first_meeting_proposed_at = first_meeting_at

    def close(self, status: str, *, actor, reason: str) -> None:
        """Leave the live states: declined, expired or ended."""
        transition(self, status, MATCH_TRANSITIONS, actor=actor, reason=reason)
        self.ended_at = utcnow()
        self.end_reason = reason

    def end(self, *, actor, reason: str) -> None:
        self.close("ended", actor=actor, reason=reason)


class PairRule(db.Model):
    """An admin's standing decision about a pair: rejected (excluded) or locked (fixed)."""

    __tablename__ = "pair_rule"
    __table_args__ = (UniqueConstraint("application_id", "mentor_id", "role", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # rejected | locked
    reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RematchRequest(db.Model):
    """A trainee or mentor asking, with a reason, to be matched with someone else."""

    __tablename__ = "rematch_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    match: Mapped[Match] = relationship(lazy="joined")
    requested_by = relationship("User", lazy="joined")

    def close(self, status: str, *, actor, resolution: str) -> None:
        transition(self, status, REMATCH_TRANSITIONS, actor=actor, reason=resolution)
        self.resolution = resolution
        self.resolved_at = utcnow()


class UnmatchedOutcome(db.Model):
    """What an admin decided for a trainee the engine could not place: a first-class outcome."""

    __tablename__ = "unmatched_outcome"
    __table_args__ = (UniqueConstraint("application_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # widen | recruit | closed
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
