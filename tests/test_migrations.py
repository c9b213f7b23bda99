"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from mri_match import create_app
from mri_match.extensions import db

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
                conn.execute(
                    text(
                        'INSERT INTO "user" (id, email, password_hash, role, active, created_at,'
                        " can_view_self_identification) VALUES"
                        " (1, 't@example.org', 'x', 'trainee', :yes, :at, :no),"
                        " (2, 'm@example.org', 'x', 'mentor', :yes, :at, :no)"
                    ),
                    {"yes": True, "no": False, "at": at},
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
