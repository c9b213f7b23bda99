"""Admin actions that cannot simply be undone go through a page that says what will happen.

The page before (a proposal, a match, the re-match queue) links to the confirmation page; its
button does the change, and its Cancel link goes back having changed nothing.
"""

import pytest
from conftest import RESEARCH_RUN, accept_offers

from mri_match.extensions import db
from mri_match.matches import decisions, runs
from mri_match.models import PairRule, Proposal, RematchRequest


@pytest.fixture
def proposal(factory, admin):
    """An open proposal of a closed cycle: Ana Okafor with Dr Sickle; the admin is signed in."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    factory.mentor(cycle=cycle, capacity=1, full_name="Dr Sickle")
    factory.application(cycle=cycle, full_name="Ana Okafor")
    run = runs.run_matching(cycle, RESEARCH_RUN, actor=admin)
    return db.session.scalar(db.select(Proposal).filter_by(run_id=run.id))


@pytest.fixture
def match(proposal, client):
    """The pair confirmed, and accepted by the mentor."""
    client.post(f"/admin/proposals/{proposal.id}/confirm")
    (accepted,) = accept_offers()
    return accepted


def text(response) -> str:
    return response.get_data(as_text=True)


def assert_confirmation_page(page: str, question: str, back: str) -> None:
    assert f"<h1>{question}</h1>" in page
    assert "What will happen" in page
    assert f'href="{back}">Cancel' in page


def test_rejecting_a_pair_asks_first_and_says_what_will_happen(client, proposal):
    page = text(client.get(f"/admin/proposals/{proposal.id}"))
    assert f'href="/admin/proposals/{proposal.id}/reject"' in page
    assert f'action="/admin/proposals/{proposal.id}/reject"' not in page

    response = client.get(f"/admin/proposals/{proposal.id}/reject")
    assert response.status_code == 200
    page = text(response)
    assert_confirmation_page(
        page, "Reject Ana Okafor with Dr Sickle?", f"/admin/proposals/{proposal.id}"
    )
    assert "no later matching run will propose this pair" in page
    assert proposal.status == "open" and db.session.scalar(db.select(PairRule)) is None

    response = client.post(f"/admin/proposals/{proposal.id}/reject", data={"reason": " "})
    assert response.status_code == 400
    assert "Give a reason for rejecting this pair." in text(response).split('id="reason-error"')[1]
    db.session.expire_all()
    assert proposal.status == "open"

    response = client.post(
        f"/admin/proposals/{proposal.id}/reject", data={"reason": "They already work together"}
    )
    assert response.headers["Location"].endswith(f"/admin/proposals/{proposal.id}")
    db.session.expire_all()
    assert proposal.status == "rejected"
    assert db.session.scalar(db.select(PairRule)).kind == "rejected"
    # a decided proposal has nothing left to reject
    response = client.get(f"/admin/proposals/{proposal.id}/reject", follow_redirects=True)
    assert "already been decided" in text(response)


def test_unlocking_a_pair_asks_first_and_locking_never_unlocks(client, proposal):
    client.post(f"/admin/proposals/{proposal.id}/lock", data={"reason": "Known fit"})
    client.post(f"/admin/proposals/{proposal.id}/lock", data={"reason": "Pressed twice"})
    db.session.expire_all()
    assert proposal.locked

    page = text(client.get(f"/admin/proposals/{proposal.id}"))
    assert f'href="/admin/proposals/{proposal.id}/unlock">Unlock this pair' in page
    page = text(client.get(f"/admin/proposals/{proposal.id}/unlock"))
    assert_confirmation_page(
        page, "Unlock Ana Okafor with Dr Sickle?", f"/admin/proposals/{proposal.id}"
    )
    assert "The next re-solve may give Ana Okafor a different mentor" in page
    db.session.expire_all()
    assert proposal.locked

    client.post(f"/admin/proposals/{proposal.id}/unlock")
    db.session.expire_all()
    assert not proposal.locked
    assert db.session.scalar(db.select(PairRule).filter_by(kind="locked")) is None


def test_ending_a_match_asks_first_and_says_what_will_happen(client, match):
    page = text(client.get(f"/admin/matches/{match.id}"))
    assert f'href="/admin/matches/{match.id}/end"' in page
    assert "<textarea" not in page

    page = text(client.get(f"/admin/matches/{match.id}/end"))
    assert_confirmation_page(
        page, "End the match of Ana Okafor and Dr Sickle?", f"/admin/matches/{match.id}"
    )
    assert "This cannot be undone" in page and "place is free again" in page
    assert f'action="/admin/matches/{match.id}"' in page
    db.session.expire_all()
    assert match.status == "active"

    response = client.post(f"/admin/matches/{match.id}", data={"reason": ""})
    assert response.status_code == 400
    page = text(response)
    assert "What will happen" in page and 'id="reason-error"' in page
    db.session.expire_all()
    assert match.status == "active"

    client.post(f"/admin/matches/{match.id}", data={"reason": "Mentor moved abroad"})
    db.session.expire_all()
    assert match.status == "ended" and match.end_reason == "Mentor moved abroad"
    response = client.get(f"/admin/matches/{match.id}/end", follow_redirects=True)
    assert "already ended" in text(response)


@pytest.mark.parametrize(("action", "ends"), [("end", True), ("decline", False)])
def test_resolving_a_rematch_request_asks_first(client, match, action, ends):
    request = decisions.request_rematch(
        match, person=match.application.trainee, reason="Our schedules never overlap"
    )
    db.session.commit()
    page = text(client.get("/admin/rematch-requests"))
    assert f'href="/admin/rematch-requests/{request.id}/{action}"' in page
    assert "<textarea" not in page

    page = text(client.get(f"/admin/rematch-requests/{request.id}/{action}"))
    verb = "End" if ends else "Keep"
    assert_confirmation_page(
        page, f"{verb} the match of Ana Okafor and Dr Sickle?", "/admin/rematch-requests"
    )
    assert "Our schedules never overlap" in page
    assert ("cannot be undone" in page) is ends

    response = client.post(f"/admin/rematch-requests/{request.id}/{action}", data={"reason": ""})
    assert response.status_code == 400
    assert "Say how the request was resolved." in text(response)

    client.post(f"/admin/rematch-requests/{request.id}/{action}", data={"reason": "Talked"})
    db.session.expire_all()
    request = db.session.get(RematchRequest, request.id)
    assert request.status == ("resolved" if ends else "declined")
    assert match.status == ("ended" if ends else "active")
