"""The front door answers, and the test factories build a cycle with its people."""

import re


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


def test_every_page_names_an_icon_that_is_served(client):
    page = client.get("/").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert "/favicon.ico" in icons and len(icons) == 2
    for href in icons:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.mimetype.startswith("image/")
        response.close()
    ico = client.get("/favicon.ico")
    assert ico.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    ico.close()
