"""trigram indexes for the caller lookup's word matches (PostgreSQL)

Revision ID: e2f6a8b10701
Revises: d1e5f7a90601
Create Date: 2026-12-03 08:30:00

The lookup matches words anywhere in a name or an address (LIKE '% word%'), which no B-tree
serves. pg_trgm's GIN indexes do, on PostgreSQL; SQLite (the embedded default, for small
deployments) scans. pg_trgm is a trusted extension: the database's owner may create it. The
models do not declare these indexes (sara.search.indexing.include_name).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2f6a8b10701'
down_revision = 'd1e5f7a90601'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_people_name_key_trgm ON people USING gin (name_key gin_trgm_ops)")
    op.execute("CREATE INDEX ix_people_address_key_trgm ON people "
               "USING gin (address_key gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: something else in the database may use it.
    op.execute("DROP INDEX IF EXISTS ix_people_address_key_trgm")
    op.execute("DROP INDEX IF EXISTS ix_people_name_key_trgm")
