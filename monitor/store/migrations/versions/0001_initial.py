"""Initial schema: posts, mentions, collector state, alerts and deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("author_handle", sa.String(200)),
        sa.Column("author_name", sa.String(200)),
        sa.Column("author_followers", sa.BigInteger),
        sa.Column("lang", sa.String(12)),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("conversation_id", sa.String(200)),
        sa.Column("likes", sa.BigInteger),
        sa.Column("reposts", sa.BigInteger),
        sa.Column("replies", sa.BigInteger),
        sa.Column("score", sa.BigInteger),
        sa.Column("views", sa.BigInteger),
        sa.Column("query", sa.Text),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_posts_source_external_id"),
    )
    op.create_index("ix_posts_created_at", "posts", ["created_at"])
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("lang", sa.String(12), nullable=False),
        sa.Column("compound", sa.Float),
        sa.Column("label", sa.String(12), nullable=False),
        sa.Column("intents", sa.JSON, nullable=False),
        sa.Column("matched", sa.JSON, nullable=False),
        sa.Column("by_target", sa.Boolean, nullable=False),
        sa.UniqueConstraint("post_id", "target", name="uq_mentions_post_target"),
    )
    op.create_index("ix_mentions_target_created", "mentions", ["target", "created_at"])
    op.create_table(
        "collector_state",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("cursor", sa.JSON, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_run_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("last_failure_at", TS),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("requests", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("new_posts", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_at", TS),
        sa.Column("sent_at", TS),
        sa.UniqueConstraint("alert_id", "channel", name="uq_deliveries_alert_channel"),
    )
    op.create_index("ix_deliveries_channel_status", "deliveries", ["channel", "status"])


def downgrade() -> None:
    for table in ("deliveries", "alerts", "collector_state", "mentions", "posts"):
        op.drop_table(table)
