"""Reviewing eligibility: next and previous on an application page, in the list's order and
with its filters, and one decision for several applications ticked on the list."""

import re

import pytest

from mri_match.extensions import db
from mri_match.models import Application, history


@pytest.fixture
def cycle(factory):
    return factory.cycle(slug="review")


@pytest.fixture
def people(factory, cycle):
    """Applications in one cycle, named so the list's order is plain; one has no name yet."""
    made = {
        name: factory.application(cycle=cycle, full_name=name, status=status, track=track)
        for name, status, track in [
            ("Ben Reyes", "submitted", "Resident"),
            ("ada Okafor", "submitted", "Medical student"),
            ("Cai Lin", "eligible", "Resident"),
            ("Dee Harris", "submitted", "Resident"),
            ("Eve Moss", "draft", "Resident"),
        ]
    }
    made[None] = factory.application(cycle=cycle, full_name=None, status="draft")
    factory.application(cycle=factory.cycle(slug="elsewhere"), full_name="Zed Elsewhere")
    return made


def page_of(client, application, query="") -> str:
    response = client.get(f"/admin/applications/{application.id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def neighbours(page: str) -> tuple[str | None, str | None, str | None]:
    nav = page.split('aria-label="Other applications in the list"')[1].split("</nav>")[0]
    previous = re.search(r'href="([^"]+)" rel="prev">← Previous: ([^<]+)<', nav)
    following = re.search(r'href="([^"]+)" rel="next">Next: ([^<]+) →<', nav)
    place = re.search(r"<span>(Application [^<]+)</span>", nav)
    return (
        previous and previous.group(2),
        following and following.group(2),
        place and place.group(1),
    )


def test_next_and_previous_follow_the_list_order(client, admin, people):
    # the list: (no name yet), ada Okafor, Ben Reyes, Cai Lin, Dee Harris, Eve Moss
    assert neighbours(page_of(client, people["ada Okafor"])) == (
        "(no name yet)",
        "Ben Reyes",
        "Application 2 of 6",
    )
    assert neighbours(page_of(client, people[None])) == (None, "ada Okafor", "Application 1 of 6")
    assert neighbours(page_of(client, people["Eve Moss"])) == (
        "Dee Harris",
        None,
        "Application 6 of 6",
    )


def test_next_and_previous_keep_the_lists_filters(client, admin, people):
    query = "?status=submitted&track=Resident&stage=bogus"
    page = page_of(client, people["Ben Reyes"], query)
    assert neighbours(page) == (None, "Dee Harris", "Application 1 of 2 in the filtered list")
    nav = page.split('aria-label="Other applications in the list"')[1].split("</nav>")[0]
    link = re.search(r'href="([^"]+)" rel="next"', nav).group(1).replace("&amp;", "&")
    assert link.startswith(f"/admin/applications/{people['Dee Harris'].id}?")
    assert "status=submitted" in link and "track=Resident" in link
    assert "bogus" not in link  # an unknown filter value is dropped, as the list drops it
    back = page.split('class="breadcrumb"')[1].split("</ol>")[0]
    assert "/admin/cycles/review/applications?" in back and "status=submitted" in back


def test_a_decision_keeps_the_filters_and_the_next_application_is_still_there(
    client, admin, people
):
    ben = people["Ben Reyes"]
    response = client.post(
        f"/admin/applications/{ben.id}/eligibility?status=submitted&track=Resident",
        data={"decision": "eligible", "reason": ""},
    )
    location = response.headers["Location"]
    assert location.startswith(f"/admin/applications/{ben.id}?")
    assert "status=submitted" in location and "track=Resident" in location
    # Ben is eligible now, so out of this list; the way on is still there
    page = client.get(location).get_data(as_text=True)
    assert neighbours(page) == (None, "Dee Harris", None)


def test_the_list_links_each_application_with_its_filters(client, admin, people):
    page = client.get("/admin/cycles/review/applications?status=submitted").get_data(as_text=True)
    assert f'href="/admin/applications/{people["Dee Harris"].id}?status=submitted"' in page


def bulk(client, ids, query="", **data):
    return client.post(
        f"/admin/cycles/review/applications/decide{query}", data={"application": ids, **data}
    )


def test_ticked_applications_are_marked_eligible_together_each_in_its_history(
    client, admin, people
):
    page = client.get("/admin/cycles/review/applications").get_data(as_text=True)
    ticks = re.findall(r'name="application" value="(\d+)" form="bulk-form"', page)
    decidable = ["ada Okafor", "Ben Reyes", "Cai Lin", "Dee Harris"]
    assert sorted(map(int, ticks)) == sorted(people[n].id for n in decidable)

    chosen = [people["ada Okafor"], people["Ben Reyes"], people["Cai Lin"]]
    response = bulk(client, [a.id for a in chosen], "?status=submitted", decision="eligible")
    assert response.headers["Location"] == "/admin/cycles/review/applications?status=submitted"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 applications marked eligible; 1 already were." in page
    db.session.expire_all()
    assert [a.status for a in chosen] == ["eligible"] * 3
    for application in chosen[:2]:
        [event] = history(application)
        assert (event.from_state, event.to_state, event.actor_id) == (
            "submitted",
            "eligible",
            admin.id,
        )
    assert people["Dee Harris"].status == "submitted"


def test_marking_ticked_applications_ineligible_asks_first_then_records_the_reason(
    client, admin, people
):
    chosen = [people["Ben Reyes"], people["Dee Harris"]]
    ids = [a.id for a in chosen]
    response = bulk(client, ids, decision="ineligible", reason="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give a reason when marking an application ineligible." in page
    assert all(f'value="{i}" form="bulk-form" id="select-{i}" checked' in page for i in ids)

    reason = "Outside the career stages of the program."
    response = bulk(client, ids, "?track=Resident", decision="ineligible", reason=reason)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Mark 2 applications ineligible?</h1>" in page
    assert "What will happen" in page and "Ben Reyes" in page and "Dee Harris" in page
    assert reason in page
    assert 'href="/admin/cycles/review/applications?track=Resident">Cancel' in page
    db.session.expire_all()
    assert [a.status for a in chosen] == ["submitted", "submitted"]

    response = bulk(client, ids, decision="ineligible", reason=reason, confirmed="yes")
    assert response.status_code == 302
    db.session.expire_all()
    for application in chosen:
        assert (application.status, application.status_reason) == ("ineligible", reason)
        [event] = history(application)
        assert (event.to_state, event.reason, event.actor_id) == ("ineligible", reason, admin.id)


def test_a_batch_with_one_undecidable_application_changes_nothing(client, admin, people):
    ids = [people["Ben Reyes"].id, people["Eve Moss"].id]  # Eve's is still a draft
    response = bulk(client, ids, decision="eligible")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only submitted applications can be decided, so not: Eve Moss." in page
    assert "Nothing was changed." in page
    db.session.expire_all()
    assert people["Ben Reyes"].status == "submitted" and history(people["Ben Reyes"]) == []


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Tick at least one application in the list."),
        (["x", "²"], "Tick at least one application in the list."),
    ],
)
def test_a_batch_without_ticks_is_refused_beside_the_list(client, admin, people, ids, message):
    response = bulk(client, ids, decision="eligible")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page.split('id="application-error"')[1]
    assert '<table class="table table-striped align-middle" id="application">' in page


def test_applications_of_another_cycle_cannot_be_decided_from_this_list(client, admin, people):
    other = db.session.scalar(db.select(Application).filter_by(full_name="Zed Elsewhere"))
    response = bulk(client, [people["Ben Reyes"].id, other.id], decision="eligible")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no longer in this cycle" in page
    db.session.expire_all()
    assert other.status == "submitted" and people["Ben Reyes"].status == "submitted"
