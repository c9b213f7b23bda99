"""Views marked read_only read on an autocommit connection (no BEGIN/ROLLBACK round trips)
and cannot write; every other request keeps its transaction."""

import pytest
from sqlalchemy import update

from mri_match.extensions import ReadOnlyViolation, db, read_only
from mri_match.models import Cycle


def _autocommit() -> bool:
    """Is this request's connection in autocommit mode, as the database driver sees it?"""
    dbapi = db.session.connection().connection.dbapi_connection
    if db.engine.dialect.name == "postgresql":
        return dbapi.autocommit
    return dbapi.isolation_level is None  # sqlite3's autocommit


@pytest.fixture
def probe_app(make_app):
    app = make_app()

    @app.route("/_probe/read", methods=["GET", "POST"])
    @read_only
    def read():
        names = db.session.execute(db.select(Cycle.name)).scalars().all()
        return {"autocommit": _autocommit(), "cycles": names}

    @app.get("/_probe/plain")
    def plain():
        return {"autocommit": _autocommit()}

    @app.get("/_probe/add")
    @read_only
    def add():
        db.session.add(Cycle(name="Sneaky", slug="sneaky"))
        db.session.commit()
        return "written"

    @app.get("/_probe/update")
    @read_only
    def bulk_update():
        db.session.execute(update(Cycle).values(name="Renamed"))
        db.session.commit()
        return "written"

    return app


def test_read_only_get_reads_in_autocommit_and_the_pool_gives_back_a_transactional_one(
    probe_app,
):
    client = probe_app.test_client()
    assert client.get("/_probe/read").json == {"autocommit": True, "cycles": []}
    # the same pooled connection, reset when it came back
    assert client.get("/_probe/plain").json == {"autocommit": False}
    assert client.post("/_probe/read").json["autocommit"] is False  # only safe methods
    assert client.get("/_probe/read").json["autocommit"] is True


@pytest.mark.parametrize("path", ["/_probe/add", "/_probe/update"])
def test_a_write_in_a_read_only_view_is_refused_and_nothing_is_written(probe_app, path):
    client = probe_app.test_client()
    with pytest.raises(ReadOnlyViolation):
        client.get(path)
    with probe_app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Cycle)).scalar() == 0


def test_the_dashboards_and_review_lists_are_read_only(app):
    for endpoint in (
        "trainee.dashboard",
        "mentor.dashboard",
        "admin.cycles",
        "admin.applications",
        "matches.run",
        "matches.cycle_matches",
    ):
        assert getattr(app.view_functions[endpoint], "read_only", False), endpoint
