"""Error pages: friendly, in the site's layout, and never a stack trace."""

import pytest


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "<main" in page


def test_unexpected_error_is_a_friendly_500(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


@pytest.mark.parametrize("path", ["/trainee/", "/mentor/", "/admin/"])
def test_role_pages_send_anonymous_users_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("trainee", "/trainee/"), ("mentor", "/mentor/"), ("admin", "/admin/")],
)
def test_each_role_sees_only_its_own_area(client, auth, factory, role, allowed):
    auth.login(factory.user(role))
    for path in ("/trainee/", "/mentor/", "/admin/"):
        status = client.get(path).status_code
        # A new mentor's home may first send them to fill in their profile.
        assert status in (200, 302) if path == allowed else status == 403, path
