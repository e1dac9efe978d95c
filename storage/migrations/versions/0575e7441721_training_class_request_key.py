"""training class request key: the web console's form token, so that a form sent twice creates one class

Revision ID: 0575e7441721
Revises: 5b1e0c7d2a94
Create Date: 2026-11-29 17:40:37.072035
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0575e7441721'
down_revision = '5b1e0c7d2a94'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_training_class_request_key', ['request_key'])


def downgrade() -> None:
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.drop_constraint('uq_training_class_request_key', type_='unique')
        batch_op.drop_column('request_key')

