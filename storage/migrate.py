"""Schema upgrade. Until the first Alembic revision lands this creates the tables directly."""

from __future__ import annotations

from sqlalchemy.engine import Engine


def upgrade(engine: Engine) -> None:
    from storage.db import create_all

    create_all(engine)
