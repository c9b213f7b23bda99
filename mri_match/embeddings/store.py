"""Stored statement embeddings: which model, read, compute the missing and stale ones, delete.

A vector is *current* when it was made by the model in use (``Encoder.model_id``) from the text
the profile holds now (``semantic.text_digest``); anything else is stale and computed again, so
a new model or model version is noticed by every reader without a flag to set. Vectors are
computed in batches of :data:`BATCH` texts and written one batch at a time.

Nothing here runs unless the statement model reads embeddings: :func:`encoder` is None when
``STATEMENT_MODEL`` is "tfidf", or when it is empty and the optional semantic model is not
installed. Tests put a small encoder of their own in ``app.extensions[EXTENSION]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..engine import semantic
from ..extensions import db
from ..models import StatementEmbedding, utcnow

#: Where a test (or another embedding backend) puts its own Encoder.
EXTENSION = "mri_match.statement_encoder"
#: Texts embedded and written per batch.
BATCH = 256
#: Ids per IN (...) when reading rows.
_CHUNK = 500

APPLICATION, MENTOR = "application", "mentor"
_OWNER_COLUMN = {
    APPLICATION: StatementEmbedding.application_id,
    MENTOR: StatementEmbedding.mentor_id,
}


def statement_model() -> str:
    """The statement model matching runs use: ``STATEMENT_MODEL``, or when empty the hybrid
    if an embedding model is available, else TF-IDF."""
    name = current_app.config.get("STATEMENT_MODEL") or ""
    if name:
        return name
    available = _injected() is not None or semantic.available(semantic.model_directory())
    return "hybrid" if available else "tfidf"


def encoder() -> semantic.Encoder | None:
    """The embedding model in use, or None when the statement model does not read embeddings."""
    if statement_model() == "tfidf":
        return None
    return _injected() or semantic.LocalModel(semantic.model_directory())


def _injected() -> semantic.Encoder | None:
    return current_app.extensions.get(EXTENSION)


def pack(vector: np.ndarray) -> bytes:
    """A vector as stored: little-endian float32 bytes."""
    return np.ascontiguousarray(vector, "<f4").tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, "<f4").astype(np.float32)


@dataclass
class Outcome:
    """What :func:`ensure` did: vectors read as stored, computed, and rows deleted (texts now
    empty)."""

    current: int = 0
    computed: int = 0
    removed: int = 0

    def __iadd__(self, other: Outcome) -> Outcome:
        self.current += other.current
        self.computed += other.computed
        self.removed += other.removed
        return self


def ensure(
    kind: str,
    texts: dict[int, str],
    enc: semantic.Encoder,
    *,
    force: bool = False,
    batch: int = BATCH,
) -> tuple[dict[int, np.ndarray], Outcome]:
    """The vectors of ``texts`` (owner id -> text; ``kind`` APPLICATION or MENTOR): stored ones
    where current, the others computed in batches and stored (``force``: every one computed).
    An empty text has no vector: it is left out, and a stored one is deleted. The caller
    commits."""
    column = _OWNER_COLUMN[kind]
    model = enc.model_id
    rows = _rows(column, list(texts))
    out: dict[int, np.ndarray] = {}
    outcome = Outcome()
    todo: list[tuple[int, str, str]] = []
    empty: list[int] = []
    for owner, text in texts.items():
        digest = semantic.text_digest(text)
        if digest == _EMPTY:
            if owner in rows:
                empty.append(owner)
            continue
        row = rows.get(owner)
        if row is not None and not force and row.model == model and row.text_hash == digest:
            out[owner] = unpack(row.vector)
            outcome.current += 1
        else:
            todo.append((owner, text, digest))
    if empty:
        outcome.removed = _delete(column, empty)
    for lo in range(0, len(todo), batch):
        part = todo[lo : lo + batch]
        vectors = np.asarray(enc.encode([text for _, text, _ in part]), np.float32)
        _write(kind, rows, part, vectors, model)
        for (owner, _, _), vector in zip(part, vectors, strict=True):
            out[owner] = vector
        outcome.computed += len(part)
    return out, outcome


_EMPTY = semantic.text_digest("")


def _rows(column, owners: list[int]) -> dict[int, StatementEmbedding]:
    rows: dict[int, StatementEmbedding] = {}
    for lo in range(0, len(owners), _CHUNK):
        chunk = owners[lo : lo + _CHUNK]
        for row in db.session.scalars(db.select(StatementEmbedding).where(column.in_(chunk))):
            rows[getattr(row, column.key)] = row
    return rows


def _write(kind, rows, part, vectors: np.ndarray, model: str) -> None:
    """Store one batch: update the owners' rows, insert the missing ones. A row that another
    process inserted meanwhile wins (the batch is then only returned, not stored)."""
    now = utcnow()
    try:
        with db.session.begin_nested():
            for (owner, _, digest), vector in zip(part, vectors, strict=True):
                row = rows.get(owner)
                if row is None:
                    row = StatementEmbedding(**{_OWNER_COLUMN[kind].key: owner})
                    db.session.add(row)
                    rows[owner] = row
                row.model, row.text_hash = model, digest
                row.dimensions, row.vector, row.computed_at = int(vector.size), pack(vector), now
    except IntegrityError:
        current_app.logger.info("Statement vectors stored meanwhile by another process")
        for owner, _, _ in part:
            rows.pop(owner, None)


def _delete(column, owners: Iterable[int]) -> int:
    owners = list(owners)
    removed = 0
    for lo in range(0, len(owners), _CHUNK):
        result = db.session.execute(
            db.delete(StatementEmbedding).where(column.in_(owners[lo : lo + _CHUNK])),
            execution_options={"synchronize_session": False},
        )
        removed += result.rowcount or 0
    return removed


def delete_for(*, applications: Iterable[int] = (), mentors: Iterable[int] = ()) -> int:
    """Delete the vectors of these applications and mentor profiles; the caller commits."""
    return _delete(StatementEmbedding.application_id, applications) + _delete(
        StatementEmbedding.mentor_id, mentors
    )
