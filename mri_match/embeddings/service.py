"""When vectors are computed: after a profile is saved, after an import, and on demand.

A save has already been committed when its vector is computed, so a failure of the model never
undoes what the person entered: it is logged, and the next matching run computes the vector.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from redis.exceptions import RedisError

from ..engine.encoding import mentor_document
from ..extensions import db
from ..matches.runs import publication_texts, publications_read
from ..models import Application, MentorProfile
from . import store

#: Profiles refreshed per transaction by :func:`refresh`.
REFRESH_CHUNK = 2000


def after_save(
    *, applications: Iterable[Application] = (), mentors: Iterable[MentorProfile] = ()
) -> None:
    """Compute the vectors of profiles just saved (and committed), if the model is in use;
    a mentor's text includes the fetched publications they ticked."""
    enc = store.encoder()
    if enc is None:
        return
    try:
        compute(store.APPLICATION, [a.id for a in applications])
        compute(store.MENTOR, [m.id for m in mentors])
    except Exception:  # the profile is saved; the run computes the vector instead
        db.session.rollback()
        current_app.logger.exception("Statement vectors not computed after a save")


def after_import(kind: str, user_ids: list[int], cycle_id: int) -> str | None:
    """Vectors of people just imported into a cycle: computed now for a few, queued for the
    worker above ``EMBEDDING_INLINE_LIMIT``. Returns the queued job's id, if any."""
    if store.encoder() is None or not user_ids:
        return None
    if kind == "trainee":
        ids = db.session.scalars(
            db.select(Application.id).where(
                Application.cycle_id == cycle_id, Application.trainee_id.in_(user_ids)
            )
        ).all()
    else:
        ids = db.session.scalars(
            db.select(MentorProfile.id).where(MentorProfile.user_id.in_(user_ids))
        ).all()
    owner = store.APPLICATION if kind == "trainee" else store.MENTOR
    if len(ids) > current_app.config["EMBEDDING_INLINE_LIMIT"]:
        from .jobs import enqueue

        try:
            return enqueue(owner, list(ids))
        except RedisError:  # matching runs compute what is missing
            current_app.logger.exception("Statement vectors of an import not queued")
            return None
    try:
        compute(owner, list(ids))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Statement vectors not computed after an import")
    return None


def compute(kind: str, ids: list[int], *, force: bool = False) -> store.Outcome:
    """Compute (or read) the vectors of these owners, committing every chunk."""
    enc = store.encoder()
    total = store.Outcome()
    if enc is None:
        return total
    for chunk in texts(kind, ids):
        total += store.ensure(kind, chunk, enc, force=force)[1]
        db.session.commit()
    return total


def refresh(*, force: bool = False) -> dict[str, store.Outcome]:
    """Every application and mentor profile: stale and missing vectors computed, vectors of
    texts now empty deleted (``force``: every vector computed again)."""
    out = {}
    for kind, model in ((store.APPLICATION, Application), (store.MENTOR, MentorProfile)):
        ids = list(db.session.scalars(db.select(model.id).order_by(model.id)))
        out[kind] = compute(kind, ids, force=force)
    return out


def texts(kind: str, ids: list[int]) -> Iterator[dict[int, str]]:
    """The texts of these owners as matching reads them, by owner, a chunk at a time."""
    if kind == store.APPLICATION:
        columns = (Application.id, Application.research_statement)
    else:
        columns = (MentorProfile.id, MentorProfile.expertise_statement, MentorProfile.publications)
    for lo in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[lo : lo + REFRESH_CHUNK]
        rows = db.session.execute(db.select(*columns).where(columns[0].in_(chunk))).all()
        if kind == store.APPLICATION:
            yield {owner: statement or "" for owner, statement in rows}
        else:  # the text a run reads: statement, own publications, ticked fetched ones
            fetched = publication_texts(chunk)
            yield {
                owner: mentor_document(
                    statement or "", publications_read(publications, fetched.get(owner, ""))
                )
                for owner, statement, publications in rows
            }
