"""the sound of each person's name (metaphone codes), for a lookup that finds names that sound
alike

Revision ID: f3a7b9c20801
Revises: e2f6a8b10701
Create Date: 2026-12-03 09:00:00

Filled here from each name as sara.people.matching.name_sounds fills it from then on (a copy, so
that this migration means the same whatever the application later does). On PostgreSQL a
trigram index serves LIKE '% CODE %'.
"""
import re

from alembic import op
import jellyfish
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a7b9c20801'
down_revision = 'e2f6a8b10701'
branch_labels = None
depends_on = None

BATCH = 5000


def name_sounds(name):
    words = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", (name or "").lower())).split()
    codes = [code for code in (jellyfish.metaphone(word) for word in words) if code]
    return f" {' '.join(codes)} " if codes else ""


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_sounds', sa.String(length=300), nullable=False,
                                      server_default=''))
    connection = op.get_bind()
    people = sa.table('people', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_sounds', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(people.c.id, people.c.name)
                                  .where(people.c.id > last).order_by(people.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            break
        connection.execute(
            people.update().where(people.c.id == sa.bindparam('person_id'))
            .values(name_sounds=sa.bindparam('sounds')),
            [{'person_id': id_, 'sounds': name_sounds(name)} for id_, name in rows])
        last = rows[-1][0]
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('name_sounds', server_default=None)
    if connection.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_people_name_sounds_trgm ON people "
                   "USING gin (name_sounds gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_people_name_sounds_trgm")
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('name_sounds')
