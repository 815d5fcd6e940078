"""Detection: hourly mention counts per target, detector state, and the indexes detectors use.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_hours",
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("mentions", sa.Integer, nullable=False),
        sa.Column("negative", sa.Integer, nullable=False),
    )
    op.create_table(
        "detector_state",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )
    # Posts changed since the last cycle, the hours they were written in, replies to a post.
    op.create_index("ix_posts_updated_at", "posts", ["updated_at"])
    op.create_index("ix_mentions_created_at", "mentions", ["created_at"])
    op.create_index("ix_posts_source_parent", "posts", ["source", "parent_id"])


def downgrade() -> None:
    op.drop_index("ix_posts_source_parent", "posts")
    op.drop_index("ix_mentions_created_at", "mentions")
    op.drop_index("ix_posts_updated_at", "posts")
    op.drop_table("detector_state")
    op.drop_table("mention_hours")
