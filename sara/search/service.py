"""Force-wide search: ranked cases with highlighted snippets, and people by name or phone.

Everything starts from `policy.visible_cases(user)`: the count, the order and the snippets are
computed over the cases the user may see and nothing else. The ranking uses no statistics of the
whole index either (ts_rank_cd on PostgreSQL, and on SQLite a per-case score from where its matches
are, instead of bm25, whose term weights count every case in the index, seen or not), so the order
of the results cannot tell a partner anything about the cases they cannot see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup, escape

from sara import policy
from sara.audit import consultation
from sara.cases.models import ProblemCase
from sara.cases.queries import shared_conditions
from sara.core.paging import Paged
from sara.core.sql import dialect_name
from sara.extensions import db
from sara.people import matching
from sara.people.lookup import LookupHit, lookup
from sara.search import indexing
from sara.search.indexing import PG_WEIGHTS, SEARCH_TABLE, fts_documents, pg_documents

#: A longer query is refused by the form; the service cuts one that got past it.
MAX_QUERY = 200
#: A query's words and phrases beyond this many are dropped, so no query can be made huge.
MAX_TERMS = 16
#: Marks the database puts around each match; user text never holds them once rendered.
OPEN, CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{OPEN}(.*?){CLOSE}", re.S)
_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")
_BREAKS = re.compile(r"\s*\n\s*")
_PHONE = re.compile(r"\+?[\d\s().-]{6,}")

#: PostgreSQL's English stop words (its 'english' configuration leaves them out of queries), so
#: a query means the same on SQLite, where FTS5 would otherwise require each of them.
_STOP_WORD_TEXT = """
a about above after again against all am an and any are as at be because been before being below
between both but by can did do does doing don down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own s same she
should so some such t than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())


@dataclass
class SearchFilters:
    text: str = ""
    stage: str | None = None
    status: str | None = None
    neighbourhood_id: int | None = None
    problem_type: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    page: int = 1


@dataclass
class SearchHit:
    case: ProblemCase
    snippet: Markup


@dataclass
class SearchPage(Paged):
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int


# --- the user's text ---------------------------------------------------------------------------

def clean_text(text: str | None) -> str:
    return (text or "").replace("\x00", " ").strip()[:MAX_QUERY]


def fts5_query(text: str) -> str | None:
    """The user's text as an FTS5 query with web-search meaning: words must all appear, "a
    phrase" in quotes, OR between alternatives, -word to leave one out. Every term is quoted, so
    nothing the user types is FTS5 syntax. None when nothing is left to look for."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    position, length, terms = 0, len(text), 0
    while position < length and terms < MAX_TERMS:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = char == "-" and position + 1 < length and not text[position + 1].isspace()
        if negated:
            position += 1
        is_phrase = text[position] == '"'
        if is_phrase:
            end = text.find('"', position + 1)
            end = length if end == -1 else end
            chunk, position = text[position + 1:end], end + 1
        else:
            end = position
            while end < length and not text[end].isspace():
                end += 1
            chunk, position = text[position:end], end
            if not negated and chunk.lower() == "or":
                if groups[-1][0]:
                    groups.append(([], []))
                continue
        words = _WORD.findall(chunk.lower())
        if not is_phrase:
            words = [word for word in words if word not in STOP_WORDS]
        if not words:
            continue
        terms += 1
        groups[-1][1 if negated else 0].append('"' + " ".join(words) + '"')
    parts = []
    for wanted, unwanted in groups:
        if not wanted:
            continue  # FTS5 cannot look for "everything without X"
        expression = "(" + " AND ".join(wanted) + ")"
        for term in unwanted:
            expression = f"({expression} NOT {term})"
        parts.append(expression)
    return " OR ".join(parts) if parts else None


# --- matching, ranking, filtering --------------------------------------------------------------

def _pg_query(text: str):
    return sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text)


def _fts_hits(column: int, text_column) -> sa.ColumnElement:
    """How many matches the case has in one column of its document: highlight() adds one mark
    per match, so the text grows by that many characters."""
    marked = sa.func.highlight(sa.literal_column(SEARCH_TABLE), column, OPEN, "")
    return sa.cast(sa.func.length(marked) - sa.func.length(text_column), sa.Float)


def _ranked(user, filters: SearchFilters) -> tuple[sa.Select, sa.ColumnElement] | None:
    """The visible cases matching the text and the filters, and the score to order them by."""
    text = clean_text(filters.text)
    match = fts5_query(text)
    if match is None:
        return None
    query = policy.visible_cases(user)
    if dialect_name() == "postgresql":
        tsquery = _pg_query(text)
        query = query.join(pg_documents, pg_documents.c.case_id == ProblemCase.id).where(
            pg_documents.c.document.op("@@")(tsquery))
        score = sa.func.ts_rank_cd(sa.literal_column(f"'{PG_WEIGHTS}'::float4[]"),
                                   pg_documents.c.document, tsquery)
    else:
        query = query.join(fts_documents, fts_documents.c.rowid == ProblemCase.id).where(
            sa.literal_column(SEARCH_TABLE).op("MATCH")(match))
        # Saturating per column, weighted as on PostgreSQL: a match in the title always counts
        # for more than any number in the actions.
        score = sa.literal(0.0)
        for column, (weight, text_column) in enumerate(
                ((10.0, fts_documents.c.title), (3.0, fts_documents.c.body),
                 (1.0, fts_documents.c.actions))):
            hits = _fts_hits(column, text_column)
            score = score + weight * hits / (hits + 1.0)
    return _filtered(query, filters), score


def _filtered(query: sa.Select, filters: SearchFilters) -> sa.Select:
    return query.where(*shared_conditions(filters))


def _ordered(query: sa.Select, score: sa.ColumnElement) -> sa.Select:
    labelled = score.label("score")
    return query.add_columns(labelled).order_by(
        labelled.desc(), ProblemCase.updated_dt.desc(), ProblemCase.reference.desc())


def count(user, filters: SearchFilters) -> int:
    ranked = _ranked(user, filters)
    if ranked is None:
        return 0
    ids = ranked[0].with_only_columns(ProblemCase.id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0


def search_page(user, filters: SearchFilters, per_page: int) -> SearchPage:
    indexing.apply_pending(db.session)
    page = max(1, filters.page)
    ranked = _ranked(user, filters)
    total = count(user, filters) if ranked is not None else 0
    if ranked is None or (page - 1) * per_page >= total:
        # A search that found nothing (or a page past the end) is a consultation too.
        consultation.listed("case", [], details={"search": filters.text}, even_if_empty=True,
                            summary="Listed 0 cases in search results")
        return SearchPage(hits=[], total=total, page=page, per_page=per_page)
    query, score = ranked
    cases = [case for case, _score in db.session.execute(
        _ordered(query, score).limit(per_page).offset((page - 1) * per_page))]
    snippets = _snippets(filters.text, [case.id for case in cases])
    hits = [SearchHit(case, render_snippet(snippets.get(case.id, ""))) for case in cases]
    consultation.listed("case", cases, details={"search": filters.text},
                        summary=consultation.counted(len(cases), "case") + " in search results")
    return SearchPage(hits=hits, total=total, page=page, per_page=per_page)


def all_results(user, filters: SearchFilters) -> list[ProblemCase]:
    """Every result in the page's order (the CSV export): the same query without the paging."""
    indexing.apply_pending(db.session)
    ranked = _ranked(user, filters)
    if ranked is None:
        return []
    return [case for case, _score in db.session.execute(_ordered(*ranked))]


# --- snippets ----------------------------------------------------------------------------------

def _snippets(text: str, case_ids: list[int]) -> dict[int, str]:
    """The best passage of each case's document, matches wrapped in OPEN/CLOSE: one query for the
    page (never computed for results that are not shown)."""
    if not case_ids:
        return {}
    text = clean_text(text)
    if dialect_name() == "postgresql":
        document = (pg_documents.c.title + "\n" + pg_documents.c.body + "\n"
                    + pg_documents.c.actions)
        options = (f"StartSel={OPEN}, StopSel={CLOSE}, MaxFragments=2, MaxWords=24, MinWords=8, "
                   'FragmentDelimiter=" … "')
        query = sa.select(
            pg_documents.c.case_id,
            sa.func.ts_headline(sa.literal_column("'english'::regconfig"), document,
                                _pg_query(text), options),
        ).where(pg_documents.c.case_id.in_(case_ids))
    else:
        query = sa.select(
            fts_documents.c.rowid,
            sa.func.snippet(sa.literal_column(SEARCH_TABLE), -1, OPEN, CLOSE, " … ", 24),
        ).where(sa.literal_column(SEARCH_TABLE).op("MATCH")(fts5_query(text)),
                fts_documents.c.rowid.in_(case_ids))
    return {case_id: snippet or "" for case_id, snippet in db.session.execute(query)}


def render_snippet(raw: str) -> Markup:
    """Escape the passage, then turn the database's marks into <mark>: the text itself never
    becomes HTML, and a mark the user typed is dropped rather than opening a tag."""
    # Fields (and paragraphs) are a line apart in the document; a dot keeps them apart here.
    flat = _SPACES.sub(" ", _BREAKS.sub(" · ", (raw or "").strip()))
    escaped = str(escape(flat))
    marked = _MARKED.sub(lambda m: "<mark>" + m.group(1) + "</mark>", escaped)
    # The text was escaped above; the only tags are the <mark>s added here.
    return Markup(marked.replace(OPEN, "").replace(CLOSE, ""))  # noqa: S704


# --- people ------------------------------------------------------------------------------------

def people_criteria(text: str) -> dict[str, str] | None:
    """How to look the text up as a person: a phone number when it looks like one, otherwise a
    name (by the start of the name, as the caller lookup does)."""
    text = clean_text(text)
    if _PHONE.fullmatch(text) and matching.phone_key(text):
        return {"phone": text}
    if matching.name_key(text):
        return {"name": text}
    return None


def find_people(user, text: str) -> tuple[list[LookupHit], dict[str, str]] | None:
    """People of the user's force matching the text, with the criteria used (for the audit row);
    None for anyone the personal-details rules keep from looking people up."""
    if not policy.can_lookup_people(user):
        return None
    criteria = people_criteria(text)
    if criteria is None:
        return None
    hits = [hit for hit in lookup(user.organisation_id, **criteria)
            if policy.can_view_person(user, hit.person)]
    return hits, criteria
