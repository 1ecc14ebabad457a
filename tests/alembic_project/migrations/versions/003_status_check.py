"""status check on modifications

Revision ID: 003
Revises: 002
Create Date: 2025-02-03 09:00:00
"""
from alembic import op

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint("chk_modification_status", "modifications",
                               "status IN ('pending', 'approved', 'applied', 'failed', 'rejected')")


def downgrade() -> None:
    op.drop_constraint("chk_modification_status", "modifications", type_="check")
