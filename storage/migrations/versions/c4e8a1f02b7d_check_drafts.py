"""check drafts: an eligibility or channel check left before its conclusion

Revision ID: c4e8a1f02b7d
Revises: 97cd1d89963f
Create Date: 2026-12-02 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'c4e8a1f02b7d'
down_revision = '97cd1d89963f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('check_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('flow', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'flow', name='uq_check_draft')
    )
    with op.batch_alter_table('check_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_draft_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_draft_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('check_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_draft_updated_at'))
        batch_op.drop_index(batch_op.f('ix_check_draft_person_id'))

    op.drop_table('check_draft')
