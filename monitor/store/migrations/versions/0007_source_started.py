"""Where each source's coverage begins (the oldest post of its first run), so the spike
detector is told of a new source rather than paging for the level it brings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collector_state") as table:
        table.add_column(sa.Column("started", sa.JSON))
    # Sources that ran before this was kept: their start is history, not news.
    op.execute("UPDATE collector_state SET started = '{}' WHERE runs > 0")


def downgrade() -> None:
    with op.batch_alter_table("collector_state") as table:
        table.drop_column("started")
