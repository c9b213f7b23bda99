"""pair summary on the match

Each match keeps the summary of its meetings and check-ins that the health page and the
dashboards read: the first and last meeting's dates and their number, each side's latest
check-in (its UTC date) and the newest check-in's rating. Existing matches get theirs from
their rows.

Revision ID: c4d8e2f61a09
Revises: 08ce26942c83
Create Date: 2026-12-06 13:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8e2f61a09"
down_revision = "08ce26942c83"
branch_labels = None
depends_on = None

SUMMARY = (
    "first_meeting_on",
    "last_meeting_on",
    "meeting_count",
    "trainee_checkin_on",
    "mentor_checkin_on",
    "latest_rating",
)


def upgrade():
    op.add_column("match", sa.Column("first_meeting_on", sa.Date(), nullable=True))
    op.add_column("match", sa.Column("last_meeting_on", sa.Date(), nullable=True))
    op.add_column(
        "match",
        sa.Column("meeting_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("match", sa.Column("trainee_checkin_on", sa.Date(), nullable=True))
    op.add_column("match", sa.Column("mentor_checkin_on", sa.Date(), nullable=True))
    op.add_column("match", sa.Column("latest_rating", sa.Integer(), nullable=True))

    match = sa.table("match", sa.column("id", sa.Integer), *(sa.column(c) for c in SUMMARY))
    meeting = sa.table("meeting", sa.column("match_id", sa.Integer), sa.column("held_on", sa.Date))
    check_in = sa.table(
        "check_in",
        sa.column("id", sa.Integer),
        sa.column("match_id", sa.Integer),
        sa.column("side", sa.String),
        sa.column("rating", sa.Integer),
        sa.column("answered_at", sa.DateTime(timezone=True)),
    )
    if op.get_bind().dialect.name == "sqlite":
        answered_on = sa.func.date(check_in.c.answered_at, type_=sa.Date)  # naive UTC text
    else:
        answered_on = sa.cast(sa.func.timezone("UTC", check_in.c.answered_at), sa.Date)

    def of_pair(table, column, *where):
        return sa.select(column).where(table.c.match_id == match.c.id, *where).scalar_subquery()

    op.execute(
        match.update().values(
            first_meeting_on=of_pair(meeting, sa.func.min(meeting.c.held_on)),
            last_meeting_on=of_pair(meeting, sa.func.max(meeting.c.held_on)),
            meeting_count=of_pair(meeting, sa.func.count()),
            trainee_checkin_on=of_pair(
                check_in, sa.func.max(answered_on), check_in.c.side == "trainee"
            ),
            mentor_checkin_on=of_pair(
                check_in, sa.func.max(answered_on), check_in.c.side == "mentor"
            ),
            latest_rating=sa.select(check_in.c.rating)
            .where(check_in.c.match_id == match.c.id)
            .order_by(check_in.c.answered_at.desc(), check_in.c.id.desc())
            .limit(1)
            .scalar_subquery(),
        )
    )


def downgrade():
    for column in reversed(SUMMARY):
        op.drop_column("match", column)  # SQLite 3.35+ drops columns in place
