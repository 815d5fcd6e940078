"""Skipped items: how many items of a source's last run its parsers could not read.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collector_state") as table:
        table.add_column(sa.Column("last_items", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("last_skipped", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("skip_example", sa.Text))
        table.add_column(sa.Column("skip_share", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("collector_state") as table:
        for column in ("skip_share", "skip_example", "last_skipped", "last_items"):
            table.drop_column(column)
