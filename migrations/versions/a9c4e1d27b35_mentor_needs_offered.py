"""mentoring needs a mentor offers

Mentors are asked which mentoring needs they can help with. Mentors who volunteered before the
question existed have not answered it: the column is NULL ("not stated"), which the matching
engine reads as "this criterion does not apply to the pair", never as "offers every need".

Revision ID: a9c4e1d27b35
Revises: f172c2e53730
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e1d27b35'
down_revision = 'f172c2e53730'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_offered', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        batch_op.drop_column('needs_offered')
