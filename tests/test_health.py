"""The program health page: states with their rules, filter, sort, CSV, charts, and a number
of statements that does not grow with the pairs."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import time_machine
from mentorship_helpers import active_pair, stored_summary, summary_from_rows
from test_query_counts import count_statements

from mri_match.extensions import db
from mri_match.mentorship.health import SORTS, chosen_rows, health_table, overview, state_counts
from mri_match.mentorship.pairs import HEALTH_STATES, pair_states
from mri_match.mentorship.services import answer_checkin, log_meeting
from mri_match.models import CheckIn, Match, Meeting, RematchRequest, refresh_pair_summaries

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


def test_the_page_costs_the_same_statements_for_few_and_many_pairs(app, client, admin, factory):
    app.config["PER_PAGE"] = 5
    urls = (
        "/health",
        "/health?sort=trainee",
        "/health?state=needs_checkin&sort=last_meeting",
        "/health?sort=mentor&page=2",
        "/health.csv",
        "/health.csv?state=on_track&sort=trainee",
        "",  # the cycle page's line of pairs per state
    )
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
        seen_per_url, slug = {}, cycle.slug
        for url in urls:
            with count_statements() as seen:
                response = client.get(f"/admin/cycles/{slug}{url}")
                body = response.get_data(as_text=True)  # a streamed CSV reads as it is sent
            assert response.status_code == 200 and ("Trainee" if url else "on track") in body, url
            seen_per_url[url] = len(seen)
        counts.append(seen_per_url)
    for url in urls:
        assert counts[1][url] <= counts[0][url], (url, counts)
    # The user, the cycle, the pairs with their counts and chart, the meetings per month.
    assert counts[1]["/health"] <= 4, counts


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


def _boundary_world(factory):
    """Pairs of both roles on the rules' edges: met or not, quiet, checked in long ago or
    lately, rated low, asking for another match, waiting, ended."""
    cycle = factory.cycle(status="matching", slug="edges")
    pairs = []
    for role in ("research", "career"):
        never_met, met_once, met_often, checked, low, asking, offered, ended = (
            active_pair(factory, accepted_at=T0 + timedelta(hours=14), cycle=cycle, role=role)
            for _ in range(8)
        )
        offered.status, offered.accepted_at = "offered", None
        ended.status = "ended"
        for pair, days in (
            (met_once, [3]),
            (met_often, [3, 30, 60, 90]),
            (checked, [10]),
            (low, [5]),
            (asking, [5]),
        ):
            for day in days:
                db.session.add(
                    Meeting(
                        match=pair,
                        held_on=T0.date() + timedelta(days=day),
                        minutes=30,
                        format="video",
                    )
                )
        for side, days in (("trainee", 12), ("mentor", 40)):
            db.session.add(
                CheckIn(
                    match=checked,
                    side=side,
                    rating=4,
                    answered_at=T0 + timedelta(days=days, hours=23),
                )
            )
        db.session.add(CheckIn(match=low, side="mentor", rating=5, answered_at=T0))
        db.session.add(
            CheckIn(match=low, side="trainee", rating=2, answered_at=T0 + timedelta(days=6))
        )
        db.session.add(RematchRequest(match=asking, reason="Not a good fit", status="open"))
        pairs += [never_met, met_once, met_often, checked, low, asking, offered, ended]
    db.session.flush()
    refresh_pair_summaries(Match.cycle_id == cycle.id)
    db.session.commit()
    assert [stored_summary(pair) for pair in pairs] == [summary_from_rows(pair) for pair in pairs]
    return cycle, pairs


def test_the_database_and_the_rules_in_python_agree_on_every_day(app, factory):
    """health_sql (which the page counts, filters and sorts by) and PairState.health (which the
    reminders and the reasons use) give every pair the same state, day after day across the
    first-meeting deadline, the cadences plus grace and the check-in interval."""
    cycle, pairs = _boundary_world(factory)
    seen = set()
    for day in range(0, 150):
        today = T0.date() + timedelta(days=day)
        table = health_table(cycle, today)
        in_sql = dict(db.session.execute(db.select(table.c.match_id, table.c.health)).all())
        in_python = {s.match_id: s.health(today) for s in pair_states(cycle_id=cycle.id)}
        assert in_sql == in_python, today
        seen |= set(in_sql.values())
    assert seen == set(HEALTH_STATES)
    # The page's filter and counts read the same states as the reasons shown for them.
    for role in ("research", "career"):
        with time_machine.travel(T0 + timedelta(days=25), tick=False):
            found = overview(
                health_table(cycle, T0.date() + timedelta(days=25), role), None, "state", 0, 50
            )
        assert sum(found.counts.values()) == 8
        assert found.counts["at_risk"] == 3 and found.counts["ended"] == 1


def test_the_table_is_paged_and_the_csv_has_every_pair_in_the_same_order(
    app, client, admin, factory
):
    app.config["PER_PAGE"] = 3
    cycle, pairs = _boundary_world(factory)
    url = f"/admin/cycles/{cycle.slug}/health"
    with time_machine.travel(T0 + timedelta(days=25), tick=False):
        for query in ("?sort=trainee", "?sort=last_meeting", "?state=at_risk&sort=mentor", ""):
            response = client.get(f"{url}.csv{query}")
            exported = [
                r["Match ID"]
                for r in csv.DictReader(
                    io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))
                )
            ]
            shown, number, more = [], 1, True
            while more:  # page after page, as long as there is a next one
                page = client.get(f"{url}{query}{'&' if query else '?'}page={number}")
                text = page.get_data(as_text=True)
                shown += re.findall(r"/admin/matches/(\d+)/timeline", text)
                number, more = number + 1, ">Next</a>" in text
            assert shown == exported, query
        assert len(exported) == 8  # the research pairs, every state
        page = client.get(f"{url}?sort=trainee").get_data(as_text=True)
        assert len(re.findall(r"/admin/matches/\d+/timeline", page)) == 3
        assert 'aria-label="Pages"' in page and "8 pairs" in page
        last = client.get(f"{url}?page=99").get_data(as_text=True)  # past the end: the last page
        assert len(re.findall(r"/admin/matches/\d+/timeline", last)) == 2
        assert 'aria-current="page">3<' in last
        names = client.get(f"{url}.csv?sort=trainee").get_data(as_text=True).splitlines()[1:]
    trainees = [line.split(",")[1] for line in names]
    assert trainees == sorted(trainees, key=str.lower) and len(trainees) == 8


def test_each_state_and_order_pages_the_list_the_csv_reads(app, factory):
    """Every page :func:`overview` picks with ORDER BY and LIMIT is the slice of the whole list
    in that state and order (the CSV's statement), and its counts are every pair's."""
    cycle, pairs = _boundary_world(factory)
    table = health_table(cycle, T0.date() + timedelta(days=25), "research")
    counts = state_counts(table)
    assert sum(counts.values()) == 8
    for state in (None, *HEALTH_STATES):
        for sort in SORTS:
            listed = [row.match_id for row in db.session.execute(chosen_rows(table, state, sort))]
            assert len(listed) == (counts[state] if state else 8)
            for offset in (0, 3, 6):
                found = overview(table, state, sort, offset, 3)
                assert found.counts == counts
                assert sum(n for _bucket, n in found.first_meetings) == 5  # the pairs that met
                shown = [row.match_id for row in found.rows]
                assert shown == listed[offset : offset + 3], (state, sort, offset)
