"""The signed-in user: loaded by a plain lookup, or with a view's page query in one statement
(``loads_signed_in_user``), and a deleted account's session ends either way."""

import pytest
from flask import g
from flask_login import current_user, login_required
from test_query_counts import count_statements

from mri_match.access import loads_signed_in_user, prefetched_rows
from mri_match.extensions import db
from mri_match.models import User, utcnow


@pytest.fixture
def app(make_app):
    """The app, with a probe page whose query looks up the user too and records each run."""
    app = make_app()
    app.page_query_calls = []

    def page_query(user_id):
        app.page_query_calls.append(user_id)
        return User.for_session(user_id), [f"rows of {user_id}"]

    def other_query(user_id):
        return User.for_session(user_id), ["not this page's"]

    @app.route("/_probe/page", methods=["GET", "POST"])
    @loads_signed_in_user(page_query)
    @login_required
    def page():
        return {
            "user": current_user.id,
            "other": prefetched_rows(other_query),  # another query's rows: none, none taken
            "rows": prefetched_rows(page_query),
            "again": prefetched_rows(page_query),  # taken once
        }

    @app.get("/_probe/unread")
    @loads_signed_in_user(page_query)
    @login_required
    def unread():
        return "the rows are not taken"

    with app.app_context():
        yield app


def _get(client, path):
    """A request that loads its user as a browser's would: the tests hold one app context
    open, where Flask-Login keeps the last request's user on ``g``."""
    g.pop("_login_user", None)
    return client.get(path)


def test_get_loads_the_user_with_the_page_rows_and_post_loads_the_user_alone(
    app, client, factory, auth
):
    user = factory.user("trainee")
    auth.login(user)

    page = _get(client, "/_probe/page").json
    assert page == {"user": user.id, "rows": [f"rows of {user.id}"], "other": None, "again": None}
    assert app.page_query_calls == [user.id]

    g.pop("_login_user", None)
    page = client.post("/_probe/page").json  # not a page view: the plain lookup, no rows
    assert page == {"user": user.id, "rows": None, "other": None, "again": None}
    assert app.page_query_calls == [user.id]


def test_rows_an_earlier_request_left_are_never_read(app, client, factory, auth):
    auth.login(factory.user("trainee"))
    assert _get(client, "/_probe/unread").status_code == 200  # rows fetched, not taken
    # the held app context keeps the user on g, so this request's loader does not run
    page = client.get("/_probe/page").json
    assert page["rows"] is None and len(app.page_query_calls) == 1


def test_signed_out_visitor_never_runs_the_page_query(app, client):
    response = client.get("/_probe/page")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert app.page_query_calls == []


def test_the_trainee_dashboard_is_one_statement_user_included(app, client, factory, auth):
    trainee = factory.user("trainee")
    applied = factory.cycle(name="Spring 2026")
    factory.application(cycle=applied, trainee=trainee, status="draft")
    factory.cycle(name="Autumn 2026")
    auth.login(trainee)
    with count_statements() as seen:
        page = _get(client, "/trainee/").get_data(as_text=True)
    assert len(seen) == 1, seen
    assert "Spring 2026" in page and "Autumn 2026" in page
    assert "/trainee/cycles/" in page  # Autumn is offered; Spring is listed as an application
    assert page.count("Start application") == 1


def test_a_deleted_account_s_session_ends_on_the_dashboard(app, client, factory, auth):
    trainee = factory.user("trainee")
    factory.cycle(name="Spring 2026")
    auth.login(trainee)
    assert _get(client, "/trainee/").status_code == 200
    trainee.deleted_at = utcnow()
    db.session.commit()
    response = _get(client, "/trainee/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_other_roles_are_still_refused_the_trainee_dashboard(client, factory, auth):
    factory.cycle(name="Spring 2026")
    auth.login(factory.user("mentor"))
    assert _get(client, "/trainee/").status_code == 403
