"""rename modifications.description to summary

Revision ID: 004
Revises: 003
Create Date: 2025-02-20 09:00:00
"""
from alembic import op

revision = "004"
down_revision = "003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("modifications", "description", new_column_name="summary")


def downgrade() -> None:
    op.alter_column("modifications", "summary", new_column_name="description")
