"""Post ids and authors as text: real ids do not fit in 200 characters.

A Bluesky at:// URI, a Mastodon account on a long domain or a feed entry's URL id can be
longer; PostgreSQL refused such a post, and with it its whole page, for good. SQLite
never enforced the lengths, and changing a column there would rebuild the posts table
(its mentions would go with it through ON DELETE CASCADE), so only PostgreSQL changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("external_id", "author_handle", "author_name", "parent_id", "conversation_id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COLUMNS:
        op.alter_column("posts", column, type_=sa.Text, existing_type=sa.String(200))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COLUMNS:
        op.alter_column("posts", column, type_=sa.String(200), existing_type=sa.Text)
