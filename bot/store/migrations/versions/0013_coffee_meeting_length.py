"""A lean-coffee series says how long its meetings last: at start + length a meeting nobody
ended ends on its own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coffee_series") as batch:
        batch.add_column(sa.Column("length", sa.Integer(), nullable=False, server_default="60"))


def downgrade() -> None:
    with op.batch_alter_table("coffee_series") as batch:
        batch.drop_column("length")
