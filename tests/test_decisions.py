"""Confirmation is capacity-safe and every decision is recorded."""

import threading
import time

import pytest

from mri_match.extensions import db
from mri_match.matches import decisions
from mri_match.matches.decisions import DecisionError, Pairing, create_match
from mri_match.models import Application, Match, MentorProfile, User, history


def _pairing(application_id, mentor_id, role="research"):
    return Pairing(
        application=db.session.get(Application, application_id),
        mentor=db.session.get(MentorProfile, mentor_id),
        role=role,
        score=0.8,
    )


@pytest.fixture
def cohort(factory):
    cycle = factory.cycle(status="matching")
    admin = factory.user("admin")
    mentor = factory.mentor(cycle=cycle, capacity=1)
    trainees = [factory.application(cycle=cycle) for _ in range(2)]
    return cycle, admin, mentor, trainees


def test_confirming_records_the_match_and_its_history(cohort):
    cycle, admin, mentor, (first, _second) = cohort
    match = create_match(_pairing(first.id, mentor.id), actor=admin)
    db.session.commit()
    # the cycle asks the mentor first (its default): an offer, holding the place
    assert match.status == "offered" and match.confirmed_by_id == admin.id
    (event,) = history(match)
    assert event.action == "confirmed" and event.actor_id == admin.id
    assert event.to_state == "offered"


def test_capacity_is_rechecked_when_confirming(cohort):
    cycle, admin, mentor, (first, second) = cohort
    create_match(_pairing(first.id, mentor.id), actor=admin)
    db.session.commit()
    with pytest.raises(DecisionError, match="no places left"):
        create_match(_pairing(second.id, mentor.id), actor=admin)


def test_a_trainee_has_one_confirmed_mentor_per_role(factory, cohort):
    cycle, admin, mentor, (first, _second) = cohort
    other = factory.mentor(cycle=cycle, capacity=3)
    create_match(_pairing(first.id, mentor.id), actor=admin)
    db.session.commit()
    with pytest.raises(DecisionError, match="already has a confirmed research mentor"):
        create_match(_pairing(first.id, other.id), actor=admin)
    # ...but may have a career-development mentor as well.
    create_match(_pairing(first.id, other.id, role="career"), actor=admin)
    db.session.commit()


def test_paused_offer_or_role_not_offered_is_refused(factory, cohort):
    cycle, admin, mentor, (first, _second) = cohort
    research_only = factory.mentor(cycle=cycle, roles=("research",))
    with pytest.raises(DecisionError, match="does not offer to be a career-development mentor"):
        create_match(_pairing(first.id, research_only.id, role="career"), actor=admin)
    mentor.offers[0].pause(actor=admin)
    db.session.commit()
    with pytest.raises(DecisionError, match="paused"):
        create_match(_pairing(first.id, mentor.id), actor=admin)


def test_two_admins_confirming_at_once_never_exceed_capacity(app, cohort, monkeypatch):
    """Both confirmations pass the checks' *reads* at the same moment unless the lock holds."""
    cycle, admin, mentor, (first, second) = cohort
    ids = (admin.id, mentor.id)
    real_active_match = decisions._active_match

    def slow_active_match(application_id, role):
        time.sleep(0.3)  # widen the window between the capacity read and the insert
        return real_active_match(application_id, role)

    monkeypatch.setattr(decisions, "_active_match", slow_active_match)
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(application_id):
        with app.app_context():
            barrier.wait()
            try:
                create_match(_pairing(application_id, ids[1]), actor=db.session.get(User, ids[0]))
                db.session.commit()
                outcomes.append("confirmed")
            except DecisionError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(a.id,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    active = db.session.scalars(db.select(Match).filter_by(mentor_id=mentor.id)).all()
    assert len(active) == 1
    assert outcomes.count("confirmed") == 1
    (refusal,) = [o for o in outcomes if o != "confirmed"]
    assert "no places left" in refusal


def test_a_pair_the_unique_index_refuses_leaves_the_transaction_usable(
    factory, cohort, monkeypatch
):
    """Another admin's confirmation can land between the check and the insert: the admin gets
    the plain message, and the same transaction goes on (a bulk confirmation's other pairs)."""
    cycle, admin, mentor, (first, second) = cohort
    other = factory.mentor(cycle=cycle, capacity=3)
    create_match(_pairing(first.id, other.id), actor=admin)
    db.session.commit()
    monkeypatch.setattr(decisions, "_active_match", lambda application_id, role: None)
    with pytest.raises(DecisionError, match="already has a confirmed research mentor"):
        create_match(_pairing(first.id, mentor.id), actor=admin)
    create_match(_pairing(second.id, mentor.id), actor=admin)
    db.session.commit()
    pairs = db.session.execute(db.select(Match.application_id, Match.mentor_id)).all()
    assert sorted(pairs) == sorted([(first.id, other.id), (second.id, mentor.id)])
