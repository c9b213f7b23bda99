"""Trainee applications and mentor volunteering."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .audit import record, transition
from .matching import LIVE_MATCH_STATES, Match
from .publications import Publication, PublicationSource
from .types import UTCDateTime, utcnow

APPLICATION_STATES = ("draft", "submitted", "withdrawn", "eligible", "ineligible")
# Trainee moves: submit, withdraw, and return a withdrawn application to draft before the
# deadline. Admin moves: eligible / ineligible, and changing that decision.
APPLICATION_TRANSITIONS = {
    "draft": {"submitted", "withdrawn"},
    "submitted": {"withdrawn", "eligible", "ineligible"},
    "withdrawn": {"draft"},
    "eligible": {"ineligible", "withdrawn"},
    "ineligible": {"eligible", "withdrawn"},
}
OFFER_TRANSITIONS = {"active": {"paused"}, "paused": {"active"}}


class _TopicsMixin:
    """A ``topics`` list of codes over a one-row-per-topic link table, so lists can filter."""

    topic_links: list

    @property
    def topics(self) -> list[str]:
        return sorted(link.topic for link in self.topic_links)

    @topics.setter
    def topics(self, codes) -> None:
        wanted = list(dict.fromkeys(codes or []))
        keep = [link for link in self.topic_links if link.topic in wanted]
        have = {link.topic for link in keep}
        self.topic_links = keep + [self._topic_link(topic=c) for c in wanted if c not in have]


class ApplicationTopic(db.Model):
    __tablename__ = "application_topic"
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Application(_TopicsMixin, db.Model):
    """A trainee's application to one cycle."""

    #: What the trainee fills in (topics and nominee aside): a bulk import sets exactly these,
    #: and the personal-data download shows them all.
    ENTERED_FIELDS = (
        "full_name",
        "pronouns",
        "career_stage",
        "institution",
        "city",
        "region",
        "country",
        "timezone",
        "track",
        "research_statement",
        "needs",
        "requested_roles",
        "meeting_format",
        "languages",
        "wants_same_institution",
        "wants_same_region",
        "has_research_mentor",
    )

    __table_args__ = (UniqueConstraint("cycle_id", "trainee_id"),)
    _topic_link = ApplicationTopic

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)

    full_name: Mapped[str] = mapped_column(String(120), default="")
    pronouns: Mapped[str | None] = mapped_column(String(40))
    career_stage: Mapped[str | None] = mapped_column(String(32), index=True)
    institution: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(String(80), index=True)
    research_statement: Mapped[str | None] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    meeting_format: Mapped[str | None] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    wants_same_institution: Mapped[bool] = mapped_column(default=False)
    wants_same_region: Mapped[bool] = mapped_column(default=False)
    has_research_mentor: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle = relationship("Cycle", lazy="joined")
    trainee = relationship("User", lazy="joined")
    topic_links: Mapped[list[ApplicationTopic]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    nominated_mentor: Mapped["NominatedMentor | None"] = relationship(
        back_populates="application", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status}>"

    @property
    def editable(self) -> bool:
        """Trainees edit until the deadline, and never after an admin has decided."""
        return self.status in ("draft", "submitted") and self.cycle.accepts_applications()

    def submit(self, *, actor) -> None:
        transition(self, "submitted", APPLICATION_TRANSITIONS, actor=actor)
        self.submitted_at = utcnow()

    def withdraw(self, *, actor, reason: str | None = None) -> None:
        transition(self, "withdrawn", APPLICATION_TRANSITIONS, actor=actor, reason=reason)

    def reopen(self, *, actor) -> None:
        transition(self, "draft", APPLICATION_TRANSITIONS, actor=actor)

    def decide_eligibility(self, eligible: bool, *, actor, reason: str | None) -> None:
        to = "eligible" if eligible else "ineligible"
        transition(self, to, APPLICATION_TRANSITIONS, actor=actor, reason=reason)
        self.status_reason = reason


class NominatedMentor(db.Model):
    """A research mentor the trainee already has, for an admin to verify."""

    __tablename__ = "nominated_mentor"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    institution: Mapped[str] = mapped_column(String(200))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="nominated_mentor")

    def verify(self, *, actor) -> None:
        self.verified_by_id = actor.id
        self.verified_at = utcnow()
        record(self, "verified", actor=actor, to_state="verified")


class MentorTopic(db.Model):
    __tablename__ = "mentor_topic"
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class MentorProfile(_TopicsMixin, db.Model):
    """A mentor's standing profile; what they offer in a given cycle is a MentorOffer."""

    __tablename__ = "mentor_profile"
    _topic_link = MentorTopic

    #: What the mentor fills in, besides topics, conflicts and the membership number (each
    #: set by its own rule): the profile form and a bulk import set exactly these, and the
    #: personal-data download shows them all.
    ENTERED_FIELDS = (
        "full_name",
        "degrees",
        "position",
        "institution",
        "city",
        "region",
        "country",
        "timezone",
        "expertise_statement",
        "publications",
        "stages_accepted",
        "needs_offered",
        "meeting_formats",
        "languages",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    degrees: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[str | None] = mapped_column(String(120))
    institution: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    ash_member_number: Mapped[str | None] = mapped_column(String(32))
    ash_verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    ash_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expertise_statement: Mapped[str] = mapped_column(Text)
    publications: Mapped[str | None] = mapped_column(Text)
    stages_accepted: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: mentoring needs offered (codes of MENTORING_NEEDS); None: not stated yet
    needs_offered: Mapped[list[str] | None] = mapped_column(JSON)
    meeting_formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    conflicts: Mapped[str | None] = mapped_column(Text)  # one person or institution per line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    topic_links: Mapped[list[MentorTopic]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    offers: Mapped[list["MentorOffer"]] = relationship(
        back_populates="mentor", cascade="all, delete-orphan"
    )
    #: what ORCID and PubMed returned (models/publications.py); ``publications`` is free text
    fetched_publications: Mapped[list["Publication"]] = relationship(
        back_populates="mentor",
        cascade="all, delete-orphan",
        order_by="(Publication.year.desc(), Publication.id)",
    )
    publication_source: Mapped["PublicationSource | None"] = relationship(
        cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<MentorProfile {self.id}>"

    @property
    def ash_verified(self) -> bool:
        return self.ash_verified_at is not None

    def set_member_number(self, number: str | None) -> None:
        """A changed membership number needs verifying again."""
        if (number or None) != self.ash_member_number:
            self.ash_member_number = number or None
            self.ash_verified_at = None
            self.ash_verified_by_id = None

    def verify_membership(self, *, actor) -> None:
        self.ash_verified_by_id = actor.id
        self.ash_verified_at = utcnow()
        record(self, "ash_verified", actor=actor, to_state="verified")

    def conflict_list(self) -> list[str]:
        return [line.strip() for line in (self.conflicts or "").splitlines() if line.strip()]

    def places_filled(self) -> dict[int, int]:
        """Per cycle, how many of the mentor's places live (offered or active) matches take."""
        return dict(
            db.session.execute(
                db.select(Match.cycle_id, func.count(Match.id))
                .where(Match.mentor_id == self.id, Match.status.in_(LIVE_MATCH_STATES))
                .group_by(Match.cycle_id)
            ).all()
        )

    def offers_newest_first(self) -> list["MentorOffer"]:
        """The mentor's offers, the newest cycle first."""
        from .program import Cycle

        return list(
            db.session.scalars(
                db.select(MentorOffer)
                .filter_by(mentor_id=self.id)
                .join(MentorOffer.cycle)
                .order_by(Cycle.opens_at.desc(), MentorOffer.id.desc())
            ).unique()
        )

    @classmethod
    def of_user(cls, user) -> "MentorProfile | None":
        return db.session.scalar(db.select(cls).filter_by(user_id=user.id))


class MentorOffer(db.Model):
    """A mentor volunteering in one cycle: how many trainees, in which roles."""

    __tablename__ = "mentor_offer"
    __table_args__ = (UniqueConstraint("cycle_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), index=True
    )
    capacity: Mapped[int] = mapped_column(default=1)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cycle = relationship("Cycle", lazy="joined")
    mentor: Mapped[MentorProfile] = relationship(back_populates="offers", lazy="joined")

    @property
    def paused(self) -> bool:
        return self.status == "paused"

    def pause(self, *, actor, reason: str | None = None) -> None:
        transition(self, "paused", OFFER_TRANSITIONS, actor=actor, reason=reason)

    def resume(self, *, actor) -> None:
        transition(self, "active", OFFER_TRANSITIONS, actor=actor)
