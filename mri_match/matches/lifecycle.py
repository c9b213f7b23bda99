"""A match after its confirmation: the mentor's answer, expiry, and every way a match closes.

Each function changes the caller's transaction and the caller commits, except
:func:`expire_due_offers`, a batch that commits each offer on its own. The emails a change causes
are rendered inside it and sent when it commits (:func:`mri_match.email.send_after_commit`).

Two changes can race on one match (two tabs accepting, an acceptance and an admin's end, an
acceptance and the expiry run). Each first locks the match's row with an UPDATE (a row lock on
PostgreSQL, the database write lock on SQLite), then reads it again and checks its state, so the
second waits, sees the first one's result and is refused with a plain message.

Who may move a match, and what each move does, is drawn in docs/lifecycle.md.
"""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import joinedload

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
    utcnow,
)
from . import notify
from .decisions import DecisionError, remaining_capacity

#: Who closes a match, which decides who is told and whether the trainee goes back to review.
SIDES = ("trainee", "mentor", "program")


# --- locking -------------------------------------------------------------------------------------


def lock_match(match: Match) -> Match:
    """``match`` as committed now, its row locked until the transaction ends."""
    db.session.execute(
        update(Match)
        .where(Match.id == match.id)
        .values(status=Match.status)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(
        db.select(Match)
        .where(Match.id == match.id)
        .with_for_update(of=Match)
        .execution_options(populate_existing=True)
    )


def _not_answerable(match: Match, now: datetime) -> str | None:
    """Why the mentor can no longer answer this offer, or None when they can."""
    if match.status == "active":
        return "You have already accepted this match."
    if match.status == "declined":
        return "You have already declined this match."
    if match.status == "expired" or (match.respond_by is not None and match.respond_by <= now):
        return "The time to answer this offer has passed, so the place was given back."
    if match.status == "ended":
        return "The program team has withdrawn this offer."
    return None


# --- the offer -----------------------------------------------------------------------------------


def respond_by(cycle, now: datetime | None = None) -> datetime:
    """When an offer made now expires in ``cycle``."""
    return (now or utcnow()) + timedelta(days=cycle.offer_response_days)


def answer_error(match: Match, now: datetime | None = None) -> str | None:
    """Why the offer cannot be answered now (already answered, expired, withdrawn), or None."""
    return _not_answerable(match, now or utcnow())


def accept_offer(match: Match, *, actor, first_meeting_at: datetime | None = None) -> Match:
    """The mentor accepts: the match is active and both people get each other's details."""
    match = lock_match(match)
    problem = _not_answerable(match, utcnow())
    if problem:
        raise DecisionError(problem)
    match.accept(actor=actor, first_meeting_at=first_meeting_at)
    _start_award(match)
    notify.introduction(match)
    return match


def _start_award(match: Match) -> None:
    """The pair gets its track's award milestones (``awards.service``; imported here, since
    the awards feature reads matches)."""
    from ..awards.service import start_milestones

    start_milestones(match)


def _close_award(match: Match) -> None:
    """The pair's milestones not yet done go with the match (``awards.service``)."""
    from ..awards.service import close_milestones

    close_milestones(match)


def decline_offer(match: Match, *, actor, reason: str | None = None) -> Match:
    """The mentor declines: the place is free and the trainee is back in the admin's review."""
    match = lock_match(match)
    problem = _not_answerable(match, utcnow())
    if problem:
        raise DecisionError(problem)
    reason = (reason or "").strip()
    match.close("declined", actor=actor, reason=reason or "Declined by the mentor")
    _exclude_pair(match, actor=actor, reason=f"The mentor declined. {reason}".strip())
    reopened = _back_to_review(match, actor=actor, why="The mentor declined the offer.")
    notify.offer_fell_through(match, reopened=reopened)
    return match


def expire_due_offers(now: datetime | None = None) -> list[Match]:
    """Expire every offer whose answer time has passed, each in its own transaction (committed
    here): the place is free and the trainee back in review. Returns the expired matches."""
    now = now or utcnow()
    due = db.session.scalars(
        db.select(Match.id)
        .where(Match.status == "offered", Match.respond_by <= now)
        .order_by(Match.respond_by, Match.id)
    ).all()
    expired = []
    for match_id in due:
        match = lock_match(db.session.get(Match, match_id))
        if match.status != "offered" or match.respond_by is None or match.respond_by > now:
            db.session.rollback()  # answered a moment ago
            continue
        match.close("expired", actor=None, reason=f"No answer by {match.respond_by:%Y-%m-%d}")
        _exclude_pair(match, actor=None, reason="The mentor did not answer the offer in time.")
        reopened = _back_to_review(
            match, actor=None, why="The mentor did not answer the offer in time."
        )
        notify.offer_fell_through(match, reopened=reopened)
        db.session.commit()
        expired.append(match)
    return expired


def offer_reminders_due(now: datetime | None = None) -> list[Match]:
    """Offers past half their answer time and not yet expired: the mentor is reminded once
    (the ``offer_expiring`` rule in :mod:`.offer_rules`; the ledger keeps it to once)."""
    now = now or utcnow()
    waiting = db.session.scalars(
        db.select(Match)
        .options(joinedload(Match.mentor))
        .where(Match.status == "offered", Match.respond_by > now)
        .order_by(Match.respond_by, Match.id)
    ).all()
    return [m for m in waiting if m.confirmed_at + (m.respond_by - m.confirmed_at) / 2 <= now]


# --- a match closes ---------------------------------------------------------------------------


def close_match(match: Match, *, actor, side: str, reason: str) -> Match | None:
    """End (or, for an offer, cancel) a live match because ``side`` left or the program ended
    it. The other person is told (both, when the program ended it), admins are told when they
    did not do it themselves, and the mentor's place is free. A match already closed is left
    as it is (None)."""
    assert side in SIDES
    match = lock_match(match)
    if match.status not in LIVE_MATCH_STATES:
        return None
    was_offer = match.status == "offered"
    match.end(actor=actor, reason=reason)
    _close_award(match)
    reopened = None
    if side == "mentor" and match.cycle.status != "completed":
        reopened = _back_to_review(match, actor=actor, why=f"The mentor left: {reason}")
    notify.match_closed(match, side=side, was_offer=was_offer, reopened=reopened)
    return match


def close_matches_of_application(application: Application, *, actor, reason: str) -> list[Match]:
    """Close the application's live matches: the trainee has left (withdrawn, not eligible,
    account deleted)."""
    return _close_all(
        db.select(Match).where(Match.application_id == application.id),
        actor=actor,
        side="trainee",
        reason=reason,
    )


def close_matches_of_mentor(profile: MentorProfile, *, actor, reason: str) -> list[Match]:
    """Close the mentor's live matches in every cycle: the mentor has left."""
    return _close_all(
        db.select(Match).where(Match.mentor_id == profile.id),
        actor=actor,
        side="mentor",
        reason=reason,
    )


def cancel_offers_of_cycle(cycle, *, actor) -> list[Match]:
    """A completed cycle keeps its active matches; offers still waiting for an answer are
    withdrawn, since nobody could match their trainee again."""
    return _close_all(
        db.select(Match).where(Match.cycle_id == cycle.id, Match.status == "offered"),
        actor=actor,
        side="program",
        reason="The cycle was completed before the mentor answered.",
    )


def live_matches_of_application(application: Application) -> list[Match]:
    return list(
        db.session.scalars(
            db.select(Match).where(
                Match.application_id == application.id, Match.status.in_(LIVE_MATCH_STATES)
            )
        )
    )


def _close_all(stmt, *, actor, side: str, reason: str) -> list[Match]:
    matches = db.session.scalars(
        stmt.where(Match.status.in_(LIVE_MATCH_STATES)).order_by(Match.id)
    ).all()
    closed = [close_match(m, actor=actor, side=side, reason=reason) for m in matches]
    return [m for m in closed if m is not None]


# --- the trainee back in review ------------------------------------------------------------------


def _exclude_pair(match: Match, *, actor, reason: str) -> None:
    """Later runs do not propose this pair again."""
    exists = db.session.scalar(
        db.select(PairRule.id).filter_by(
            application_id=match.application_id,
            mentor_id=match.mentor_id,
            role=match.role,
            kind="rejected",
        )
    )
    if exists is None:
        db.session.add(
            PairRule(
                application_id=match.application_id,
                mentor_id=match.mentor_id,
                role=match.role,
                kind="rejected",
                reason=reason,
                created_by_id=getattr(actor, "id", None),
            )
        )


def _back_to_review(match: Match, *, actor, why: str) -> Proposal | None:
    """Open the match's proposal again, proposing the best stored alternative that still has a
    place (the mentor first proposed, when the admin had swapped to another); None when the
    match came from no proposal or the proposal was decided again since."""
    proposal = db.session.get(Proposal, match.proposal_id) if match.proposal_id else None
    if proposal is None or proposal.status not in ("confirmed", "swapped"):
        return None
    candidates = list(proposal.alternatives or [])
    if proposal.mentor_id is not None and proposal.mentor_id != match.mentor_id:
        first = {"mentor_id": proposal.mentor_id, "score": proposal.score}
        candidates.insert(0, {**first, "explanation": proposal.explanation})
    candidates = [c for c in candidates if c.get("mentor_id") != match.mentor_id]
    ids = {c["mentor_id"] for c in candidates}
    places = remaining_capacity(match.cycle_id, ids)
    excluded = set(
        db.session.scalars(
            db.select(PairRule.mentor_id).where(
                PairRule.application_id == match.application_id,
                PairRule.role == match.role,
                PairRule.kind == "rejected",
            )
        )
    )
    offering = _offering_role(match.cycle_id, ids, match.role)
    best = next(
        (
            c["mentor_id"]
            for c in candidates
            if places.get(c["mentor_id"], 0) > 0
            and c["mentor_id"] not in excluded
            and c["mentor_id"] in offering
        ),
        None,
    )
    proposal.reopen(
        actor=actor,
        reason=why if best else f"{why} No stored alternative has a place left.",
        mentor_id=best,
        alternatives=candidates,
    )
    return proposal


def _offering_role(cycle_id: int, mentor_ids, role: str) -> set[int]:
    offers = db.session.execute(
        db.select(MentorOffer.mentor_id, MentorOffer.roles).where(
            MentorOffer.cycle_id == cycle_id, MentorOffer.mentor_id.in_(list(mentor_ids))
        )
    )
    return {mentor_id for mentor_id, roles in offers if role in (roles or [])}


# --- what admins do ------------------------------------------------------------------------------


def end_by_admin(match: Match, *, actor, reason: str) -> Match:
    """An admin ends a live match (or withdraws an offer); both people are told, with the reason."""
    if not (reason or "").strip():
        raise DecisionError("Give a reason for ending this match.")
    closed = close_match(match, actor=actor, side="program", reason=reason.strip())
    if closed is None:
        raise DecisionError("This match has already ended.")
    return closed


def resolve_rematch(request: RematchRequest, *, actor, end: bool, resolution: str) -> None:
    """Close a re-match request; ``end`` ends its match too (both people are told)."""
    if not (resolution or "").strip():
        raise DecisionError("Say how the request was resolved.")
    if end:
        close_match(
            request.match,
            actor=actor,
            side="program",
            reason=f"Re-match requested: {request.reason}",
        )
    request.close("resolved" if end else "declined", actor=actor, resolution=resolution)
