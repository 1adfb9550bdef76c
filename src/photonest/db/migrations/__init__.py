"""Alembic migrations, applied on start and by `photonest migrate`."""
