"""Schema migrations with Alembic, run programmatically (no alembic.ini needed):
``upgrade(engine)`` on every start and by ``yunling db upgrade``; ``revision(engine, message)`` for
developers (``python -m storage.migrate "message"`` autogenerates a revision against a scratch SQLite)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, target: str = "head") -> None:
    cfg = _config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)


def pending_changes(engine: Engine) -> list:
    """Differences between the models and the migrated schema (empty when migrations are complete)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from storage.db import import_all_models

    import_all_models()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))


def revision(message: str) -> None:
    """Autogenerate a revision by diffing the models against a scratch database at head."""
    from storage.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        cfg = _config(engine)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    revision(" ".join(sys.argv[1:]) or "schema change")
