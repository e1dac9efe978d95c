"""Alembic environment: runs on the connection handed over by :func:`storage.migrate.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from storage.db import import_all_models

import_all_models()
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(context.config.get_main_option("sqlalchemy.url"), hide_parameters=True)
        with engine.connect() as conn:
            _run(conn)
        return
    _run(connection)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render SQLModel's UTC timestamp type as the column it is in the database (timestamptz), so a
    migration does not depend on the library's Python-side type."""
    from sqlmodel.sql.sqltypes import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_item=_render_item,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
