"""timeline indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The month expressions must match repositories/timeline.py `db/dialects/expressions.py::month_of` text for text, or the planner ignores them.
MONTH = {
    "sqlite": "(substr(local_date_time, 1, 8) || '01')",
    "postgresql": "(date_trunc('month', timezone('UTC', local_date_time)))",
}


def upgrade() -> None:
    op.create_index(
        'ix_asset_owner_id_visibility_deleted_at_local_date_time',
        'asset',
        ['owner_id', 'visibility', 'deleted_at', 'local_date_time'],
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX ix_asset_owner_id_month ON asset (owner_id, {month}, visibility, deleted_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_asset_owner_id_month")
    op.drop_index('ix_asset_owner_id_visibility_deleted_at_local_date_time', table_name='asset')
