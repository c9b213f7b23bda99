"""The program health page: states with their rules, filter, sort, CSV, charts, and a number
of statements that does not grow with the pairs."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import time_machine
from mentorship_helpers import active_pair
from test_query_counts import count_statements

from mri_match.extensions import db
from mri_match.mentorship.services import answer_checkin, log_meeting
from mri_match.models import Match

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _pairs(factory, cycle, n):
    return [active_pair(factory, accepted_at=T0, cycle=cycle) for _ in range(n)]


def _world(factory):
    """Four research pairs: met and checked in, met without check-ins, never met, offered."""
    cycle = factory.cycle(status="matching", slug="spring")
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        on_track, needs, quiet, waiting = _pairs(factory, cycle, 4)
        waiting.status, waiting.accepted_at = "offered", None
        for pair in (on_track, needs):
            log_meeting(
                pair,
                person=pair.application.trainee,
                held_on=date(2026, 3, 4),
                minutes=40,
                format="video",
            )
        answer_checkin(on_track, person=on_track.application.trainee, rating=5, comment=None)
        answer_checkin(on_track, person=on_track.mentor.user, rating=4, comment=None)
        db.session.commit()
    return cycle, on_track, needs, quiet, waiting


def test_each_pair_in_its_state_with_the_rules_written(client, admin, factory):
    cycle, on_track, needs, quiet, waiting = _world(factory)
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        page = client.get(f"/admin/cycles/{cycle.slug}/health").get_data(as_text=True)
    for text in ("On track: 2", "Needs a check-in: 1", "Waiting for acceptance: 1", "At risk: 0"):
        assert text in page.replace("</a>", ""), text
    assert "14 days&#39; grace" in page and "no meeting for 28 days" in page
    assert "Check-in due from the trainee" in page
    assert f"/admin/matches/{needs.id}/timeline" in page
    assert "<svg" in page and "Meetings per month" in page and "March 2026" in page
    # The clock moves: the pair that never met is past its 21 days and at risk.
    with time_machine.travel(T0 + timedelta(days=22), tick=False):
        page = client.get(f"/admin/cycles/{cycle.slug}/health?state=at_risk").get_data(as_text=True)
    assert quiet.application.full_name in page and "No first meeting by 23 Mar 2026" in page
    assert on_track.application.full_name not in page


def test_sorting_and_the_csv_follow_the_filter(client, admin, factory):
    cycle, on_track, needs, quiet, waiting = _world(factory)
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        page = client.get(f"/admin/cycles/{cycle.slug}/health?sort=state").get_data(as_text=True)
        assert page.index(quiet.application.full_name) < page.index(on_track.application.full_name)
        response = client.get(f"/admin/cycles/{cycle.slug}/health.csv?state=at_risk")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["Match ID"] for r in rows] == [str(quiet.id)]
    assert rows[0]["State"] == "At risk" and "No first meeting" in rows[0]["Reasons"]
    assert client.get(f"/admin/cycles/{cycle.slug}/health?role=nonsense&sort=x").status_code == 200


def test_career_pairs_use_the_career_cadence(client, admin, factory):
    cycle = factory.cycle(status="matching", checkin_interval_days=90)
    with time_machine.travel(T0, tick=False):
        pair = active_pair(factory, accepted_at=T0, cycle=cycle, role="career")
        log_meeting(
            pair, person=pair.mentor.user, held_on=T0.date(), minutes=30, format="in_person"
        )
        answer_checkin(pair, person=pair.mentor.user, rating=4, comment=None)
        answer_checkin(pair, person=pair.application.trainee, rating=4, comment=None)
        db.session.commit()
    url = f"/admin/cycles/{cycle.slug}/health?role=career"
    with time_machine.travel(T0 + timedelta(days=56 + 14), tick=False):
        assert "On track: 1" in client.get(url).get_data(as_text=True).replace("</a>", "")
    with time_machine.travel(T0 + timedelta(days=56 + 15), tick=False):
        assert "At risk: 1" in client.get(url).get_data(as_text=True).replace("</a>", "")


def test_the_page_costs_the_same_statements_for_few_and_many_pairs(client, admin, factory):
    counts = []
    for n in (2, 25):
        cycle = factory.cycle(status="matching")
        with time_machine.travel(T0, tick=False):
            for pair in _pairs(factory, cycle, n):
                log_meeting(
                    pair,
                    person=pair.application.trainee,
                    held_on=T0.date(),
                    minutes=30,
                    format="video",
                )
                answer_checkin(pair, person=pair.mentor.user, rating=3, comment="fine")
            db.session.commit()
        with count_statements() as seen:
            assert client.get(f"/admin/cycles/{cycle.slug}/health").status_code == 200
        counts.append(len(seen))
        with count_statements() as seen:
            client.get(f"/admin/matches/{db.session.scalar(db.select(Match.id))}/timeline")
    assert counts[1] <= counts[0], counts


def test_admins_set_the_cadences_and_the_page_follows(client, admin, factory):
    cycle = factory.cycle(status="matching")
    url = f"/admin/cycles/{cycle.slug}/after-match-settings"
    page = client.get(url).get_data(as_text=True)
    assert 'value="28"' in page and 'value="56"' in page and 'value="21"' in page
    refused = client.post(url, data={"first_meeting_days": "0", "research_cadence_days": "x"})
    assert refused.status_code == 400
    assert "Between 1 and 120 days." in refused.get_data(as_text=True)
    fields = {
        "first_meeting_days": "14",
        "research_cadence_days": "21",
        "career_cadence_days": "42",
        "meeting_grace_days": "7",
        "checkin_interval_days": "30",
    }
    assert client.post(url, data=fields).status_code == 302
    db.session.refresh(cycle)
    assert (cycle.first_meeting_days, cycle.cadence_days("research")) == (14, 21)
    page = client.get(f"/admin/cycles/{cycle.slug}/health").get_data(as_text=True)
    assert "no meeting for 21 days" in page and "more than 14 days ago" in page


def test_demo_pairs_fill_the_health_page(app, client, factory):
    from mri_match.demo import ADMIN_EMAIL, make_plan, write_plan
    from mri_match.matches import runs
    from mri_match.models import MatchRun, User

    cycle = write_plan(make_plan(30, 15, seed=3))
    cycle.status = "closed"
    db.session.commit()
    admin = db.session.scalar(db.select(User).filter_by(email=ADMIN_EMAIL))
    runs.run_matching(
        cycle,
        {
            "role": "research",
            "objective": "total",
            "same_institution": "ignore",
            "must_have": [],
            "min_score": 0.0,
            "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
        },
        actor=admin,
    )
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo-pairs"])
    assert result.exit_code == 0, result.output
    pairs = db.session.scalar(db.select(db.func.count()).select_from(Match))
    assert pairs > 10 and f"{pairs} pairs" in result.output
    assert runner.invoke(args=["seed-demo-pairs"]).exit_code != 0  # once only
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": "demo-password-2026"})
    page = client.get(f"/admin/cycles/{cycle.slug}/health").get_data(as_text=True)
    assert f"{pairs} pairs" in page and "At risk" in page
    assert db.session.get(MatchRun, 1).status == "done"


def test_the_cycle_page_sums_up_its_pairs(client, admin, factory):
    cycle, *_ = _world(factory)
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        page = client.get(f"/admin/cycles/{cycle.slug}").get_data(as_text=True)
    assert "1 on track, 1 needing a check-in, 1 at risk, 1 waiting for acceptance." in page
