"""Program cycles: one round of applications, volunteering and matching."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, String, case, true
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .audit import transition
from .types import UTCDateTime, utcnow

CYCLE_STATES = ("draft", "open", "closed", "matching", "completed")
# Reopening a closed cycle is allowed (a deadline extension); nothing goes back after matching.
CYCLE_TRANSITIONS = {
    "draft": {"open"},
    "open": {"closed"},
    "closed": {"open", "matching"},
    "matching": {"completed"},
    "completed": set(),
}

#: What applicants are told to expect after applications close: the eligibility review, the
#: matching and the news of their match, each within about this many days of the deadline.
AFTER_CLOSING_DAYS = {"review": 14, "matching": 28, "notification": 35}


@dataclass(frozen=True)
class Step:
    """One step of what happens next: what, and by when (or when it happened)."""

    what: str
    when: datetime
    done: bool


class Cycle(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    tracks: Mapped[list[str]] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the cycle was marked completed: the retention period for its data counts from here.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # After the match. A confirmed match waits for the mentor's acceptance (ASH releases a
    # mentor's contact details only with their approval) unless the cycle turns that off.
    mentor_acceptance_required: Mapped[bool] = mapped_column(default=True, server_default=true())
    offer_response_days: Mapped[int] = mapped_column(default=7, server_default="7")
    first_meeting_days: Mapped[int] = mapped_column(default=21, server_default="21")
    research_cadence_days: Mapped[int] = mapped_column(default=28, server_default="28")
    career_cadence_days: Mapped[int] = mapped_column(default=56, server_default="56")
    # A pair is quiet once no meeting was held for its cadence plus this many days.
    meeting_grace_days: Mapped[int] = mapped_column(default=14, server_default="14")
    checkin_interval_days: Mapped[int] = mapped_column(default=60, server_default="60")
    # Feedback surveys open this many days after acceptance (the end one sooner if the
    # match ends sooner).
    survey_midpoint_days: Mapped[int] = mapped_column(default=90, server_default="90")
    survey_end_days: Mapped[int] = mapped_column(default=180, server_default="180")

    def __repr__(self) -> str:
        return f"<Cycle {self.slug} {self.status}>"

    def accepts_applications(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == "open" and self.opens_at <= now < self.closes_at

    def closed_early(self, now: datetime | None = None) -> bool:
        """Applications stopped before the deadline that was announced."""
        return self.status in ("closed", "matching", "completed") and (now or utcnow()) < (
            self.closes_at
        )

    def next_steps(self, now: datetime | None = None) -> list[Step]:
        """What happens after an application is submitted, with dates, for the applicant."""
        now = now or utcnow()
        after = {key: self.closes_at + timedelta(days=n) for key, n in AFTER_CLOSING_DAYS.items()}
        closed = self.status in ("closed", "matching", "completed")
        matched = self.status in ("matching", "completed")
        return [
            Step("Applications close", self.closes_at, closed),
            Step(
                "The program team checks that each application is eligible",
                after["review"],
                matched,
            ),
            Step(
                "Matching: each trainee is paired with a mentor",
                after["matching"],
                self.status == "completed",
            ),
            Step(
                "You hear about your match by email",
                after["notification"],
                self.status == "completed",
            ),
        ]

    def accepts_volunteers(self) -> bool:
        return self.status in ("open", "closed")

    def next_states(self) -> list[str]:
        return [s for s in CYCLE_STATES if s in CYCLE_TRANSITIONS[self.status]]

    def move_to(self, state: str, *, actor, reason: str | None = None) -> None:
        transition(self, state, CYCLE_TRANSITIONS, actor=actor, reason=reason)
        if state == "completed":
            self.completed_at = utcnow()

    @hybrid_method
    def cadence_days(self, role: str) -> int:
        """How often a pair in ``role`` is expected to meet."""
        return self.research_cadence_days if role == "research" else self.career_cadence_days

    @cadence_days.inplace.expression
    @classmethod
    def _cadence_days_expression(cls, role):
        """The same in SQL, for a role column (the dashboards read it with each match)."""
        return case((role == "research", cls.research_cadence_days), else_=cls.career_cadence_days)

    @classmethod
    def visible_to_people(cls):
        """Cycles a trainee or mentor may see (admins also see drafts)."""
        return db.select(cls).where(cls.status != "draft").order_by(cls.opens_at.desc())
