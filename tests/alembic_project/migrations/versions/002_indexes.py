"""indexes on modifications

Revision ID: 002
Revises: 001
Create Date: 2025-01-17 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("idx_modifications_project", "modifications", ["project_id"])
    op.create_index("idx_modifications_impact", "modifications", ["impact"], postgresql_using="gin")
    op.create_index("idx_modifications_failed", "modifications", ["project_id"],
                    postgresql_where=sa.text("status = 'failed'"))


def downgrade() -> None:
    op.drop_index("idx_modifications_failed", table_name="modifications")
    op.drop_index("idx_modifications_impact", table_name="modifications")
    op.drop_index("idx_modifications_project", table_name="modifications")
