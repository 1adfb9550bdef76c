"""Database access: tables, engine, unit of work, migrations."""
