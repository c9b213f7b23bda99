"""Awards: what a trainee delivers (milestones) and what the program pays against it.

An :class:`AwardTemplate` per cycle and track lists the milestones (:class:`MilestoneTemplate`)
and the payments (:class:`PaymentTemplate`, each needing some milestones). When a match of the
template's mentor role becomes active, the pair gets its own copies: a :class:`Milestone` per
milestone, due on a date fixed then (absolute, or days after the acceptance), and a
:class:`Payment` per payment, needing the pair's copies of the same milestones. A milestone
that needs a file keeps it as a :class:`MilestoneDocument`, whose bytes live in the file
store (``mri_match/awards/storage.py``: the ``stored_file`` table by default).
"""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .audit import transition
from .types import UTCDateTime, utcnow

#: Who completes a milestone.
COMPLETERS = {"trainee": "The trainee", "mentor": "The mentor", "admin": "The program team"}
MILESTONE_STATES = ("open", "submitted", "done")
# open -> done, or -> submitted when the mentor must sign off; the mentor signs off (done) or
# sends it back (open) with a note.
MILESTONE_TRANSITIONS = {"open": {"submitted", "done"}, "submitted": {"done", "open"}}
PAYMENT_TRANSITIONS = {"waiting": {"released"}}


class AwardTemplate(db.Model):
    """The award of one track in one cycle: its milestones and its payments."""

    __tablename__ = "award_template"
    __table_args__ = (UniqueConstraint("cycle_id", "track"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    track: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    # the match whose mentor signs off: the trainee's research or career-development mentor
    role: Mapped[str] = mapped_column(String(16), default="research")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle = relationship("Cycle", lazy="joined")
    milestones: Mapped[list["MilestoneTemplate"]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        order_by="(MilestoneTemplate.position, MilestoneTemplate.id)",
    )
    payments: Mapped[list["PaymentTemplate"]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        order_by="(PaymentTemplate.position, PaymentTemplate.id)",
    )


class MilestoneTemplate(db.Model):
    """One milestone of an award: due ``due_on`` or ``due_days`` after the acceptance."""

    __tablename__ = "award_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("award_template.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(120))
    completed_by: Mapped[str] = mapped_column(String(8), default="trainee")
    due_days: Mapped[int | None] = mapped_column(Integer)  # days after the acceptance
    due_on: Mapped[date | None] = mapped_column(Date)  # or a fixed date
    needs_upload: Mapped[bool] = mapped_column(default=False)
    needs_signoff: Mapped[bool] = mapped_column(default=False)

    template: Mapped[AwardTemplate] = relationship(back_populates="milestones")

    def due_for(self, accepted_on: date) -> date:
        if self.due_on is not None:
            return self.due_on
        return accepted_on + timedelta(days=self.due_days or 0)

    @property
    def due_text(self) -> str:
        if self.due_on is not None:
            return f"{self.due_on:%d %b %Y}"
        return f"{self.due_days} days after acceptance"


award_payment_milestone = Table(
    "award_payment_milestone",
    db.metadata,
    Column(
        "payment_id",
        ForeignKey("award_payment.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "milestone_id",
        ForeignKey("award_milestone.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class PaymentTemplate(db.Model):
    """One part of an award's money (a stipend, travel), paid once its milestones are done."""

    __tablename__ = "award_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("award_template.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int | None] = mapped_column(Integer)  # whole US dollars, when set

    template: Mapped[AwardTemplate] = relationship(back_populates="payments")
    milestones: Mapped[list[MilestoneTemplate]] = relationship(
        secondary=award_payment_milestone, order_by="MilestoneTemplate.position"
    )


class Milestone(db.Model):
    """A pair's copy of a milestone, with its own due date and state."""

    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("match_id", "template_milestone_id"),
        Index("ix_milestone_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which starts with it
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    template_milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("award_milestone.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(120))
    completed_by: Mapped[str] = mapped_column(String(8))
    due_on: Mapped[date] = mapped_column(Date)
    needs_upload: Mapped[bool] = mapped_column(default=False)
    needs_signoff: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # the mentor's words when sending a submission back (seen by the pair and admins)
    returned_note: Mapped[str | None] = mapped_column(Text)

    match = relationship("Match")
    document: Mapped["MilestoneDocument | None"] = relationship(
        back_populates="milestone", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def done(self) -> bool:
        return self.status == "done"

    def overdue(self, today: date) -> bool:
        return self.status != "done" and self.due_on < today

    def move(self, status: str, *, actor, reason: str | None = None) -> None:
        transition(self, status, MILESTONE_TRANSITIONS, actor=actor, reason=reason)

    @property
    def missing_text(self) -> str:
        """What stands between this milestone and done, in words (for blocked payments)."""
        if self.status == "submitted":
            return f"{self.title}: waiting for the mentor's sign-off"
        if self.completed_by == "admin":
            return f"{self.title}: not confirmed by the program team"
        return f"{self.title} missing"


class MilestoneDocument(db.Model):
    """The file handed in for a milestone: its name and type, and where its bytes are."""

    __tablename__ = "milestone_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("milestone.id", ondelete="CASCADE"), unique=True
    )
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    milestone: Mapped[Milestone] = relationship(back_populates="document")


payment_milestone = Table(
    "payment_milestone",
    db.metadata,
    Column("payment_id", ForeignKey("payment.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "milestone_id", ForeignKey("milestone.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Payment(db.Model):
    """A pair's copy of a payment: waiting until an admin releases it."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("match_id", "template_payment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    template_payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("award_payment.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    match = relationship("Match")
    milestones: Mapped[list[Milestone]] = relationship(
        secondary=payment_milestone, order_by="(Milestone.position, Milestone.id)"
    )

    @property
    def blockers(self) -> list[str]:
        """Why the payment cannot be released yet (empty when it can)."""
        return [m.missing_text for m in self.milestones if not m.done]

    def release(self, *, actor) -> None:
        transition(self, "released", PAYMENT_TRANSITIONS, actor=actor)
        self.released_at = utcnow()
        self.released_by_id = actor.id


class StoredFile(db.Model):
    """An uploaded file's bytes, for the database file store (the default): every app host
    reads the same files, and a file is written in the same transaction as its record."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
