"""Alembic migrations of the engine's schema (see heat.db.migration)."""
