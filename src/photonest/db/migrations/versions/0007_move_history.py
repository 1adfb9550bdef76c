"""Moves in progress of the storage template (upstream move_history)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('move_history',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('path_type', sa.String(), nullable=False),
    sa.Column('old_path', sa.String(), nullable=False),
    sa.Column('new_path', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_move_history')),
    sa.UniqueConstraint('entity_id', 'path_type', name=op.f('uq_move_history_entity_id_path_type')),
    sa.UniqueConstraint('new_path', name=op.f('uq_move_history_new_path'))
    )


def downgrade() -> None:
    op.drop_table('move_history')
