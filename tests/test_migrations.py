"""Alembic migrations: a fresh database upgrades to head, the migrations describe exactly the models, and
upgrading twice (every start) is harmless."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import pending_changes, upgrade


def test_fresh_database_reaches_head_and_matches_the_models(engine) -> None:
    # The ``engine`` fixture has already run ``init_db`` (Alembic upgrade to head).
    assert pending_changes(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"person", "identity", "conversation", "outbox", "ticket", "award_case", "training_class",
            "application_draft", "alembic_version"} <= tables


def test_upgrade_is_idempotent(engine, settings) -> None:
    upgrade(engine)
    other = make_engine(settings.database_url)  # a second process starting on the same database
    upgrade(other)
    other.dispose()
    assert pending_changes(engine) == []
