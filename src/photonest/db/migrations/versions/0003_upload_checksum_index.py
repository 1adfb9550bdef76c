"""one uploaded asset per owner and checksum

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Upstream's UQ_assets_owner_checksum: the (owner, library, checksum) constraint never fires for uploads, whose
# library is NULL, so uploads get a partial unique index of their own (SQLite and PostgreSQL both support it).
WHERE = sa.text('library_id IS NULL')


def upgrade() -> None:
    op.create_index(
        'uq_asset_owner_id_checksum',
        'asset',
        ['owner_id', 'checksum'],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index('uq_asset_owner_id_checksum', table_name='asset')
