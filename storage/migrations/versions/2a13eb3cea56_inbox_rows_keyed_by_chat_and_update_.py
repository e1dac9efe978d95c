"""inbox rows keyed by chat and update order: the lock and order under which a chat's rows are handled

Revision ID: 2a13eb3cea56
Revises: 3ad40332506b
Create Date: 2026-11-29 20:26:49.589496
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '2a13eb3cea56'
down_revision = '3ad40332506b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_inbox_chat', ['chat'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_chat')
        batch_op.drop_column('seq')
        batch_op.drop_column('chat')
