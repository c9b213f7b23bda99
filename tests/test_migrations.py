"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from mri_match import create_app
from mri_match.extensions import db
from mri_match.mentorship.pairs import summary_columns
from mri_match.models import Match, refresh_pair_summaries

BEFORE_EMAIL_CONFIRMATION = "f583e10b8ad3"


# SQLite cannot reflect expression indexes (ix_proposal_run_review_order), so there the
# comparison leaves that one index out and says so; PostgreSQL compares it like the others.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models(app_config, empty_database_url):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        try:
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "render_as_batch": True}
                )
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            assert "user" in inspect(db.engine).get_table_names()
        finally:
            downgrade(revision="base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()


def test_accounts_made_before_email_confirmation_count_as_confirmed(app_config, empty_database_url):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision=BEFORE_EMAIL_CONFIRMATION)
        try:
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        'INSERT INTO "user" (email, password_hash, role, active, created_at,'
                        " can_view_self_identification)"
                        " VALUES ('old@example.org', 'x', 'trainee', :yes, :at, :no)"
                    ),
                    {"yes": True, "no": False, "at": datetime(2025, 1, 2, 3, 4, 5)},
                )
            upgrade()
            with db.engine.connect() as conn:
                created, confirmed = conn.execute(
                    text('SELECT created_at, email_confirmed_at FROM "user"')
                ).one()
            assert confirmed is not None and confirmed == created
        finally:
            downgrade(revision="base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()


def _a_trainee_and_a_mentor(conn, at: datetime) -> None:
    """User 1's application 1 and user 2's mentor profile 1 in cycle 1, by plain SQL (with a
    session token once accounts have one)."""
    token = any(c["name"] == "session_token" for c in inspect(conn).get_columns("user"))
    conn.execute(
        text(
            'INSERT INTO "user" (id, email, password_hash, role, active, created_at,'
            f" can_view_self_identification{', session_token' if token else ''}) VALUES"
            f" (1, 't@example.org', 'x', 'trainee', :yes, :at, :no{', :t1' if token else ''}),"
            f" (2, 'm@example.org', 'x', 'mentor', :yes, :at, :no{', :t2' if token else ''})"
        ),
        {"yes": True, "no": False, "at": at, "t1": "t" * 32, "t2": "m" * 32},
    )
    conn.execute(
        text(
            "INSERT INTO cycle (id, name, slug, tracks, opens_at, closes_at, status,"
            " created_at) VALUES (1, 'C', 'c', '[]', :at, :at, 'matching', :at)"
        ),
        {"at": at},
    )
    conn.execute(
        text(
            "INSERT INTO application (id, cycle_id, trainee_id, status, full_name,"
            " needs, requested_roles, languages, wants_same_institution,"
            " wants_same_region, has_research_mentor, created_at, updated_at)"
            " VALUES (1, 1, 1, 'eligible', 'T', '[]', '[]', '[]', :no, :no, :no,"
            " :at, :at)"
        ),
        {"no": False, "at": at},
    )
    conn.execute(
        text(
            "INSERT INTO mentor_profile (id, user_id, full_name, institution,"
            " expertise_statement, stages_accepted, meeting_formats, languages,"
            " created_at, updated_at)"
            " VALUES (1, 2, 'M', 'I', 'E', '[]', '[]', '[]', :at, :at)"
        ),
        {"at": at},
    )


BEFORE_MENTOR_ACCEPTANCE = "efa56f2521ad"


def test_matches_confirmed_before_mentor_acceptance_count_as_accepted(
    app_config, empty_database_url
):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    at = datetime(2025, 3, 4, 5, 6, 7)
    with app.app_context():
        upgrade(revision=BEFORE_MENTOR_ACCEPTANCE)
        try:
            with db.engine.begin() as conn:
                _a_trainee_and_a_mentor(conn, at)
                conn.execute(
                    text(
                        'INSERT INTO "match" (cycle_id, application_id, mentor_id, role, status,'
                        " explanation, confirmed_at) VALUES"
                        " (1, 1, 1, 'research', 'active', '{}', :at),"
                        " (1, 1, 1, 'career', 'ended', '{}', :at)"
                    ),
                    {"at": at},
                )
            upgrade()
            with db.engine.connect() as conn:
                accepted = conn.execute(
                    text('SELECT role FROM "match" WHERE accepted_at = confirmed_at')
                ).all()
                unanswered = conn.execute(
                    text('SELECT role FROM "match" WHERE accepted_at IS NULL')
                ).all()
            assert [r.role for r in accepted] == ["research"]
            assert [r.role for r in unanswered] == ["career"]
            with db.engine.connect() as conn:  # mentors from before the question: not stated
                needs = conn.execute(text("SELECT needs_offered FROM mentor_profile")).all()
            assert [r.needs_offered for r in needs] == [None]
        finally:
            downgrade(revision="base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()


BEFORE_PAIR_SUMMARY = "08ce26942c83"


def test_matches_get_the_summary_of_their_meetings_and_check_ins(app_config, empty_database_url):
    """The backfill gives what :func:`refresh_pair_summaries` gives: the first and last meeting
    and their number, each side's latest check-in day (UTC) and the newest check-in's rating,
    the higher id among check-ins answered at the same moment."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    at = datetime(2025, 3, 4, 5, 6, 7)
    with app.app_context():
        upgrade(revision=BEFORE_PAIR_SUMMARY)
        try:
            postgres = db.engine.dialect.name == "postgresql"

            def moment(*args):  # naive UTC on SQLite, as the app stores it
                return datetime(*args, tzinfo=UTC if postgres else None)

            with db.engine.begin() as conn:
                _a_trainee_and_a_mentor(conn, at)
                conn.execute(
                    text(
                        'INSERT INTO "match" (id, cycle_id, application_id, mentor_id, role,'
                        " status, explanation, confirmed_at) VALUES"
                        " (1, 1, 1, 1, 'research', 'active', '{}', :at),"
                        " (2, 1, 1, 1, 'career', 'ended', '{}', :at)"
                    ),
                    {"at": at},
                )
                for day in (10, 5, 10):
                    conn.execute(
                        text(
                            "INSERT INTO meeting (match_id, held_on, minutes, format, created_at)"
                            " VALUES (1, :day, 30, 'video', :at)"
                        ),
                        {"day": date(2025, 3, day), "at": at},
                    )
                for checkin_id, side, rating, answered_at in (
                    (1, "trainee", 1, moment(2025, 3, 6, 12)),
                    (3, "trainee", 5, moment(2025, 3, 8, 23, 30)),
                    (2, "mentor", 2, moment(2025, 3, 8, 23, 30)),
                ):
                    conn.execute(
                        text(
                            "INSERT INTO check_in (id, match_id, side, rating, not_a_good_fit,"
                            " answered_at) VALUES (:id, 1, :side, :rating, :no, :at)"
                        ),
                        {"id": checkin_id, "side": side, "rating": rating, "no": False}
                        | {"at": answered_at},
                    )
            upgrade()
            read = db.select(Match.id, *summary_columns()).order_by(Match.id)
            with db.engine.connect() as conn:
                backfilled = [tuple(row) for row in conn.execute(read)]
            assert backfilled == [
                (1, date(2025, 3, 5), date(2025, 3, 10), 3, date(2025, 3, 8), date(2025, 3, 8), 5),
                (2, None, None, 0, None, None, None),
            ]
            refresh_pair_summaries()
            assert [tuple(row) for row in db.session.execute(read)] == backfilled
            db.session.rollback()
        finally:
            db.session.remove()
            downgrade(revision="base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()
