"""Alembic migration scripts (run by ``tailored db upgrade``)."""
