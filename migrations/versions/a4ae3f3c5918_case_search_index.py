"""case search index: a weighted tsvector with a GIN index (PostgreSQL) or an FTS5 table (SQLite),
filled from the existing cases

Revision ID: a4ae3f3c5918
Revises: dfb41eeb72e8
Create Date: 2026-11-23 10:00:00.000000

The document is written here as plain SQL, frozen as it was when the index was made; the
application keeps it up to date afterwards (sara.search.indexing), and `flask sara reindex`
rebuilds it from the application's definition.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4ae3f3c5918'
down_revision = 'dfb41eeb72e8'
branch_labels = None
depends_on = None

NARRATIVE = (
    "description", "location_text", "scan_summary", "scan_baseline",
    "analysis_victim", "analysis_offender", "analysis_location", "analysis_handler",
    "analysis_guardian", "analysis_manager", "analysis_when", "analysis_where", "analysis_why",
    "analysis_how", "analysis_root_causes",
)


def _documents(newline: str, agg) -> str:
    """SELECT case_id, title, body, actions for every case, in one statement."""

    def joined(*parts):
        return f" || {newline} || ".join(f"COALESCE({p}, '')" for p in parts)

    body = joined(*(f"c.{name}" for name in NARRATIVE), "o.text", "t.text", "e.lessons",
                  "e.good_practice_summary")
    return f"""
        SELECT c.id AS case_id, c.title AS title, {body} AS body,
               {joined("a.text", "n.text")} AS actions
        FROM problem_cases c
        LEFT JOIN (SELECT case_id, {agg("text")} AS text FROM case_objectives
                   GROUP BY case_id) o ON o.case_id = c.id
        LEFT JOIN (SELECT case_id, {agg("description")} AS text FROM planned_tactics
                   GROUP BY case_id) t ON t.case_id = c.id
        LEFT JOIN (SELECT case_id, {agg(joined("title", "description", "result"))} AS text
                   FROM actions GROUP BY case_id) a ON a.case_id = c.id
        LEFT JOIN (SELECT ac.case_id, {agg("ae.text")} AS text
                   FROM action_entries ae JOIN actions ac ON ac.id = ae.action_id
                   WHERE ae.kind IN ('note', 'status') AND ae.text IS NOT NULL AND ae.text <> ''
                   GROUP BY ac.case_id) n ON n.case_id = c.id
        LEFT JOIN evaluations e ON e.case_id = c.id
    """


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TABLE case_search (
                case_id INTEGER PRIMARY KEY REFERENCES problem_cases (id) ON DELETE CASCADE,
                title TEXT NOT NULL DEFAULT '',
                body TEXT NOT NULL DEFAULT '',
                actions TEXT NOT NULL DEFAULT '',
                document TSVECTOR NOT NULL
            )
        """)
        op.execute("CREATE INDEX ix_case_search_document ON case_search USING GIN (document)")
        documents = _documents("E'\\n'", lambda expr: f"string_agg({expr}, E'\\n')")
        op.execute(f"""
            INSERT INTO case_search (case_id, title, body, actions, document)
            SELECT d.case_id, d.title, d.body, d.actions,
                   setweight(to_tsvector('english'::regconfig, d.title), 'A')
                   || setweight(to_tsvector('english'::regconfig, d.body), 'B')
                   || setweight(to_tsvector('english'::regconfig, d.actions), 'C')
            FROM ({documents}) d
        """)
    else:
        op.execute("""
            CREATE VIRTUAL TABLE case_search USING fts5(
                title, body, actions, tokenize = 'porter unicode61 remove_diacritics 2'
            )
        """)
        documents = _documents("char(10)", lambda expr: f"group_concat({expr}, char(10))")
        op.execute(f"""
            INSERT INTO case_search (rowid, title, body, actions)
            SELECT d.case_id, d.title, d.body, d.actions FROM ({documents}) d
        """)


def downgrade():
    # On PostgreSQL this drops the GIN index with the table; on SQLite, FTS5's own tables.
    op.execute("DROP TABLE case_search")
