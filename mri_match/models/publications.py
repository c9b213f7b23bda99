"""A mentor's publications fetched from ORCID and PubMed, and where to fetch them from.

:class:`PublicationSource` (one per mentor) holds the ORCID iD and the listed PubMed IDs and
DOIs, and how the last fetch went. :class:`Publication` rows are what the last successful fetch
found; the ones the mentor ticks (``included``) are read by matching with the expertise
statement. Both go with the mentor profile (a cascade) and with the account's deletion.
"""

from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

#: queued: waiting for the worker; fetching: the worker is on it; done; failed (see message)
FETCH_STATES = ("queued", "fetching", "done", "failed")


class PublicationSource(db.Model):
    __tablename__ = "publication_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), unique=True
    )
    orcid: Mapped[str | None] = mapped_column(String(19))
    #: normalised PubMed IDs and DOIs (``pmid:N``, ``doi:10...``), in the order given
    identifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str | None] = mapped_column(String(16))
    #: why the last fetch failed, or what it skipped; for the mentor
    message: Mapped[str | None] = mapped_column(Text)
    #: counts the fetches asked for: a job whose number is no longer current does nothing
    request_number: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last success

    @property
    def pending(self) -> bool:
        return self.status in ("queued", "fetching")

    def stalled(self, job_timeout: float) -> bool:
        """Still pending well past the job's time limit: the worker stopped or never ran it."""
        if not self.pending or self.requested_at is None:
            return False
        return utcnow() - self.requested_at > timedelta(seconds=job_timeout + 60)


class Publication(db.Model):
    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("mentor_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), index=True
    )
    #: ``pmid:N`` when PubMed holds it, else ``doi:10...``
    key: Mapped[str] = mapped_column(String(300))
    pmid: Mapped[str | None] = mapped_column(String(16))
    doi: Mapped[str | None] = mapped_column(String(280))
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    journal: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    #: "listed" (the mentor gave its identifier) or "orcid" (found on the ORCID record)
    origin: Mapped[str] = mapped_column(String(16))
    included: Mapped[bool] = mapped_column(default=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor = relationship("MentorProfile", back_populates="fetched_publications")

    def matching_text(self) -> str:
        return publication_matching_text(self.title, self.abstract)


def publication_matching_text(title: str, abstract: str | None) -> str:
    """What matching reads of one ticked publication: its title and abstract."""
    return f"{title}. {abstract or ''}".strip()
