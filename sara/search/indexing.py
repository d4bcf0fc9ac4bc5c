"""The search index: one document per case, kept in step with the case in the same transaction.

The document holds the case's searchable text in three parts, weighted for ranking: its title; its
narrative (description, location, every scanning and analysis field, objectives, planned tactics,
evaluation lessons and the good-practice summary); and its actions (titles, descriptions, results
and the notes written on them). People are never part of it: their details follow their own rules.

On PostgreSQL the document is a row of `case_search` with a weighted tsvector under a GIN index; on
SQLite it is a row of the FTS5 table `case_search` (rowid = case id). Neither is an ORM model: they
are derived data, made by the migration and written only here.

A session listener notes which cases a flush touched; just before the commit, their documents are
rebuilt with a few set-based statements (however many cases), so a committed change is searchable
at once and a rolled-back one never was.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sara.actions.models import Action, ActionEntry
from sara.cases.models import CaseObjective, PlannedTactic, ProblemCase
from sara.evaluation.models import Evaluation

SEARCH_TABLE = "case_search"
#: ts_rank_cd weights for D, C, B, A: the title (A) counts most, then the narrative (B), then
#: actions (C).
PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
#: The action history entries whose text people wrote (the rest are generated summaries).
WRITTEN_ENTRY_KINDS = ("note", "status")

#: The case columns of the narrative part, in reading order.
NARRATIVE_COLUMNS = (
    "description", "location_text", "scan_summary", "scan_baseline",
    "analysis_victim", "analysis_offender", "analysis_location", "analysis_handler",
    "analysis_guardian", "analysis_manager", "analysis_when", "analysis_where", "analysis_why",
    "analysis_how", "analysis_root_causes",
)
#: Attributes whose change means the document must be rebuilt, per model. A case's collections
#: are watched because a row removed from one (delete-orphan) is deleted by the flush itself and
#: never appears in the session's list of deleted objects.
_WATCHED = {
    ProblemCase: frozenset({"title", *NARRATIVE_COLUMNS, "objectives", "tactics"}),
    CaseObjective: frozenset({"text", "case_id"}),
    PlannedTactic: frozenset({"description", "case_id"}),
    Evaluation: frozenset({"lessons", "good_practice_summary"}),
    Action: frozenset({"title", "description", "result", "case_id"}),
    ActionEntry: frozenset({"text", "kind", "action_id"}),
}
_PENDING = "sara_search_pending"
#: Ids per statement: SQLite allows at most 32,766 bound values.
_CHUNK = 5000

_pg_meta = sa.MetaData()
pg_documents = sa.Table(
    SEARCH_TABLE, _pg_meta,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("actions", sa.Text),
    sa.Column("document", postgresql.TSVECTOR),
)
_fts_meta = sa.MetaData()
fts_documents = sa.Table(
    SEARCH_TABLE, _fts_meta,
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("actions", sa.Text),
)


#: PostgreSQL's trigram indexes (the caller lookup's word matches): made by their migration alone,
#: as SQLite has no such index
TRIGRAM_INDEX_SUFFIX = "_trgm"


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's autogenerate: the index tables (and FTS5's own shadow tables), and the
    trigram indexes, are made by their migrations, not by the models, so comparing them with
    the models means nothing."""
    ours = bool(name) and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))
    trigram = bool(name) and type_ == "index" and name.endswith(TRIGRAM_INDEX_SUFFIX)
    return not ((type_ == "table" and ours) or trigram)


# --- the document, as SQL ----------------------------------------------------------------------

def _text(expr) -> sa.ColumnElement:
    return sa.func.coalesce(expr, "")


def _joined(*parts) -> sa.ColumnElement:
    """The parts one after another, a line apart (empty parts just leave a blank line)."""
    result = _text(parts[0])
    for part in parts[1:]:
        result = result + "\n" + _text(part)
    return result


def _agg(expr) -> sa.ColumnElement:
    return sa.func.aggregate_strings(expr, "\n")


def documents(case_ids: list[int] | None) -> sa.Select:
    """(case_id, title, body, actions) for the given cases (every case when None)."""

    def only(column):
        return column.in_(case_ids) if case_ids is not None else sa.true()

    objectives = (sa.select(CaseObjective.case_id, _agg(CaseObjective.text).label("text"))
                  .where(only(CaseObjective.case_id)).group_by(CaseObjective.case_id).subquery())
    tactics = (sa.select(PlannedTactic.case_id, _agg(PlannedTactic.description).label("text"))
               .where(only(PlannedTactic.case_id)).group_by(PlannedTactic.case_id).subquery())
    actions = (
        sa.select(Action.case_id,
                  _agg(_joined(Action.title, Action.description, Action.result)).label("text"))
        .where(only(Action.case_id)).group_by(Action.case_id).subquery()
    )
    notes = (
        sa.select(Action.case_id, _agg(ActionEntry.text).label("text"))
        .join(ActionEntry, ActionEntry.action_id == Action.id)
        .where(only(Action.case_id), ActionEntry.kind.in_(WRITTEN_ENTRY_KINDS),
               ActionEntry.text.is_not(None), ActionEntry.text != "")
        .group_by(Action.case_id).subquery()
    )
    body = _joined(
        *(getattr(ProblemCase, name) for name in NARRATIVE_COLUMNS),
        objectives.c.text, tactics.c.text, Evaluation.lessons, Evaluation.good_practice_summary,
    )
    return (
        sa.select(ProblemCase.id.label("case_id"), ProblemCase.title.label("title"),
                  body.label("body"), _joined(actions.c.text, notes.c.text).label("actions"))
        .outerjoin(objectives, objectives.c.case_id == ProblemCase.id)
        .outerjoin(tactics, tactics.c.case_id == ProblemCase.id)
        .outerjoin(actions, actions.c.case_id == ProblemCase.id)
        .outerjoin(notes, notes.c.case_id == ProblemCase.id)
        .outerjoin(Evaluation, Evaluation.case_id == ProblemCase.id)
        .where(only(ProblemCase.id))
    )


def _pg_vector(title, body, actions) -> sa.ColumnElement:
    def weighted(text, weight):
        vector = sa.func.to_tsvector(sa.literal_column("'english'::regconfig"), text)
        return sa.func.setweight(vector, sa.literal_column(f"'{weight}'"),
                                 type_=postgresql.TSVECTOR)

    return weighted(title, "A").op("||")(weighted(body, "B")).op("||")(weighted(actions, "C"))


def _refresh_postgresql(connection, case_ids: list[int] | None) -> None:
    if case_ids is not None:
        # Two transactions refreshing one case wait for each other here; the second then reads
        # the first's committed text (READ COMMITTED takes a new snapshot per statement), so
        # neither overwrites the other's document with an older one.
        connection.execute(sa.select(ProblemCase.id).where(ProblemCase.id.in_(case_ids))
                           .order_by(ProblemCase.id).with_for_update())
    else:
        connection.execute(pg_documents.delete())
    docs = documents(case_ids).subquery()
    insert = postgresql.insert(pg_documents).from_select(
        ["case_id", "title", "body", "actions", "document"],
        sa.select(docs.c.case_id, docs.c.title, docs.c.body, docs.c.actions,
                  _pg_vector(docs.c.title, docs.c.body, docs.c.actions)),
    )
    connection.execute(insert.on_conflict_do_update(
        index_elements=["case_id"],
        set_={name: insert.excluded[name] for name in ("title", "body", "actions", "document")},
    ))


def _refresh_sqlite(connection, case_ids: list[int] | None) -> None:
    # FTS5 has no upsert; SQLite runs one writer at a time, so delete-then-insert cannot race.
    delete = fts_documents.delete()
    if case_ids is not None:
        delete = delete.where(fts_documents.c.rowid.in_(case_ids))
    connection.execute(delete)
    connection.execute(fts_documents.insert().from_select(
        ["rowid", "title", "body", "actions"], documents(case_ids)))


def refresh(session: Session, case_ids=None, action_ids=None) -> None:
    """Rebuild the documents of these cases (and of the cases of these actions): a few set-based
    statements per chunk of ids, whatever their number. A case that no longer exists loses its
    document."""
    connection = session.connection()
    ids = set(case_ids or ())
    if action_ids:
        action_ids = sorted(action_ids)
        for start in range(0, len(action_ids), _CHUNK):
            ids.update(connection.execute(
                sa.select(Action.case_id).where(Action.id.in_(action_ids[start:start + _CHUNK]))
            ).scalars())
    ordered = sorted(ids)
    rebuild = (_refresh_postgresql if connection.dialect.name == "postgresql"
               else _refresh_sqlite)
    for start in range(0, len(ordered), _CHUNK):
        rebuild(connection, ordered[start:start + _CHUNK])


def refresh_all(session: Session) -> int:
    """Rebuild every document (the `sara reindex` command). Returns the number of cases."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _refresh_postgresql(connection, None)
    else:
        _refresh_sqlite(connection, None)
    return session.scalar(sa.select(sa.func.count()).select_from(ProblemCase)) or 0


# --- keeping it in step: the session listener --------------------------------------------------

def _changed(obj, watched: frozenset) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in watched)


def _values(obj, name: str) -> set[int]:
    """The attribute's values before and after the flush (both, when a row moved from one case
    to another), read without loading anything: a deleted row cannot be loaded again."""
    history = sa.inspect(obj).attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _note_touched(session: Session, flush_context) -> None:
    """After each flush (whose new, dirty and deleted lists still hold what it wrote): note the
    cases whose text may have changed."""
    cases: set[int] = set()
    actions: set[int] = set()
    for collection, check in ((session.new, False), (session.dirty, True),
                              (session.deleted, False)):
        for obj in collection:
            watched = _WATCHED.get(type(obj))
            if watched is None or (check and not _changed(obj, watched)):
                continue
            if isinstance(obj, ProblemCase):
                cases.update(_values(obj, "id"))
            elif isinstance(obj, ActionEntry):
                actions.update(_values(obj, "action_id"))
            else:
                cases.update(_values(obj, "case_id"))
    if cases or actions:
        pending = session.info.setdefault(_PENDING, (set(), set()))
        pending[0].update(cases)
        pending[1].update(actions)


def apply_pending(session: Session) -> None:
    """Flush, then rebuild the documents of every case touched so far in this transaction.
    Called before each commit, and by the search itself, so a search sees its own transaction's
    changes."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending and (pending[0] or pending[1]):
        refresh(session, pending[0], pending[1])


def _before_commit(session: Session) -> None:
    apply_pending(session)


def _forget(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def register(app: Flask) -> None:
    """Keep the index in step with every session, and keep autogenerate away from its tables."""
    for name, listener in (("after_flush", _note_touched), ("before_commit", _before_commit),
                           ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    migrate = app.extensions.get("migrate")
    if migrate is not None:
        migrate.configure_args.setdefault("include_name", include_name)
