"""the ASB case review's window in calendar months, as the statutory guidance sets it

Revision ID: e5b7d9f01401
Revises: d4f6b8c91201
Create Date: 2026-12-03 18:05:00

A force that changed the case-review numbers kept its window in days (183 by default); each
version becomes the nearest whole number of months (183 days: 6 months), so every version in
the history still reads as the rule it was.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b7d9f01401'
down_revision = 'd4f6b8c91201'
branch_labels = None
depends_on = None

DAYS_PER_MONTH = 365.25 / 12
rules = sa.table('flag_rules', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                 sa.column('params', sa.JSON))


def _convert(old: str, new: str, change) -> None:
    connection = op.get_bind()
    for id_, params in connection.execute(
            sa.select(rules.c.id, rules.c.params).where(rules.c.kind == 'case_review')).all():
        if old in (params or {}):
            params = dict(params)
            params[new] = change(params.pop(old))
            connection.execute(rules.update().where(rules.c.id == id_).values(params=params))


def upgrade():
    _convert('window_days', 'window_months', lambda days: max(1, round(days / DAYS_PER_MONTH)))


def downgrade():
    _convert('window_months', 'window_days', lambda months: round(months * DAYS_PER_MONTH))
