"""Alumni: a former trainee's consent to be followed up, and their yearly answers.

An :class:`AlumniRecord` exists only while the person consents: giving consent creates it,
withdrawing deletes it with every answer (a cascade), and deleting the account does the same.
Because the person asked for it, the retention purge keeps these rows when it clears the
cycles the person took part in.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

#: Where the person is in training now.
TRAINING_STAGES = [
    ("undergraduate", "Undergraduate"),
    ("medical_school", "Medical school"),
    ("graduate_school", "Graduate school"),
    ("residency", "Residency"),
    ("fellowship", "Fellowship"),
    ("postdoc", "Postdoctoral training"),
    ("faculty", "Faculty"),
    ("practice", "Clinical practice"),
    ("industry", "Industry or government"),
    ("left_medicine_science", "No longer in medicine or science"),
    ("other", "Something else"),
]
#: The degree the person was studying for when they joined the program.
DEGREE_STATUSES = [
    ("in_progress", "Still studying for it"),
    ("completed", "Completed"),
    ("left", "Left without completing it"),
    ("not_applicable", "Not studying for a degree when I joined"),
]
#: The specialty chosen (or the field worked in).
SPECIALTIES = [
    ("hematology", "Hematology"),
    ("hematology_oncology", "Hematology/oncology"),
    ("pediatric_hematology_oncology", "Pediatric hematology/oncology"),
    ("oncology", "Oncology (without hematology)"),
    ("pathology_transfusion", "Pathology or transfusion medicine"),
    ("internal_medicine", "Internal medicine (another subspecialty)"),
    ("pediatrics", "Pediatrics (another subspecialty)"),
    ("research_hematology", "Research in hematology (not clinical)"),
    ("other", "Another specialty or field"),
    ("undecided", "Not chosen yet"),
]
#: Specialties counted as hematology, and as hematology or oncology, in the outcomes report.
HEMATOLOGY = frozenset(
    {"hematology", "hematology_oncology", "pediatric_hematology_oncology", "research_hematology"}
)
HEMATOLOGY_ONCOLOGY = HEMATOLOGY | {"oncology"}


class AlumniRecord(db.Model):
    """A former trainee who agreed to stay in touch; the yearly follow-ups go to ``email``."""

    __tablename__ = "alumni_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # The address follow-ups go to: the account's unless the person gives one that will last
    # longer than a student address. It also links a mentor account with this address.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")
    responses: Mapped[list["FollowUpResponse"]] = relationship(
        back_populates="alumni",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FollowUpResponse.year.desc()",
    )

    def __repr__(self) -> str:
        return f"<AlumniRecord {self.id}>"

    @property
    def address(self) -> str:
        return self.email or self.user.email

    @classmethod
    def of_user(cls, user) -> "AlumniRecord | None":
        return db.session.scalar(db.select(cls).filter_by(user_id=user.id))

    def response_for(self, year: int) -> "FollowUpResponse | None":
        return db.session.scalar(
            db.select(FollowUpResponse).filter_by(alumni_id=self.id, year=year)
        )


class FollowUpResponse(db.Model):
    """One person's answers for one year: at most one row per person and year."""

    __tablename__ = "follow_up_response"
    __table_args__ = (UniqueConstraint("alumni_id", "year"),)

    #: The answers, as the form and the personal-data download name them.
    ANSWER_FIELDS = (
        "training_stage",
        "degree_status",
        "degree_completed",
        "specialty",
        "fellowship",
        "faculty_post",
        "grants",
        "abstracts",
        "papers",
        "ash_member",
        "attended_annual_meeting",
        "mentors_now",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which starts with it
    alumni_id: Mapped[int] = mapped_column(ForeignKey("alumni_record.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    training_stage: Mapped[str] = mapped_column(String(32))
    degree_status: Mapped[str] = mapped_column(String(16))
    degree_completed: Mapped[str | None] = mapped_column(String(120))
    specialty: Mapped[str] = mapped_column(String(40))
    fellowship: Mapped[str | None] = mapped_column(String(200))
    faculty_post: Mapped[str | None] = mapped_column(String(200))
    grants: Mapped[int] = mapped_column(default=0)
    abstracts: Mapped[int] = mapped_column(default=0)
    papers: Mapped[int] = mapped_column(default=0)
    ash_member: Mapped[bool] = mapped_column(default=False)
    attended_annual_meeting: Mapped[bool] = mapped_column(default=False)
    mentors_now: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    alumni: Mapped[AlumniRecord] = relationship(back_populates="responses")


class FormerTraineeLink(db.Model):
    """A mentor profile that belongs to one of the program's former trainees (their trainee
    account), for the mentorship family tree. ``linked_by_id`` is the admin who linked them,
    or None when the accounts showed it (see ``alumni/links.py``)."""

    __tablename__ = "former_trainee_link"

    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), primary_key=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainee = relationship("User", foreign_keys=[trainee_id], lazy="joined")

    @classmethod
    def of_mentor(cls, mentor_id: int) -> "FormerTraineeLink | None":
        return db.session.get(cls, mentor_id)
