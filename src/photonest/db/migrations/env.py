"""Alembic environment: runs on the connection handed over by photonest.db.migrate."""

from __future__ import annotations

from alembic import context

from photonest.db.tables import metadata

# Indexes on expressions that tables.py cannot describe portably (created by hand in their migration).
EXPRESSION_INDEXES = {"ix_asset_owner_id_month"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
