"""Self-identification: optional, protected, and used for matching only with consent.

Kept in its own table so that no profile query, list page or eligibility rule touches it by
accident. Read it only through :func:`self_identification_of` (one person) or
:func:`self_identifications_for` (many people, for matching or aggregate reports): both write
the access log, :class:`SelfIdentificationAccess`, whenever someone other than the person reads.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class SelfIdentification(db.Model):
    __tablename__ = "self_identification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    race_ethnicity: Mapped[list[str] | None] = mapped_column(JSON)
    gender_identity: Mapped[str | None] = mapped_column(String(32))
    first_generation: Mapped[str | None] = mapped_column(String(16))
    disability: Mapped[str | None] = mapped_column(String(16))
    lgbtq: Mapped[str | None] = mapped_column(String(16))
    consent_use_for_matching: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def matching_attributes(self) -> frozenset[str] | None:
        """What the matcher may compare, or None without consent. "Prefer not" never counts."""
        if not self.consent_use_for_matching:
            return None
        attrs = {f"race:{r}" for r in (self.race_ethnicity or []) if r != "prefer_not"}
        for name in ("gender_identity", "first_generation", "disability", "lgbtq"):
            value = getattr(self, name)
            if value and value not in ("prefer_not", "no"):
                attrs.add(f"{name}:{value}")
        return frozenset(attrs)


class SelfIdentificationAccess(db.Model):
    """One read of self-identification by someone other than the person: who, when, whose, why.

    ``subject`` is the person read; a bulk read (a matching run, an aggregate report) has no
    single subject and says how many people it read in ``people``.
    """

    __tablename__ = "self_identification_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    viewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    people: Mapped[int] = mapped_column(default=1)
    detail: Mapped[str | None] = mapped_column(String(200))

    viewer = relationship("User", foreign_keys=[viewer_id], lazy="joined")
    subject = relationship("User", foreign_keys=[subject_id], lazy="joined")


class SelfIdentificationDenied(PermissionError):
    """Someone without the explicit permission asked to read another person's answers."""


def may_view_self_identification(viewer, subject) -> bool:
    """The person themself, or an admin holding the explicit permission."""
    if viewer is None or subject is None:
        return False
    if viewer.id == subject.id:
        return True
    return bool(viewer.is_admin and viewer.can_view_self_identification and viewer.is_active)


def self_identification_of(
    user, viewer=None, *, purpose: str = "admin_view"
) -> SelfIdentification | None:
    """The one way to read one person's self-identification.

    ``viewer`` defaults to the person themself, whose own reads are not logged. Anyone else
    must be an admin holding ``can_view_self_identification`` (else SelfIdentificationDenied),
    and the read is logged in the current transaction: the caller commits.
    """
    if viewer is not None and viewer.id != user.id:
        if not may_view_self_identification(viewer, user):
            raise SelfIdentificationDenied("You do not have permission to see self-identification.")
        db.session.add(
            SelfIdentificationAccess(viewer_id=viewer.id, subject_id=user.id, purpose=purpose)
        )
    return db.session.scalar(db.select(SelfIdentification).filter_by(user_id=user.id))


def self_identifications_for(
    user_ids, *, purpose: str, actor=None, detail: str | None = None
) -> dict[int, SelfIdentification]:
    """Many people's answers at once, for the system (matching) or aggregate reports.

    Logs one access row for the whole read (``people`` = how many records were read), in the
    current transaction: the caller commits.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = {
        row.user_id: row
        for row in db.session.scalars(
            db.select(SelfIdentification).where(SelfIdentification.user_id.in_(ids))
        )
    }
    log_self_identification_access(purpose=purpose, actor=actor, people=len(rows), detail=detail)
    return rows


def log_self_identification_access(
    *, purpose: str, people: int, actor=None, detail: str | None = None
) -> SelfIdentificationAccess:
    """Log an aggregate read done by a query of its own (e.g. the equity audit's join), in the
    current transaction. Prefer :func:`self_identifications_for`, which reads and logs."""
    entry = SelfIdentificationAccess(
        viewer_id=getattr(actor, "id", None),
        subject_id=None,
        purpose=purpose,
        people=people,
        detail=(detail or "")[:200] or None,
    )
    db.session.add(entry)
    return entry
