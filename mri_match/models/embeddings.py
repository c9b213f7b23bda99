"""Stored sentence embeddings of the statements that matching compares (the optional semantic
model): one row per application (its research statement) and per mentor profile (expertise
statement and publications).

Each vector is kept with the name and version of the model that made it and a digest of the text
it was made from (after the lexicon's expansion), so a vector whose text or model has changed is
seen as stale and computed again (``mri_match/embeddings/store.py``). The vector is little-endian
float32 bytes: the same on SQLite and PostgreSQL. Rows go with their application or profile
(ON DELETE CASCADE), and account deletion and the retention purge delete them explicitly, as
they do the text.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class StatementEmbedding(db.Model):
    __tablename__ = "statement_embedding"
    __table_args__ = (
        CheckConstraint(
            "(application_id IS NULL) <> (mentor_id IS NULL)",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentor_profile.id", ondelete="CASCADE"), unique=True
    )
    #: the model's name and version (engine.semantic.model_id)
    model: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the text the vector was computed from (engine.semantic.text_digest)
    text_hash: Mapped[str] = mapped_column(String(64))
    dimensions: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
