"""The front door answers, and the test factories build a cycle with its people."""


def test_home_page_invites_trainees_and_mentors(client):
    page = client.get("/").get_data(as_text=True)
    assert "Apply as a trainee" in page
    assert "Volunteer as a mentor" in page


def test_factories_build_a_cycle_with_people(factory):
    cycle = factory.cycle()
    application = factory.application(cycle=cycle, topics=["aml", "mds"])
    mentor = factory.mentor(cycle=cycle)
    assert application.topics == ["aml", "mds"]
    assert mentor.offers[0].capacity == 2
