"""What the admin reads when reviewing matching: the run's header in plain words (the technical
detail behind a disclosure), scores as points of 100 everywhere, and languages by name."""

import re

import pytest
from conftest import RESEARCH_RUN, accept_offers

from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import Match, MatchRun, Proposal


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
    return runs.run_matching(cycle, {**RESEARCH_RUN, **changes}, actor=admin)


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


# --- one score scale: points of 100 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "total", "expected"),
    [
        ([0.25, 0.3, 0.29], 84, [25, 30, 29]),
        ([0.3333, 0.3333, 0.3334], 100, [33, 33, 34]),
        ([0.004, 0.004, 0.004, 0.0], 1, [1, 0, 0, 0]),  # ties: the first criterion
        ([0.126, 0.127, 0.0], 25, [12, 13, 0]),
        ([], 0, []),
    ],
)
def test_whole_points_add_up_to_the_score_shown(parts, total, expected):
    from mri_match.matches.scores import whole_points

    assert whole_points(parts, total) == expected
    assert sum(whole_points(parts, total)) == total


def decimals(page: str) -> list[str]:
    """Numbers written as fractions (0.84, +0.25): no score belongs on a page that way (the
    seconds a run took are not a score)."""
    body = page.split('<main id="main"')[1].split("</main>")[0]
    return re.findall(r"(?<![\d.])[+]?0\.\d+(?!\d* seconds)", re.sub(r"<[^>]+>", " ", body))


def test_the_proposal_page_gives_the_score_and_each_criterion_in_points_of_100(
    client, admin, cycle
):
    run = run_of(cycle, admin)
    ana = proposal_of(run, "Ana Okafor")
    page = text(client.get(f"/admin/proposals/{ana.id}"))
    total = round(ana.score * 100)
    lead = re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1)
    lead = re.sub(r"<[^>]+>", "", lead)
    assert lead.startswith(f"Score {total} of 100: ")
    assert re.fullmatch(r"Score \d+ of 100: ([A-Za-z ]+ \d+ points?(; )?)+", lead), lead
    table = page.split("Each criterion&#39;s points towards the score")[1].split("</table>")[0]
    points = [int(n) for n in re.findall(r'<td class="text-end">(\d+)</td>', table)]
    assert sum(points) == total and len(points) > 3
    assert f'<td class="text-end"><strong>{total}</strong></td>' in table
    # the statements' similarity in words, with the words they share
    assert re.search(r"closest statement|Close to|Somewhat related|in common", table)
    assert "words they share most" in table
    assert decimals(page) == [], decimals(page)
    for alternative in ana.alternatives:
        assert f"<td>{round(alternative['score'] * 100)}</td>" in page


def test_run_match_and_run_list_pages_show_scores_of_100(client, admin, cycle):
    run = run_of(cycle, admin)
    ana = proposal_of(run, "Ana Okafor")
    client.post(f"/admin/proposals/{ana.id}/confirm")
    pages = [
        text(client.get(f"/admin/runs/{run.id}")),
        text(client.get(f"/admin/cycles/{cycle.slug}/runs")),
        text(client.get(f"/admin/cycles/{cycle.slug}/matches")),
    ]
    match = db.session.scalar(db.select(Match))
    pages.append(text(client.get(f"/admin/matches/{match.id}")))
    for page in pages:
        assert decimals(page) == [], decimals(page)
    assert f"{round(match.score * 100)} of 100" in pages[-1]
    assert "Score of 100" in pages[0] and "Average score of 100" in pages[1]


# --- languages by name --------------------------------------------------------------------------


def test_languages_are_named_on_every_page_that_shows_them(client, auth, admin, cycle):
    # weighed enough to be among the reasons the trainee's page lists
    run = run_of(cycle, admin, weights={**RESEARCH_RUN["weights"], "languages": 5})
    ana = proposal_of(run, "Ana Okafor")
    proposal_page = text(client.get(f"/admin/proposals/{ana.id}"))
    assert "Both speak English, Spanish" in proposal_page
    assert "English, Spanish" in proposal_page.split('id="trainee-heading"')[1]
    client.post(f"/admin/proposals/{ana.id}/confirm")
    (match,) = accept_offers()
    pages = {
        "proposal": proposal_page,
        "admin match": text(client.get(f"/admin/matches/{match.id}")),
        "application": text(client.get(f"/admin/applications/{ana.application_id}")),
        "mentor": text(client.get(f"/admin/mentors/{match.mentor_id}")),
    }
    auth.logout()
    auth.login(match.application.trainee)
    pages["trainee's match"] = text(client.get(f"/matches/{match.id}"))
    for name, page in pages.items():
        body = re.sub(r"<[^>]+>", " ", page.split('<main id="main"')[1])
        assert not re.search(r"\b(en|es)\b", body), name
        assert "English" in body and "Spanish" in body, name


def test_the_labels_filter_names_one_code_or_many():
    from mri_match.vocabulary import LANGUAGES, labels

    assert labels(["es", "yo"], LANGUAGES) == "Spanish, Yoruba"
    assert labels("en", LANGUAGES) == "English"
    assert labels(None, LANGUAGES) == ""
    assert labels(["en", "ht"], LANGUAGES, "; ") == "English; Haitian Creole"
