"""drop wechat_nonce: the replay guard keeps WeChat's (timestamp, nonce) pairs in processed_message

Revision ID: 5b1e0c7d2a94
Revises: f2fc34ec8149
Create Date: 2026-11-29 15:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '5b1e0c7d2a94'
down_revision = 'f2fc34ec8149'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wechat_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_nonce_expires_at'))
    op.drop_table('wechat_nonce')


def downgrade() -> None:
    op.create_table('wechat_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce_key')
    )
    with op.batch_alter_table('wechat_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_nonce_expires_at'), ['expires_at'], unique=False)
