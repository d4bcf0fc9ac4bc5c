"""possible duplicates for a person to decide; names and phones in their new normal form

Revision ID: a4b6c8d10901
Revises: f3a7b9c20801
Create Date: 2026-12-03 10:30:00

The matching rule no longer links on address and surname or name alone: such pairs become
possible duplicates. Surnames now keep every part (Nowak-Okafor, van der Berg), apostrophes and
titles no longer count (in addresses too), and +44/0044 numbers are national ones, so the stored
keys are filled again here, by a copy of sara.people.matching as it is today (so that this
migration means the same whatever the application later does).
"""
import re
import unicodedata

from alembic import op
import jellyfish
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4b6c8d10901'
down_revision = 'f3a7b9c20801'
branch_labels = None
depends_on = None

BATCH = 5000
_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[^a-z0-9\- ]+")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame",
                     "lady", "lord"})
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "du", "del", "della",
                        "la", "le", "dos", "das", "bin", "ibn", "al", "el", "ap", "ter", "ten"})
_LEADING_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "del", "della", "bin",
                                "ibn", "ap", "ter", "ten"})
_JOINED_PREFIXES = frozenset({"o", "mc", "mac"})


_ABBREVIATIONS = {"road": "rd", "street": "st", "avenue": "ave", "lane": "ln", "close": "cl",
                  "drive": "dr", "court": "ct", "crescent": "cres", "place": "pl",
                  "gardens": "gdns", "flat": "flat", "apartment": "flat"}


def _plain(text):
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _APOSTROPHES.sub("", text)


def _words(name):
    text = _plain(name)
    if text.count(",") == 1:
        surname, given = text.split(",")
        text = f"{given} {surname}"
    words = [w.strip("-") for w in _NOT_WORD.sub(" ", text).split()]
    words = [w for w in words if w and w not in _TITLES]
    joined = []
    for word in words:
        if joined and joined[-1] in _JOINED_PREFIXES:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def surname_key(name):
    words = _words(name)
    if not words:
        return ""
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    if start == 1 and words[0] in _LEADING_PARTICLES:
        start = 0
    return "".join(words[start:])


def name_key(name):
    return " ".join(" ".join(_words(name)).replace("-", " ").split())


def name_sounds(name):
    codes = [code for code in (jellyfish.metaphone(w) for w in name_key(name).split()) if code]
    return f" {' '.join(codes)} " if codes else ""


def phone_key(phone):
    raw = (phone or "").strip()
    digits = re.sub(r"\D", "", raw)
    international = None
    if digits.startswith("00"):
        international = digits[2:]
    elif raw.startswith("+"):
        international = digits
    if international is not None:
        if international.startswith("44"):
            digits = "0" + international[2:].lstrip("0")
        else:
            digits = "00" + international
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else None


def old_keys(name, phone, address):
    """The keys as the application filled them before this revision."""
    key = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", (name or "").lower())).strip()
    codes = [code for code in (jellyfish.metaphone(w) for w in key.split()) if code]
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    address_words = re.sub(r"[^a-z0-9 ]+", " ", (address or "").lower()).split()
    return {'nk': key, 'sk': key.split(" ")[-1], 'ns': f" {' '.join(codes)} " if codes else "",
            'pk': digits or None,
            'ak': " ".join(_ABBREVIATIONS.get(w, w) for w in address_words) or None}


def new_keys(name, phone, address):
    return {'nk': name_key(name), 'sk': surname_key(name), 'ns': name_sounds(name),
            'pk': phone_key(phone), 'ak': address_key(address)}


def fill_keys(keys):
    connection = op.get_bind()
    people = sa.table('people', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('phone', sa.String), sa.column('name_key', sa.String),
                      sa.column('surname_key', sa.String), sa.column('name_sounds', sa.String),
                      sa.column('phone_key', sa.String), sa.column('address', sa.String),
                      sa.column('address_key', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(people.c.id, people.c.name, people.c.phone,
                                            people.c.address)
                                  .where(people.c.id > last).order_by(people.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            break
        connection.execute(
            people.update().where(people.c.id == sa.bindparam('person_id'))
            .values(name_key=sa.bindparam('nk'), surname_key=sa.bindparam('sk'),
                    name_sounds=sa.bindparam('ns'), phone_key=sa.bindparam('pk'),
                    address_key=sa.bindparam('ak')),
            [{'person_id': id_, **keys(name, phone, address)}
             for id_, name, phone, address in rows])
        last = rows[-1][0]


def address_key(address):
    words = _NOT_WORD.sub(" ", _plain(address)).replace("-", " ").split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words) or None


def upgrade():
    op.create_table(
        'possible_duplicates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_dt', sa.DateTime(), nullable=False),
        sa.Column('decided_dt', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'merged', 'different')",
                           name=op.f('ck_possible_duplicates_status')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_possible_duplicates_decided_by_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_possible_duplicates_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['other_id'], ['people.id'],
                                name=op.f('fk_possible_duplicates_other_id_people')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_possible_duplicates_person_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_possible_duplicates')),
        sa.UniqueConstraint('person_id', 'other_id',
                            name=op.f('uq_possible_duplicates_person_id')),
    )
    op.create_index('ix_possible_duplicates_queue', 'possible_duplicates',
                    ['organisation_id', 'status'])
    op.create_index(op.f('ix_possible_duplicates_other_id'), 'possible_duplicates',
                    ['other_id'])
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_possible_duplicates', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.alter_column('rows_possible_duplicates', server_default=None)

    fill_keys(new_keys)


def downgrade():
    fill_keys(old_keys)
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.drop_column('rows_possible_duplicates')
    op.drop_index(op.f('ix_possible_duplicates_other_id'), table_name='possible_duplicates')
    op.drop_index('ix_possible_duplicates_queue', table_name='possible_duplicates')
    op.drop_table('possible_duplicates')
