"""Program reports and the equity audit: figures checked by hand, suppression, CSV and access."""

import contextlib
import re

import pytest
from sqlalchemy import event

from mri_match.extensions import db
from mri_match.models import (
    Application,
    Match,
    MatchRun,
    Proposal,
    SelfIdentification,
    User,
)
from mri_match.reports.equity import (
    Cell,
    equity_audit,
    read_consented_self_identification_for_run,
    suppress,
)
from mri_match.reports.funnel import funnel
from mri_match.reports.pairs import geography, meeting_formats
from mri_match.reports.scores import score_distribution
from mri_match.reports.topics import topic_balance

# --- a small hand-made cohort -------------------------------------------------------------------


def _run(cycle, role="research", status="done") -> MatchRun:
    run = MatchRun(cycle=cycle, role=role, model_version="test", status=status, settings={})
    db.session.add(run)
    db.session.commit()
    return run


def _propose(run, application, mentor=None, score=None) -> Proposal:
    proposal = Proposal(
        run=run,
        application_id=application.id,
        mentor_id=mentor.id if mentor else None,
        score=score,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def _match(cycle, application, mentor, role, score, status="active") -> Match:
    match = Match(
        cycle_id=cycle.id,
        application_id=application.id,
        mentor_id=mentor.id,
        role=role,
        score=score,
        status=status,
    )
    db.session.add(match)
    db.session.commit()
    return match


@pytest.fixture
def cohort(factory):
    """Eight trainees in every state, four mentors, three completed runs and a failed one.

    Hand-computed figures (see the tests):
      funnel      registered 8, submitted 6, eligible 3, proposed 4, confirmed 4
      topics      mds 1/0 (-1), sickle cell 2/2 (0), aml 2/3 (+1), gene therapy 0/2 (+2)
      scores      proposals 95, 82, 10; confirmed 95, 82, 100, 10
      meeting     virtual 2, in person 1, either 1 (of 4 pairs)
      geography   institution 1, city 1, country 1, abroad 1
    """
    cycle = factory.cycle(status="matching", closes_in_days=-1)
    other = factory.cycle(status="open")
    admin = factory.user("admin")
    hopkins = factory.mentor(
        cycle=cycle, capacity=2, topics=["sickle-cell-disease", "gene-therapy"]
    )
    howard = factory.mentor(
        cycle=cycle,
        capacity=3,
        topics=["aml"],
        institution="Howard University",
        city="Washington",
        region="DC",
    )
    montreal = factory.mentor(
        cycle=cycle,
        capacity=4,
        topics=["aml", "sickle-cell-disease"],
        institution="Université de Montréal",
        city="Montréal",
        region="QC",
        country="Canada",
    )
    montreal.offers[0].status = "paused"  # a paused offer gives no places
    factory.mentor(cycle=other, capacity=5, topics=["mds"])  # another cycle's offer
    db.session.commit()

    app = factory.application
    a1 = app(cycle=cycle, status="draft", topics=["sickle-cell-disease"])
    a2 = app(
        cycle=cycle,
        status="submitted",
        topics=["sickle-cell-disease", "aml"],
        institution="Georgetown University",
        requested_roles=["research", "career"],
    )
    a3 = app(cycle=cycle, status="eligible", meeting_format="in_person")
    a4 = app(
        cycle=cycle,
        status="eligible",
        topics=["aml"],
        meeting_format="either",
        institution="  howard UNIVERSITY ",
    )
    a5 = app(cycle=cycle, status="ineligible", topics=["aml"])
    a6 = app(cycle=cycle, status="withdrawn")  # withdrawn after submitting
    a7 = app(cycle=cycle, status="withdrawn")
    a7.submitted_at = None  # withdrawn while still a draft
    a8 = app(cycle=cycle, status="eligible", topics=["mds"])
    app(cycle=other, status="eligible", topics=["mds"])  # another cycle
    db.session.commit()

    old = _run(cycle)
    _propose(old, a2, hopkins, 0.5)  # superseded by the next research run
    research = _run(cycle)
    _propose(research, a3, hopkins, 0.95)
    _propose(research, a4, howard, 0.82)
    _propose(research, a8)  # unmatched
    career = _run(cycle, role="career")
    _propose(career, a2, howard, 0.099)  # shown as 10
    failed = _run(cycle, status="failed")
    _propose(failed, a5, hopkins, 0.3)  # a failed run never counts

    _match(cycle, a3, hopkins, "research", 0.95)
    _match(cycle, a4, howard, "research", 0.82, status="ended")
    _match(cycle, a8, montreal, "career", 1.0)  # from an earlier career run
    _match(cycle, a2, howard, "career", 0.099)
    return {"cycle": cycle, "admin": admin, "research": research, "apps": [a1, a5, a6, a7]}


def test_funnel_counts_each_stage_by_its_definition(cohort):
    stages = funnel(cohort["cycle"])
    assert [(s.key, s.count) for s in stages] == [
        ("registered", 8),
        ("submitted", 6),
        ("eligible", 3),
        ("proposed", 4),
        ("confirmed", 4),
        ("waiting", 0),
    ]
    assert all(s.definition for s in stages)


def test_an_offer_waiting_for_the_mentor_counts_as_confirmed_and_as_waiting(cohort, factory):
    """An admin's confirmation makes an offer: confirmed, shown apart as waiting for the mentor.
    A declined or lapsed offer sent the trainee back to review and counts as neither."""
    cycle = cohort["cycle"]
    mentor = factory.mentor(cycle=cycle, capacity=3, topics=["aml"])
    waiting = factory.application(cycle=cycle, status="eligible", meeting_format="virtual")
    declined = factory.application(cycle=cycle, status="eligible")
    lapsed = factory.application(cycle=cycle, status="eligible")
    _match(cycle, waiting, mentor, "research", 0.55, status="offered")
    _match(cycle, declined, mentor, "research", 0.65, status="declined")
    _match(cycle, lapsed, mentor, "research", 0.75, status="expired")
    a3 = db.session.scalar(
        db.select(Application).filter_by(cycle_id=cycle.id, meeting_format="in_person")
    )
    _match(cycle, a3, mentor, "career", 0.45, status="offered")  # a3 is active for research

    stages = {s.key: (s.label, s.count) for s in funnel(cycle)}
    assert stages["registered"] == ("Registered", 11)
    assert stages["proposed"] == ("Proposed", 5)  # a confirmed trainee counts as proposed
    assert stages["confirmed"] == ("Confirmed", 5)  # a3 once, with its active and offered match
    assert stages["waiting"] == ("Waiting for the mentor", 2)

    bins = {b.label: b.confirmed for b in score_distribution(cycle)}
    assert bins["50–59"] == 1 and bins["40–49"] == 1  # the two offers
    assert bins["60–69"] == 0 and bins["70–79"] == 0  # not the declined or lapsed offer
    formats = {s.key: s.count for s in meeting_formats(cycle)}
    assert formats["virtual"] == 3 and sum(formats.values()) == 6


def test_topic_balance_sets_demand_against_active_places_shortage_first(cohort):
    rows = topic_balance(cohort["cycle"])
    assert [(r.topic, r.demand, r.places, r.gap) for r in rows] == [
        ("mds", 1, 0, -1),
        ("sickle-cell-disease", 2, 2, 0),
        ("aml", 2, 3, 1),
        ("gene-therapy", 0, 2, 2),
    ]
    assert rows[1].label == "Sickle cell disease"


def test_score_distribution_uses_latest_done_runs_and_confirmed_matches(cohort):
    bins = {b.label: (b.proposals, b.confirmed) for b in score_distribution(cohort["cycle"])}
    assert list(bins)[0] == "0–9" and list(bins)[-1] == "90–100" and len(bins) == 10
    assert bins["90–100"] == (1, 2)  # 95 | 95 and 100
    assert bins["80–89"] == (1, 1)  # 82
    assert bins["10–19"] == (1, 1)  # 0.099 rounds to 10 as everywhere else
    assert bins["50–59"] == (0, 0)  # the superseded run's 50 is not counted
    assert bins["30–39"] == (0, 0)  # nor the failed run's 30
    assert sum(p for p, _ in bins.values()) == 3 and sum(c for _, c in bins.values()) == 4


def test_meeting_format_share_of_confirmed_pairs(cohort):
    shares = {s.key: (s.count, s.percent) for s in meeting_formats(cohort["cycle"])}
    assert shares == {
        "in_person": (1, 25.0),
        "virtual": (2, 50.0),
        "either": (1, 25.0),
        "not_stated": (0, 0.0),
    }


def test_geography_takes_the_closest_level_per_pair(cohort):
    shares = {s.key: s.count for s in geography(cohort["cycle"])}
    assert shares == {
        "institution": 1,  # Howard and " howard UNIVERSITY "
        "city": 1,  # Georgetown and Howard, both Washington DC
        "region": 0,
        "country": 1,  # Howard trainee and Johns Hopkins
        "abroad": 1,  # Howard trainee and Montréal
        "unknown": 0,
    }


# --- pages, charts, CSV, access -----------------------------------------------------------------


REPORT_NAMES = ["funnel", "topics", "scores", "meeting", "geography"]


def test_report_page_shows_accessible_charts_with_tables(client, auth, cohort):
    auth.login(cohort["admin"])
    response = client.get(f"/admin/cycles/{cohort['cycle'].slug}/reports")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('role="img"') == len(REPORT_NAMES)
    for name in REPORT_NAMES:
        assert f'aria-labelledby="chart-{name}-title chart-{name}-desc"' in page
        assert f'<title id="chart-{name}-title">' in page
        assert f"/reports/{name}.csv" in page
    assert page.count("<caption>") == len(REPORT_NAMES)
    assert 'scope="col"' in page and 'scope="row"' in page
    assert "style=" not in page and "<script>" not in page
    assert "Venous" not in page  # only topics with demand or places
    assert re.search(r"<th scope=\"row\">MDS|<th scope=\"row\">Myelodysplastic", page)


def test_cycle_page_and_run_page_link_to_the_reports(client, auth, cohort):
    auth.login(cohort["admin"])
    cycle, run = cohort["cycle"], cohort["research"]
    assert f"/admin/cycles/{cycle.slug}/reports" in client.get(
        f"/admin/cycles/{cycle.slug}"
    ).get_data(as_text=True)
    assert f"/admin/runs/{run.id}/equity" in client.get(f"/admin/runs/{run.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "name, header",
    [
        ("funnel", "Stage,Trainees,Share of registered (%),Definition"),
        ("topics", "Topic,Trainee demand,Mentor places,Gap (places minus demand)"),
        ("scores", "Score band,Proposals,Confirmed matches"),
        ("meeting", "Trainee preference,Pairs,Share of pairs (%)"),
        ("geography", "Distance,Pairs,Share of pairs (%)"),
    ],
)
def test_each_report_downloads_as_csv(client, auth, cohort, name, header):
    auth.login(cohort["admin"])
    slug = cohort["cycle"].slug
    response = client.get(f"/admin/cycles/{slug}/reports/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{slug}-{name}.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff" + header + "\r\n")


def test_funnel_csv_has_hand_computed_rows(client, auth, cohort):
    auth.login(cohort["admin"])
    body = client.get(f"/admin/cycles/{cohort['cycle'].slug}/reports/funnel.csv").get_data(
        as_text=True
    )
    lines = body.lstrip("\ufeff").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["Registered", "8", "100.0"],
        ["Submitted", "6", "75.0"],
        ["Eligible", "3", "37.5"],
        ["Proposed", "4", "50.0"],
        ["Confirmed", "4", "50.0"],
        ["Waiting for the mentor", "0", "0.0"],
    ]


def test_unknown_report_is_not_found(client, auth, cohort):
    auth.login(cohort["admin"])
    assert client.get(f"/admin/cycles/{cohort['cycle'].slug}/reports/secret.csv").status_code == 404
    assert client.get("/admin/cycles/nope/reports").status_code == 404
    assert client.get("/admin/runs/9999/equity").status_code == 404


def _report_urls(cohort) -> list[str]:
    slug, run_id = cohort["cycle"].slug, cohort["research"].id
    return [
        f"/admin/cycles/{slug}/reports",
        f"/admin/cycles/{slug}/reports/funnel.csv",
        f"/admin/runs/{run_id}/equity",
        f"/admin/runs/{run_id}/equity.csv",
    ]


def test_trainees_and_mentors_cannot_see_reports(client, auth, factory, cohort):
    for role in ("trainee", "mentor"):
        user = factory.user(role)
        auth.login(user)
        for url in _report_urls(cohort):
            assert client.get(url).status_code == 403, (role, url)
        auth.logout()


def test_anonymous_visitors_are_sent_to_log_in(client, cohort):
    for url in _report_urls(cohort):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_empty_cycle_reports_render(client, auth, factory):
    cycle = factory.cycle()
    auth.login(factory.user("admin"))
    page = client.get(f"/admin/cycles/{cycle.slug}/reports").get_data(as_text=True)
    assert page.count('role="img"') == len(REPORT_NAMES)
    assert "No data yet." in page


# --- equity audit -------------------------------------------------------------------------------


def _person(factory, cycle, run, mentor, score=None, consent=True, **answers):
    """A trainee in the run with self-identification; matched when given a score."""
    application = factory.application(cycle=cycle, status="eligible")
    db.session.add(
        SelfIdentification(
            user_id=application.trainee_id, consent_use_for_matching=consent, **answers
        )
    )
    db.session.commit()
    _propose(run, application, mentor if score is not None else None, score)
    return application


@pytest.fixture
def audited(factory):
    """Ten consenting trainees and three who did not consent.

    Consenting: five women (matched 60, 70, 80, 90, 100; Black; first generation), four men
    (unmatched; Black; not first generation), one "prefer not" (unmatched; Black; not first
    generation). Not consenting: two men and a woman, matched at 20.
    """
    cycle = factory.cycle(status="matching", closes_in_days=-1)
    admin = factory.user("admin")
    mentor = factory.mentor(cycle=cycle, capacity=20)
    run = _run(cycle)
    black = {"race_ethnicity": ["black"]}
    for score in (0.6, 0.7, 0.8, 0.9, 1.0):
        _person(factory, cycle, run, mentor, score, gender_identity="woman",
                first_generation="yes", **black)  # fmt: skip
    for _ in range(4):
        _person(factory, cycle, run, mentor, gender_identity="man", first_generation="no", **black)
    _person(
        factory, cycle, run, mentor, gender_identity="prefer_not", first_generation="no", **black
    )
    for gender in ("man", "man", "woman"):
        _person(factory, cycle, run, mentor, 0.2, consent=False, gender_identity=gender,
                first_generation="yes", race_ethnicity=["white"])  # fmt: skip
    return {"cycle": cycle, "admin": admin, "run": run}


def _cells(audit, key) -> dict[str, dict]:
    dimension = next(d for d in audit.dimensions if d.key == key)
    return {cell.label: cell.public() for cell in dimension.cells}


def test_overall_run_figures_count_everyone(audited):
    audit = equity_audit(audited["run"])
    overall = audit.overall.public()
    # 13 trainees, 8 matched: 60, 70, 80, 90, 100 and three at 20.
    assert overall["people"] == 13
    assert overall["rate"] == 61.5
    assert overall["mean"] == 57.5
    assert overall["median"] == 65.0
    assert overall["minimum"] == 20.0
    consenting = audit.consenting.public()
    assert (consenting["people"], consenting["rate"]) == (10, 50.0)
    assert (consenting["mean"], consenting["median"], consenting["minimum"]) == (80.0, 80.0, 60.0)


def test_group_of_five_is_shown_and_group_of_four_suppressed(audited):
    gender = _cells(equity_audit(audited["run"]), "gender_identity")
    assert gender["Woman"] == {
        "label": "Woman",
        "suppressed": False,
        "scores_suppressed": False,
        "people": 5,
        "rate": 100.0,
        "mean": 80.0,
        "median": 80.0,
        "minimum": 60.0,
    }
    assert gender["Man"]["suppressed"] and gender["Man"]["people"] is None
    assert gender["Man"]["rate"] is None
    # The man group (4) and "prefer not" (1) hide together five people: nothing to subtract.
    assert gender["Prefer not to say"]["suppressed"]
    assert gender["Non-binary"]["suppressed"] and gender["No answer"]["suppressed"]


def test_only_consenting_people_are_counted(audited):
    audit = equity_audit(audited["run"])
    gender = _cells(audit, "gender_identity")
    assert gender["Woman"]["people"] == 5 and gender["Woman"]["minimum"] == 60.0
    race = _cells(audit, "race_ethnicity")
    assert race["Black or African American"]["people"] == 10
    assert race["White"]["suppressed"]
    people = read_consented_self_identification_for_run(audited["run"].id)
    assert len(people) == 10 and all("white" not in p.race_ethnicity for p in people)


def test_scores_are_hidden_when_fewer_than_five_were_matched(audited):
    first_gen = _cells(equity_audit(audited["run"]), "first_generation")
    assert first_gen["Yes"]["people"] == 5 and first_gen["Yes"]["mean"] == 80.0
    # Five people, none matched: the rate shows, score figures cannot.
    assert first_gen["No"]["people"] == 5 and first_gen["No"]["rate"] == 0.0
    assert first_gen["No"]["scores_suppressed"] and first_gen["No"]["mean"] is None


def test_complementary_cells_are_suppressed_so_totals_cannot_reveal_a_small_group():
    cells = [Cell("Woman", 6, 0), Cell("Man", 5, 0), Cell("Non-binary", 3, 0), Cell("Other", 0, 0)]
    suppress(cells)
    hidden = {c.label for c in cells if c.suppressed}
    # Non-binary (3) alone could be worked out as total minus the rest; Man (5) is hidden too.
    assert hidden == {"Man", "Non-binary", "Other"}
    assert sum(c.people for c in cells if c.suppressed) >= 5


def test_complementary_suppression_of_scores():
    cells = [
        Cell("A", 8, 6, scores=[0.5] * 6),
        Cell("B", 7, 5, scores=[0.6] * 5),
        Cell("C", 6, 2, scores=[0.9, 0.1]),
    ]
    suppress(cells)
    assert not any(c.suppressed for c in cells)
    # C's two scores could be recovered from the overall mean: B (the smallest) goes too.
    assert [c.scores_suppressed for c in cells] == [False, True, True]


def test_everything_hidden_when_no_complement_is_large_enough():
    cells = [Cell("A", 5, 0), Cell("B", 4, 0)]
    suppress(cells)
    assert all(c.suppressed for c in cells)


def test_equity_page_shows_aggregates_only(client, auth, audited):
    auth.login(audited["admin"])
    response = client.get(f"/admin/runs/{audited['run'].id}/equity")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "fewer than 5" in page
    assert "Gender identity" in page and "LGBTQ+" in page and "First generation" in page
    names = db.session.scalars(db.select(User.email).where(User.role == "trainee")).all()
    assert not any(email in page for email in names)
    assert "Trainee " not in page  # the factory's full names
    assert "style=" not in page and "<script>" not in page


def test_equity_csv_is_suppressed_too(client, auth, audited):
    auth.login(audited["admin"])
    response = client.get(f"/admin/runs/{audited['run'].id}/equity.csv")
    body = response.get_data(as_text=True)
    assert body.startswith(
        "\ufeffDimension,Group,People,Match rate (%),Mean score,Median score,Lowest score\r\n"
    )
    rows = [line.split(",") for line in body.splitlines()[1:]]
    gender = {r[1]: r for r in rows if r[0] == "Gender identity"}
    assert gender["Woman"][2:] == ["5", "100.0", "80.0", "80.0", "60.0"]
    assert gender["Man"][2:] == ["fewer than 5"] * 5


# --- no query per row ---------------------------------------------------------------------------


@contextlib.contextmanager
def count_statements():
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _world(factory, trainees: int):
    cycle = factory.cycle(status="matching", closes_in_days=-1)
    mentors = [factory.mentor(cycle=cycle, capacity=trainees) for _ in range(2)]
    run = _run(cycle)
    for i in range(trainees):
        mentor = mentors[i % 2]
        application = _person(
            factory, cycle, run, mentor, 0.5 + i / (4 * trainees),
            gender_identity="woman", race_ethnicity=["black"],
        )  # fmt: skip
        _match(cycle, application, mentor, "research", 0.5)
    return cycle, run


def test_report_pages_do_not_query_per_row(client, auth, factory):
    admin = factory.user("admin")
    counts = []
    for size in (5, 50):
        cycle, run = _world(factory, size)
        auth.login(admin)
        urls = [f"/admin/cycles/{cycle.slug}/reports", f"/admin/runs/{run.id}/equity"]
        urls += [f"/admin/cycles/{cycle.slug}/reports/{n}.csv" for n in REPORT_NAMES]
        found = []
        for url in urls:
            with count_statements() as seen:
                assert client.get(url).status_code == 200
            found.append(len(seen))
        counts.append(found)
        auth.logout()
    assert counts[0] == counts[1]


def test_viewing_the_equity_audit_is_in_the_access_log(client, auth, factory):
    from mri_match.models import MatchRun
    from mri_match.models.identity import SelfIdentificationAccess

    cycle = factory.cycle(status="matching")
    admin = factory.user("admin")
    run = MatchRun(cycle=cycle, role="research", model_version="test", status="done")
    db.session.add(run)
    db.session.commit()
    auth.login(admin)
    assert client.get(f"/admin/runs/{run.id}/equity").status_code == 200
    entry = db.session.scalar(db.select(SelfIdentificationAccess))
    assert (entry.viewer_id, entry.purpose) == (admin.id, "equity_audit")
    assert entry.detail == f"match run {run.id}"
