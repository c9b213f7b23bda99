"""stored statement embeddings

One sentence embedding per application and per mentor profile (the optional semantic model),
with the model's name and version and a digest of its text. The table starts empty: vectors are
computed when a profile is saved or imported, by `flask embeddings refresh`, or by a matching
run for the ones it finds missing.

Revision ID: 08ce26942c83
Revises: 1fe0a07537c9
Create Date: 2026-12-06 08:12:35.074086

"""
import sqlalchemy as sa
from alembic import op

import mri_match.models.types

# revision identifiers, used by Alembic.
revision = "08ce26942c83"
down_revision = "1fe0a07537c9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "statement_embedding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column(
            "computed_at", mri_match.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(application_id IS NULL) <> (mentor_id IS NULL)",
            name=op.f("ck_statement_embedding_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_statement_embedding_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor_profile.id"],
            name=op.f("fk_statement_embedding_mentor_id_mentor_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_embedding")),
        sa.UniqueConstraint("application_id", name=op.f("uq_statement_embedding_application_id")),
        sa.UniqueConstraint("mentor_id", name=op.f("uq_statement_embedding_mentor_id")),
    )


def downgrade():
    op.drop_table("statement_embedding")
