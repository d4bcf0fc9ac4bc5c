"""case studies written for publication in the good-practice library

Revision ID: b7c1d2e3f402
Revises: b7c1d2e3f401
Create Date: 2026-12-02 09:00:00

Existing approved good-practice evaluations get no case study: their text is the case's own, which
is exactly what must not be published. They leave the library until one is written and published.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f402'
down_revision = 'b7c1d2e3f401'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('lessons', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_dt', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('written_dt', sa.DateTime(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('published_dt', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_case_studies_status')),
    sa.ForeignKeyConstraint(['case_id'], ['problem_cases.id'], name=op.f('fk_case_studies_case_id_problem_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_studies_created_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_case_studies_published_by_id_users')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_case_studies_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_studies')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_studies_case_id'))
    )
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_studies_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_studies_status'))

    op.drop_table('case_studies')
