"""What the admin reads when reviewing matching: the run's header in plain words (the technical
detail behind a disclosure), scores as points of 100 everywhere, and languages by name."""

import re

import pytest

from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import MatchRun, Proposal

SETTINGS = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2, "languages": 2},
}


@pytest.fixture
def admin(factory, auth):
    user = factory.user("admin", email="admin@example.org")
    auth.login(user)
    return user


@pytest.fixture
def cycle(factory):
    """A closed cycle: two trainees and two mentors with a place each."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    factory.mentor(cycle=cycle, capacity=1, full_name="Dr Sickle", languages=["en", "es"])
    factory.mentor(
        cycle=cycle,
        capacity=1,
        full_name="Dr Leukemia",
        topics=["aml"],
        expertise_statement="Acute myeloid leukemia genomics and relapse.",
        languages=["fr"],
    )
    factory.application(cycle=cycle, full_name="Ana Okafor", languages=["es", "en"])
    factory.application(
        cycle=cycle,
        full_name="Ben Reyes",
        topics=["aml"],
        research_statement="I study acute myeloid leukemia genomics and relapse after therapy.",
        languages=["fr"],
    )
    return cycle


def run_of(cycle, admin, **changes) -> MatchRun:
    return runs.run_matching(cycle, {**SETTINGS, **changes}, actor=admin)


def proposal_of(run, name) -> Proposal:
    return next(p for p in run.proposals if p.application.full_name == name)


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def header(page: str) -> tuple[str, str]:
    """The run page's summary: what shows at once, and what is behind the disclosure."""
    summary = page.split('id="summary-heading"')[1].split("</section>")[0]
    shown, rest = summary.split("<details", 1)
    hidden, after = rest.split("</details>", 1)
    return shown + after, hidden


def test_run_page_says_the_result_in_plain_words_and_keeps_the_detail_behind_a_disclosure(
    client, admin, cycle
):
    run = run_of(cycle, admin)
    shown, hidden = header(text(client.get(f"/admin/runs/{run.id}")))
    assert "2 of 2 trainees have a proposed mentor." in shown
    assert "No other set of pairings matches more trainees or scores higher." in shown
    for jargon in ("certified", "optimal", "Model", run.model_version, "Objective: total"):
        assert jargon not in shown, jargon
    assert "<summary>How this run was made</summary>" in hidden
    assert "Certified optimal" in hidden and run.model_version in hidden
    assert "Match as many trainees as possible, then the best total score" in hidden


def test_fair_and_uncertified_runs_say_what_they_prove(client, admin, cycle):
    fair = run_of(cycle, admin, objective="fair")
    shown, _ = header(text(client.get(f"/admin/runs/{fair.id}")))
    assert "No other set of pairings matches more trainees or has a better lowest score." in shown
    fair.summary = {**fair.summary, "certified": False}
    db.session.commit()
    shown, hidden = header(text(client.get(f"/admin/runs/{fair.id}")))
    assert "could not prove that no better set of pairings exists" in shown
    assert "Not certified" in hidden


def resolve_button(page: str) -> str | None:
    found = re.search(r'<button type="submit"[^>]*>(Re-solve[^<]*)</button>', page)
    return found and found.group(1)


def test_resolve_is_offered_only_when_a_lock_or_a_rejection_can_change_the_result(
    client, admin, cycle
):
    run = run_of(cycle, admin)
    assert resolve_button(text(client.get(f"/admin/runs/{run.id}"))) is None

    ana = proposal_of(run, "Ana Okafor")
    client.post(f"/admin/proposals/{ana.id}/lock", data={"reason": ""})
    page = text(client.get(f"/admin/runs/{run.id}"))
    assert resolve_button(page) == "Re-solve the rest (keep locked pairs)"
    assert "1 locked" in page

    client.post(f"/admin/proposals/{ana.id}/unlock")
    ben = proposal_of(run, "Ben Reyes")
    client.post(f"/admin/proposals/{ben.id}/reject", data={"reason": "Known conflict"})
    assert resolve_button(text(client.get(f"/admin/runs/{run.id}"))) == "Re-solve the rest"
