"""Admin decisions on proposals, each one transaction that the caller commits.

Capacity is the one invariant two admins can race on. Every confirmation first takes a write lock
on the mentor's offer row (an UPDATE: a row lock on PostgreSQL, the database write lock on SQLite),
and only then counts the mentor's live (offered or active) matches, so a second confirmation
waits and sees the first. The partial unique index on Match guards "one live mentor per trainee
and role". What happens to a match after its confirmation is in :mod:`.lifecycle`.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    LIVE_MATCH_STATES,
    Application,
    Match,
    MentorOffer,
    MentorProfile,
    PairRule,
    Proposal,
    RematchRequest,
    UnmatchedOutcome,
    record,
    utcnow,
)
from ..vocabulary import MENTOR_ROLES, label


class DecisionError(ValueError):
    """A decision that cannot be made; the message is for the admin."""


@dataclass
class Pairing:
    application: Application
    mentor: MentorProfile
    role: str
    score: float | None = None
    explanation: dict | None = None
    model_version: str | None = None


def active_match_counts(cycle_id: int, mentor_ids=None) -> dict[int, int]:
    """Live (offered or active) matches per mentor in a cycle, all roles together (capacity is
    per cycle, and an offer holds its place).

    ``mentor_ids`` limits the answer to those mentors (a page of proposals needs only its own).
    """
    stmt = (
        db.select(Match.mentor_id, func.count(Match.id))
        .where(Match.cycle_id == cycle_id, Match.status.in_(LIVE_MATCH_STATES))
        .group_by(Match.mentor_id)
    )
    if mentor_ids is not None:
        stmt = stmt.where(Match.mentor_id.in_(list(mentor_ids)))
    return dict(db.session.execute(stmt).all())


def remaining_capacity(cycle_id: int, mentor_ids=None) -> dict[int, int]:
    """Places left per mentor offering in the cycle (paused offers have none).

    ``mentor_ids`` limits the answer to those mentors; None means every mentor in the cycle.
    """
    used = active_match_counts(cycle_id, mentor_ids)
    stmt = db.select(MentorOffer.mentor_id, MentorOffer.capacity, MentorOffer.status).where(
        MentorOffer.cycle_id == cycle_id
    )
    if mentor_ids is not None:
        stmt = stmt.where(MentorOffer.mentor_id.in_(list(mentor_ids)))
    offers = db.session.execute(stmt)
    return {
        mentor_id: (0 if status == "paused" else max(capacity - used.get(mentor_id, 0), 0))
        for mentor_id, capacity, status in offers
    }


def _lock_offer(cycle_id: int, mentor_id: int) -> MentorOffer | None:
    # The UPDATE comes first on purpose: it takes the lock before anything is read.
    db.session.execute(
        update(MentorOffer)
        .where(MentorOffer.cycle_id == cycle_id, MentorOffer.mentor_id == mentor_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(
        db.select(MentorOffer)
        .where(MentorOffer.cycle_id == cycle_id, MentorOffer.mentor_id == mentor_id)
        .with_for_update(of=MentorOffer)
        .execution_options(populate_existing=True)
    )


def _active_match(application_id: int, role: str) -> Match | None:
    return db.session.scalar(
        db.select(Match).where(
            Match.application_id == application_id,
            Match.role == role,
            Match.status.in_(LIVE_MATCH_STATES),
        )
    )


def create_match(pairing: Pairing, *, actor, proposal: Proposal | None = None) -> Match:
    """Confirm a pairing after re-checking, under the lock, that it is still possible."""
    application, mentor, role = pairing.application, pairing.mentor, pairing.role
    cycle_id = application.cycle_id
    offer = _lock_offer(cycle_id, mentor.id)
    if offer is None:
        raise DecisionError(f"{mentor.full_name} is not volunteering in this cycle.")
    if offer.paused:
        raise DecisionError(f"{mentor.full_name} has paused volunteering.")
    if role not in offer.roles:
        raise DecisionError(
            f"{mentor.full_name} does not offer to be a {label(MENTOR_ROLES, role).lower()}."
        )
    used = db.session.scalar(
        db.select(func.count(Match.id)).where(
            Match.cycle_id == cycle_id,
            Match.mentor_id == mentor.id,
            Match.status.in_(LIVE_MATCH_STATES),
        )
    )
    if used >= offer.capacity:
        raise DecisionError(
            f"{mentor.full_name} has no places left ({used} of {offer.capacity} taken)."
        )
    taken = f"{application.full_name} already has a confirmed {label(MENTOR_ROLES, role).lower()}."
    if _active_match(application.id, role) is not None:
        raise DecisionError(taken)
    match = Match(
        cycle_id=cycle_id,
        application_id=application.id,
        mentor_id=mentor.id,
        role=role,
        score=pairing.score,
        explanation=pairing.explanation or {},
        model_version=pairing.model_version,
        proposal_id=proposal.id if proposal else None,
        confirmed_by_id=actor.id,
    )
    # The cycle decides whether the mentor must accept first (an offer that holds the place).
    cycle = application.cycle
    if cycle.mentor_acceptance_required:
        match.status = "offered"
        match.respond_by = utcnow() + timedelta(days=cycle.offer_response_days)
    else:
        match.status, match.accepted_at = "active", utcnow()
    # The insert runs in a savepoint: when another admin confirmed this trainee a moment ago,
    # the unique index refuses the row and only the savepoint is rolled back, so the session
    # stays usable (for the message, and for the other pairs of a bulk confirmation).
    try:
        with db.session.begin_nested():
            db.session.add(match)
    except IntegrityError as exc:
        raise DecisionError(taken) from exc
    if match.status == "active":
        from ..awards.service import start_milestones

        start_milestones(match)
    record(
        match,
        "confirmed",
        actor=actor,
        to_state=match.status,
        reason=f"{application.full_name} with {mentor.full_name}"
        + (f" (model {pairing.model_version})" if pairing.model_version else ""),
    )
    return match


def _proposal_pairing(proposal: Proposal, mentor: MentorProfile | None = None) -> Pairing:
    mentor = mentor or proposal.mentor
    if mentor is None:
        raise DecisionError("This trainee has no proposed mentor to confirm.")
    if mentor.id == proposal.mentor_id:
        score, explanation = proposal.score, proposal.explanation
    else:
        alt = next((a for a in proposal.alternatives if a.get("mentor_id") == mentor.id), None)
        score = alt.get("score") if alt else None
        explanation = alt.get("explanation", {}) if alt else {}
    return Pairing(
        application=proposal.application,
        mentor=mentor,
        role=proposal.run.role,
        score=score,
        explanation=explanation,
        model_version=proposal.run.model_version,
    )


def confirm_proposal(proposal: Proposal, *, actor) -> Match:
    if proposal.status != "open":
        raise DecisionError("This proposal has already been decided.")
    match = create_match(_proposal_pairing(proposal), actor=actor, proposal=proposal)
    proposal.decide("confirmed", actor=actor)
    return match


def swap_proposal(proposal: Proposal, mentor: MentorProfile, *, actor, reason: str | None):
    """Confirm the trainee with another mentor than the one proposed."""
    if proposal.status != "open":
        raise DecisionError("This proposal has already been decided.")
    if mentor.id == proposal.mentor_id:
        return confirm_proposal(proposal, actor=actor)
    match = create_match(_proposal_pairing(proposal, mentor), actor=actor, proposal=proposal)
    was = proposal.mentor.full_name if proposal.mentor else "no mentor"
    proposal.decide("swapped", actor=actor, reason=reason or f"{was} → {mentor.full_name}")
    record(match, "swapped", actor=actor, reason=f"{was} → {mentor.full_name}. {reason or ''}")
    return match


def reject_proposal(proposal: Proposal, *, actor, reason: str) -> None:
    """Reject the pair; later runs exclude it."""
    if proposal.status != "open":
        raise DecisionError("This proposal has already been decided.")
    if proposal.mentor_id is None:
        raise DecisionError("There is no proposed mentor to reject.")
    if not (reason or "").strip():
        raise DecisionError("Give a reason for rejecting this pair.")
    proposal.decide("rejected", actor=actor, reason=reason)
    _add_rule(proposal, "rejected", actor=actor, reason=reason)


def lock_proposal(proposal: Proposal, *, actor, reason: str | None = None) -> None:
    """Fix the pair for re-solves: the next run keeps it and it uses the mentor's capacity."""
    if proposal.status != "open" or proposal.mentor_id is None:
        raise DecisionError("Only an open proposal with a mentor can be locked.")
    if proposal.locked:
        return
    proposal.locked = True
    _add_rule(proposal, "locked", actor=actor, reason=reason)
    record(proposal, "locked", actor=actor, reason=reason)


def unlock_proposal(proposal: Proposal, *, actor) -> None:
    proposal.locked = False
    db.session.execute(
        db.delete(PairRule).where(
            PairRule.application_id == proposal.application_id,
            PairRule.mentor_id == proposal.mentor_id,
            PairRule.role == proposal.run.role,
            PairRule.kind == "locked",
        )
    )
    record(proposal, "unlocked", actor=actor)


def _add_rule(proposal: Proposal, kind: str, *, actor, reason: str | None) -> None:
    exists = db.session.scalar(
        db.select(PairRule.id).filter_by(
            application_id=proposal.application_id,
            mentor_id=proposal.mentor_id,
            role=proposal.run.role,
            kind=kind,
        )
    )
    if exists is None:
        db.session.add(
            PairRule(
                application_id=proposal.application_id,
                mentor_id=proposal.mentor_id,
                role=proposal.run.role,
                kind=kind,
                reason=reason,
                created_by_id=actor.id,
            )
        )


def confirm_many(proposals: list[Proposal], *, actor) -> tuple[list[Match], list[str]]:
    """Confirm what can be confirmed; say why the others could not. One transaction."""
    matches, problems = [], []
    for proposal in proposals:
        if proposal.status != "open" or proposal.mentor_id is None:
            continue
        try:
            matches.append(confirm_proposal(proposal, actor=actor))
        except DecisionError as exc:
            problems.append(f"{proposal.application.full_name}: {exc}")
    return matches, problems


def request_rematch(match: Match, *, person, reason: str) -> RematchRequest:
    if match.status != "active":
        raise DecisionError("This match has already ended.")
    if not (reason or "").strip():
        raise DecisionError("Tell the program team why you would like a different match.")
    request = RematchRequest(match=match, requested_by_id=person.id, reason=reason.strip())
    db.session.add(request)
    record(request, "requested", actor=person, to_state="open", reason=reason)
    return request


def record_unmatched_outcome(
    application: Application, role: str, kind: str, *, actor, reason: str
) -> UnmatchedOutcome:
    if kind not in ("widen", "recruit", "closed"):
        raise DecisionError("Choose what to do for this trainee.")
    if not (reason or "").strip():
        raise DecisionError("Give a reason or a note for this decision.")
    outcome = db.session.scalar(
        db.select(UnmatchedOutcome).filter_by(application_id=application.id, role=role)
    )
    previous = outcome.kind if outcome else None
    if outcome is None:
        outcome = UnmatchedOutcome(application_id=application.id, role=role)
        db.session.add(outcome)
    outcome.kind, outcome.reason, outcome.decided_by_id = kind, reason, actor.id
    outcome.decided_at = utcnow()
    record(
        outcome, "unmatched_outcome", actor=actor, from_state=previous, to_state=kind, reason=reason
    )
    return outcome
