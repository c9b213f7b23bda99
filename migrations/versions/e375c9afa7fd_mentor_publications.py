"""mentor publications from ORCID and PubMed

Where a mentor's publications come from (an ORCID iD, PubMed IDs and DOIs) and how the last
fetch went, one row per mentor; and the publications fetched, each ticked or not for matching.
Both tables start empty.

Revision ID: e375c9afa7fd
Revises: 5edde3faf344
Create Date: 2026-12-06 08:13:41.663908

"""
from alembic import op
import sqlalchemy as sa

import mri_match.models.types


# revision identifiers, used by Alembic.
revision = 'e375c9afa7fd'
down_revision = '5edde3faf344'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('pmid', sa.String(length=16), nullable=True),
    sa.Column('doi', sa.String(length=280), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('journal', sa.String(length=300), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('fetched_at', mri_match.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profile.id'], name=op.f('fk_publication_mentor_id_mentor_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
    sa.UniqueConstraint('mentor_id', 'key', name=op.f('uq_publication_mentor_id'))
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('publication_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('orcid', sa.String(length=19), nullable=True),
    sa.Column('identifiers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('request_number', sa.Integer(), nullable=False),
    sa.Column('requested_at', mri_match.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fetched_at', mri_match.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profile.id'], name=op.f('fk_publication_source_mentor_id_mentor_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_source')),
    sa.UniqueConstraint('mentor_id', name=op.f('uq_publication_source_mentor_id'))
    )


def downgrade():
    op.drop_table('publication_source')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_mentor_id'))

    op.drop_table('publication')
