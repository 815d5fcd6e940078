"""Tables. Every change here comes with a migration in `migrations/versions/`."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

UTCDateTime = DateTime(timezone=True)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("external_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("author_handle", Text),
    Column("author_name", Text),
    Column("author_followers", BigInteger),
    Column("lang", String(12)),
    Column("parent_id", Text),
    Column("conversation_id", Text),
    Column("likes", BigInteger),
    Column("reposts", BigInteger),
    Column("replies", BigInteger),
    Column("score", BigInteger),
    Column("views", BigInteger),
    Column("query", Text),
    Column("extra", JSON, nullable=False, default=dict),
    UniqueConstraint("source", "external_id", name="uq_posts_source_external_id"),
)
Index("ix_posts_created_at", posts.c.created_at)
Index("ix_posts_updated_at", posts.c.updated_at)
Index("ix_posts_source_parent", posts.c.source, posts.c.parent_id)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(200), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("lang", String(12), nullable=False),
    Column("compound", Float),
    Column("label", String(12), nullable=False),
    Column("intents", JSON, nullable=False, default=list),
    Column("matched", JSON, nullable=False, default=list),
    Column("by_target", Boolean, nullable=False, default=False),
    UniqueConstraint("post_id", "target", name="uq_mentions_post_target"),
)
Index("ix_mentions_target_created", mentions.c.target, mentions.c.created_at)
Index("ix_mentions_created_at", mentions.c.created_at)

# Mentions per target and UTC hour (the target's own posts left out), kept up to date by
# `Store.refresh_mention_hours` from the posts changed since `detector_state['mention_hours']`.
mention_hours = Table(
    "mention_hours",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("mentions", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
)

detector_state = Table(
    "detector_state",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

collector_state = Table(
    "collector_state",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("cursor", JSON, nullable=False, default=dict),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("status", String(20), nullable=False, default="new"),
    Column("last_error", Text),
    Column("last_run_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_failure_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("runs", Integer, nullable=False, default=0),
    Column("requests", BigInteger, nullable=False, default=0),
    Column("new_posts", BigInteger, nullable=False, default=0),
    # The last run that read any item: how many its answers held, how many of them the
    # parsers skipped (one shown), and the share skipped by the runs before it (a moving
    # average) that a jump is measured against.
    Column("last_items", Integer, nullable=False, default=0),
    Column("last_skipped", Integer, nullable=False, default=0),
    Column("skip_example", Text),
    Column("skip_share", Float),
    # {"from": ISO time of the oldest post of the source's first run, where its coverage
    # begins, "at": when that run stored its first page}; {} for a source that started
    # before this was kept.
    Column("started", JSON),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("target", String(200)),
    Column("severity", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("payload", Text, nullable=False),
)
Index("ix_alerts_created_at", alerts.c.created_at)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("alert_id", "channel", name="uq_deliveries_alert_channel"),
)
Index("ix_deliveries_channel_status", deliveries.c.channel, deliveries.c.status)

# The daily digest per channel and the local day it is about: sent, waiting to be tried
# again (`pending`, at `next_attempt_at`), or `failed` for good (until sent by hand).
digests = Table(
    "digests",
    metadata,
    Column("channel", String(100), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
)

# What the team did with an alert: `new`, `claimed` (by someone), `replied` or
# `not_relevant` (closed, by someone), with the times the team's response time is read from.
triage = Table(
    "triage",
    metadata,
    Column("alert_key", String(300), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("claimed_by", Text),
    Column("claimed_at", UTCDateTime),
    Column("closed_by", Text),
    Column("closed_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every action as it came (a button pressed twice is two rows, one change).
triage_events = Table(
    "triage_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(300), nullable=False),
    Column("action", String(20), nullable=False),
    Column("who", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", Text, nullable=False),
)
Index("ix_triage_events_alert_key", triage_events.c.alert_key)

# The team's word on a mention's sentiment ("this is not negative"), the latest per post and
# target, with the text and score it was given on: what the installation's adjustment learns.
labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("external_id", Text, nullable=False),
    Column("target", String(200), nullable=False),
    Column("label", String(12), nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(12)),
    Column("compound", Float),
    Column("who", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "external_id", "target", name="uq_labels_post_target"),
)
