"""The one adapter between the database and the matching engine.

It loads a cycle's people into the engine's plain dataclasses, runs ``propose``, and stores the
result as a MatchRun with its Proposals in one transaction. Confirmed matches are never touched:
trainees who already have an active match for the role are left out, and mentors' capacity is
what remains after their active matches.
"""

import dataclasses
import time

import numpy as np
from sqlalchemy.orm import selectinload

from ..embeddings import store as embeddings
from ..engine import inputs as engine
from ..engine.encoding import mentor_text
from ..engine.propose import cyclic_gc_paused, propose
from ..extensions import db
from ..models import (
    LIVE_MATCH_STATES,
    Application,
    Match,
    MatchRun,
    MentorOffer,
    MentorProfile,
    PairRule,
    Proposal,
    Publication,
    publication_matching_text,
    record,
    self_identifications_for,
)
from .decisions import remaining_capacity

RUNNABLE_CYCLE_STATES = ("closed", "matching")
# Eligible applications and submitted ones an admin has not reviewed yet take part.
MATCHED_APPLICATION_STATES = ("submitted", "eligible")


class RunError(ValueError):
    """A run that cannot start; the message is for the admin."""


def _backgrounds(user_ids: list[int], detail: str) -> dict[int, frozenset[str] | None]:
    """Consented self-identification attributes by user; this is matching's only read of it,
    logged as one system access in the self-identification access log."""
    if not user_ids:
        return {}
    rows = self_identifications_for(user_ids, purpose="matching", detail=detail)
    return {user_id: row.matching_attributes() for user_id, row in rows.items()}


def _conflicts(lines: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Declared conflicts are free text: each line may name a person or an institution."""
    people = tuple(line for line in lines)
    return people, people


def load_trainees(cycle, role: str) -> list[Application]:
    applications = db.session.scalars(
        db.select(Application)
        .where(
            Application.cycle_id == cycle.id,
            Application.status.in_(MATCHED_APPLICATION_STATES),
            ~db.select(Match.id)
            .where(
                Match.application_id == Application.id,
                Match.role == role,
                Match.status.in_(LIVE_MATCH_STATES),
            )
            .exists(),
        )
        .order_by(Application.id)
    ).all()
    return [a for a in applications if role in (a.requested_roles or [])]


def load_mentors(cycle) -> list[tuple[MentorOffer, int]]:
    """Active offers in the cycle with the places left; the engine checks the role itself,
    so that a diagnosis can say "does not offer this kind of mentoring"."""
    places = remaining_capacity(cycle.id)
    offers = db.session.scalars(
        db.select(MentorOffer)
        .where(MentorOffer.cycle_id == cycle.id, MentorOffer.status == "active")
        .options(selectinload(MentorOffer.mentor).selectinload(MentorProfile.topic_links))
        .order_by(MentorOffer.mentor_id)
    ).all()
    return [(offer, places.get(offer.mentor_id, 0)) for offer in offers]


def trainee_input(application: Application, background) -> engine.TraineeInput:
    return engine.TraineeInput(
        id=application.id,
        name=application.full_name or "",
        email=application.trainee.email,
        stage=application.career_stage or "",
        institution=application.institution or "",
        city=application.city or "",
        region=application.region or "",
        country=application.country or "",
        timezone=application.timezone or "",
        topics=tuple(application.topics),
        statement=application.research_statement or "",
        needs=tuple(application.needs or ()),
        roles=tuple(application.requested_roles or ()),
        meeting_format=application.meeting_format or "",
        languages=tuple(application.languages or ()),
        wants_same_institution=application.wants_same_institution,
        wants_same_region=application.wants_same_region,
        background=background,
    )


def publication_texts(mentor_ids: list[int]) -> dict[int, str]:
    """The text of each mentor's ticked publications (title and abstract), by mentor."""
    out: dict[int, list[str]] = {}
    if mentor_ids:
        rows = db.session.execute(
            db.select(Publication.mentor_id, Publication.title, Publication.abstract)
            .where(Publication.mentor_id.in_(mentor_ids), Publication.included)
            .order_by(Publication.mentor_id, Publication.id)
        )
        for mentor_id, title, abstract in rows:
            out.setdefault(mentor_id, []).append(publication_matching_text(title, abstract))
    return {mentor_id: " ".join(texts) for mentor_id, texts in out.items()}


def publications_read(free_text: str | None, fetched: str) -> str:
    """A mentor's publications as matching reads them: the free-text box, then the text of the
    ticked fetched publications (:func:`publication_texts`)."""
    return " ".join(t for t in (free_text, fetched) if t)


def mentor_input(
    offer: MentorOffer, places: int, background, fetched: str = ""
) -> engine.MentorInput:
    """The engine's view of a mentor; ``fetched`` is the text of their ticked publications,
    read with the free-text publications."""
    mentor = offer.mentor
    people, institutions = _conflicts(mentor.conflict_list())
    return engine.MentorInput(
        id=mentor.id,
        name=mentor.full_name,
        email=mentor.user.email,
        institution=mentor.institution or "",
        city=mentor.city or "",
        region=mentor.region or "",
        country=mentor.country or "",
        timezone=mentor.timezone or "",
        topics=tuple(mentor.topics),
        statement=mentor.expertise_statement or "",
        publications=publications_read(mentor.publications, fetched),
        roles=tuple(offer.roles or ()),
        stages=tuple(mentor.stages_accepted or ()),
        capacity=places,
        meeting_formats=tuple(mentor.meeting_formats or ()),
        needs_offered=None if mentor.needs_offered is None else tuple(mentor.needs_offered),
        languages=tuple(mentor.languages or ()),
        background=background,
        conflict_people=people,
        conflict_institutions=institutions,
    )


def pair_rules(role: str, application_ids: set[int]) -> tuple[frozenset, frozenset]:
    rules = db.session.execute(
        db.select(PairRule.application_id, PairRule.mentor_id, PairRule.kind).where(
            PairRule.role == role
        )
    ).all()
    rejected = frozenset((a, m) for a, m, kind in rules if kind == "rejected")
    locked = frozenset((a, m) for a, m, kind in rules if kind == "locked" and a in application_ids)
    return rejected, locked


def build_inputs(cycle, settings: dict):
    role = settings["role"]
    applications = load_trainees(cycle, role)
    mentors = load_mentors(cycle)
    backgrounds = _backgrounds(
        [a.trainee_id for a in applications] + [o.mentor.user_id for o, _ in mentors],
        detail=f"matching input: cycle {cycle.slug}, {role} role",
    )
    trainees = [trainee_input(a, backgrounds.get(a.trainee_id)) for a in applications]
    fetched = publication_texts([o.mentor_id for o, _ in mentors])
    mentor_inputs = [
        mentor_input(o, n, backgrounds.get(o.mentor.user_id), fetched.get(o.mentor_id, ""))
        for o, n in mentors
    ]
    text_model = embeddings.statement_model()
    if text_model != "tfidf":
        trainees, mentor_inputs = with_vectors(trainees, mentor_inputs)
    rejected, locked = pair_rules(role, {a.id for a in applications})
    engine_settings = engine.MatchSettings(
        role=role,
        weights=dict(settings["weights"]),
        must_have=frozenset(settings.get("must_have", ())),
        same_institution=settings["same_institution"],
        objective=settings["objective"],
        min_score=float(settings["min_score"]),
        rejected_pairs=rejected,
        locked_pairs=locked,
        text_model=text_model,
    )
    return applications, trainees, mentor_inputs, engine_settings


def with_vectors(trainees: list, mentors: list) -> tuple[list, list]:
    """The inputs with their stored statement vectors, the missing and stale ones computed and
    stored first (in batches); a text left empty gets a zero vector."""
    enc = embeddings.encoder()
    if enc is None:
        return trainees, mentors
    t_vec = embeddings.ensure(embeddings.APPLICATION, {t.id: t.statement for t in trainees}, enc)[0]
    m_vec = embeddings.ensure(embeddings.MENTOR, {m.id: mentor_text(m) for m in mentors}, enc)[0]
    some = next(iter(t_vec.values()), next(iter(m_vec.values()), None))
    if some is None:  # no text at all
        return trainees, mentors
    zero = np.zeros_like(some)
    return (
        [dataclasses.replace(t, embedding=t_vec.get(t.id, zero)) for t in trainees],
        [dataclasses.replace(m, embedding=m_vec.get(m.id, zero)) for m in mentors],
    )


def start_run(cycle, settings: dict, *, actor) -> MatchRun:
    if cycle.status not in RUNNABLE_CYCLE_STATES:
        raise RunError("Matching runs once applications are closed.")
    if cycle.status == "closed":
        cycle.move_to("matching", actor=actor, reason="Matching started")
    run = MatchRun(
        cycle=cycle,
        role=settings["role"],
        settings=settings,
        model_version=engine.MODEL_VERSION,
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record(run, "run", actor=actor, to_state="running", reason=engine.MODEL_VERSION)
    return run


def execute_run(run: MatchRun, *, actor) -> MatchRun:
    """Run the engine and store the proposals; the caller commits (or rolls back on error)."""
    started = time.perf_counter()
    # tens of thousands of ORM objects in, as many results out: the cyclic collector would walk
    # them all again and again, about doubling the time it takes to load the inputs
    with cyclic_gc_paused():
        applications, trainees, mentors, settings = build_inputs(run.cycle, run.settings)
        result = propose(trainees, mentors, settings)
        store_result(run, result, applications)
    run.summary = summarise(result, time.perf_counter() - started, len(mentors))
    run.finish("done", actor=actor)
    return run


def store_result(run: MatchRun, result, applications: list[Application]) -> None:
    """One Proposal per trainee who took part, matched or not (bulk insert: runs can be big)."""
    rows = [
        {
            "run_id": run.id,
            "application_id": item.trainee_id,
            "mentor_id": item.mentor_id,
            "score": item.score,
            "explanation": item.explanation or {},
            "alternatives": [
                {"mentor_id": a.mentor_id, "score": a.score, "full": a.full}
                for a in item.alternatives
            ],
            "diagnosis": item.diagnosis,
            "locked": item.locked,
            "status": "open",
        }
        for item in result.results
    ]
    if rows:
        db.session.execute(db.insert(Proposal), rows)


def summarise(result, seconds: float, mentors: int) -> dict:
    scores = [r.score for r in result.results if r.score is not None]
    return {
        "trainees": len(result.results),
        "mentors": mentors,
        "matched": result.matched,
        "unmatched": result.unmatched,
        "mean_score": round(100 * sum(scores) / len(scores), 1) if scores else None,
        "min_score": round(100 * min(scores), 1) if scores else None,
        "certified": result.certified,
        "seconds": round(seconds, 2),
    }


def run_matching(cycle, settings: dict, *, actor) -> MatchRun:
    """Start, execute and commit a run; a failure is committed as a failed run, nothing else."""
    run = start_run(cycle, settings, actor=actor)
    db.session.commit()
    try:
        execute_run(run, actor=actor)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(MatchRun, run.id)
        run.finish("failed", actor=actor, error=f"{type(exc).__name__}: {exc}"[:500])
        db.session.commit()
        raise
    return run
