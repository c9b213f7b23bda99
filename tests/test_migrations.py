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
