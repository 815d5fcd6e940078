"""Triage: who took which alert and when it was answered, and the team's sentiment labels.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "triage",
        sa.Column("alert_key", sa.String(300), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("raised_at", UTC_TIME, nullable=False),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", UTC_TIME),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", UTC_TIME),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "triage_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_key", sa.String(300), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index("ix_triage_events_alert_key", "triage_events", ["alert_key"])
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("label", sa.String(12), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(12)),
        sa.Column("compound", sa.Float),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("source", "external_id", "target", name="uq_labels_post_target"),
    )


def downgrade() -> None:
    op.drop_table("labels")
    op.drop_index("ix_triage_events_alert_key", "triage_events")
    op.drop_table("triage_events")
    op.drop_table("triage")
