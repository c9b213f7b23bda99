"""Self-identification: optional, protected, and used for matching only with consent.

Kept in its own table so that no profile query, list page or eligibility rule touches it by
accident. Read it only through :func:`self_identification_of`.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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


def self_identification_of(user) -> SelfIdentification | None:
    """The one way to read a person's self-identification (issue 6 adds access logging here)."""
    return db.session.scalar(db.select(SelfIdentification).filter_by(user_id=user.id))
