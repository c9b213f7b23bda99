"""Every free-text search reads "%" and "_" as the characters themselves, not as wildcards."""

import html
import re

import pytest

from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import Proposal

SETTINGS = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4},
}
TRAINEES = ("Ana 50% Done", "Ben Under_Score", "Cy Plain")
MENTORS = {  # name: institution
    "Dr Full 100% Sure": "Plain Institute",
    "Dr Rosa Plain": "Lab_One Institute",
    "Dr Tomás Plain": "Plain College",
}


@pytest.fixture
def searchable(factory):
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    admin = factory.user("admin")
    mentors = [
        factory.mentor(cycle=cycle, capacity=1, full_name=name, institution=institution)
        for name, institution in MENTORS.items()
    ]
    trainees = [factory.application(cycle=cycle, full_name=name) for name in TRAINEES]
    run = runs.run_matching(cycle, SETTINGS, actor=admin)
    return cycle, admin, mentors, trainees, run


def _rows(page: str) -> str:
    """The listed rows only (the search box repeats the query); none when nothing is found."""
    table = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return html.unescape(table.group(1)) if table else ""


def _listed(page: str, names) -> set[str]:
    return {name for name in names if name in _rows(page)}


@pytest.mark.parametrize(
    ("q", "expected"),
    [("%", {"Ana 50% Done"}), ("_", {"Ben Under_Score"}), ("0%", {"Ana 50% Done"}), ("a_n", set())],
)
def test_application_search_is_literal(client, auth, searchable, q, expected):
    cycle, admin, *_ = searchable
    auth.login(admin)
    page = client.get(f"/admin/cycles/{cycle.slug}/applications", query_string={"q": q}).text
    assert _listed(page, TRAINEES) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [("%", {"Dr Full 100% Sure"}), ("_", {"Dr Rosa Plain"}), ("a_n", set())],
)
def test_mentor_search_is_literal(client, auth, searchable, q, expected):
    cycle, admin, *_ = searchable
    auth.login(admin)
    page = client.get(f"/admin/cycles/{cycle.slug}/mentors", query_string={"q": q}).text
    assert _listed(page, MENTORS) == expected


@pytest.mark.parametrize("q", ["%", "_"])
def test_review_list_search_is_literal(client, auth, searchable, q):
    *_, admin, _mentors, _trainees, run = searchable
    auth.login(admin)
    proposals = db.session.scalars(db.select(Proposal).filter_by(run_id=run.id)).all()
    expected = {
        p.application.full_name
        for p in proposals
        if q in p.application.full_name or (p.mentor and q in p.mentor.full_name)
    }
    assert expected and len(expected) < len(TRAINEES)
    page = client.get(f"/admin/runs/{run.id}", query_string={"q": q}).text
    assert _listed(page, TRAINEES) == expected


@pytest.mark.parametrize(
    ("q", "expected"), [("%", {"Dr Full 100% Sure"}), ("_", {"Dr Rosa Plain"})]
)
def test_mentor_with_room_search_is_literal(client, auth, searchable, q, expected):
    *_, admin, _mentors, (ana, _ben, _cy), run = searchable
    auth.login(admin)
    proposal = db.session.scalar(
        db.select(Proposal).filter_by(run_id=run.id, application_id=ana.id)
    )
    page = client.get(f"/admin/proposals/{proposal.id}", query_string={"mentor_q": q}).text
    found = re.search(r'<ul class="list-group mt-2">(.*?)</ul>', page, re.S).group(1)
    assert {name for name in MENTORS if name in html.unescape(found)} == expected
