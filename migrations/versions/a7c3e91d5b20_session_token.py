"""session token on each account

Every session's user id carries the account's session token; replacing the token ends every
session of the account (log out, log out other sessions, a new password). Existing accounts get
a token each; sessions made before this revision end once.

Revision ID: a7c3e91d5b20
Revises: a9c4e1d27b35
Create Date: 2026-12-06 06:25:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e91d5b20"
down_revision = "a9c4e1d27b35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=32), nullable=True))
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_token")
