"""Consultation logging (Data Protection Act 2018 s.62), done once, by infrastructure.

What a request shows is noted while it runs: the policy's loaders (`get_*_or_404`) call `viewed`
for the record a page is about, and the functions that build lists, searches and lookups call
`listed` with what they list. Once the response is ready, `write_consultations` records it all in
the request's short bookkeeping transaction (sara.core.unit_of_work):

- a row for each record viewed ("Viewed /cases/PS-2026-00042");
- a row for each list, naming every reference it showed and linked (audit_event_cases) to every
  case on it, so that a case's own audit log shows each list, search and export it appeared in
  (a list of people is a row per person instead, so a person's own log is one indexed query on
  record_ref, as it is for a person's page);
- an access-denied row for a reference the policy refused (its 404).

A view never writes a consultation row itself, so a new page cannot forget one: it cannot show a
record without loading it through a loader or a list function. tests/test_consultation.py walks
every page and checks that each reference it shows was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from sara.audit import service
from sara.core import unit_of_work

#: How each kind of record is named in the log, and which case it belongs to (if any).
_REFERENCE = {
    "case": lambda r: r.reference,
    "action": lambda r: r.reference,
    "person": lambda r: r.reference,
    "incident": lambda r: r.reference,
    "asb_review": lambda r: r.reference,
    "flag": lambda r: f"flag:{r.id}",
    "user": lambda r: r.email,
    "audit_log": lambda r: r.email,  # a user whose activity was read
}
_CASE_ID = {
    "case": lambda r: r.id,
    "action": lambda r: r.case_id,
    "flag": lambda r: r.case_id,
    "asb_review": lambda r: r.case_id,
}
#: A list names at most this many references in its row (lists are paged far below this).
MAX_REFERENCES = 1000


@dataclass
class _Viewed:
    kind: str
    reference: str
    #: The case the record was shown on (its own id, for a case)
    case_id: int | None
    summary: str | None
    details: dict | None


@dataclass
class _Listed:
    kind: str
    summary: str
    details: dict | None
    references: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    #: A search or lookup is a consultation even when it finds nothing
    even_if_empty: bool = False


@dataclass
class _Shown:
    viewed: list[_Viewed] = field(default_factory=list)
    listed: list[_Listed] = field(default_factory=list)
    #: (kind, reference) the policy refused
    denied: tuple[str, str] | None = None


def _shown() -> _Shown | None:
    if not has_request_context():
        return None  # a job or the CLI: what they read is not a user's consultation
    if "_consultations" not in g:
        g._consultations = _Shown()
    return g._consultations


def viewed(kind: str, record, *, case=None, summary: str | None = None,
           details: dict | None = None) -> None:
    """The request shows `record` (a case, person, incident...), as the page it is about, or
    shown on that page (a person on a case, with `case`)."""
    shown = _shown()
    if shown is None:
        return
    if kind == "case" and case is None:
        case = record
    reference = _REFERENCE[kind](record)
    case_id = getattr(case, "id", None)
    if any(v.kind == kind and v.reference == reference and v.case_id == case_id
           for v in shown.viewed):
        return
    shown.viewed.append(_Viewed(kind, reference, case_id, summary, details))


def counted(count: int, word: str) -> str:
    """'Listed 1 case', 'Listed 3 cases', 'Listed 2 case studies': the words of a list's row."""
    if count == 1:
        return f"Listed 1 {word}"
    plural = word[:-1] + "ies" if word.endswith("y") and word[-2] not in "aeiou" else word + "s"
    return f"Listed {count} {plural}"


def listed(kind: str, records, *, summary: str, details: dict | None = None,
           case_ids=(), even_if_empty: bool = False) -> None:
    """The request lists `records` (ORM objects of `kind`). One row per call, naming them all;
    `case_ids` adds cases the list concerns besides the records' own. An empty list is recorded
    only when `even_if_empty` (a search that found nothing)."""
    shown = _shown()
    if shown is None:
        return
    records = list(records)
    entry = _Listed(kind, summary, details, even_if_empty=even_if_empty)
    entry.references = list(dict.fromkeys(_REFERENCE[kind](r) for r in records))
    of_case = _CASE_ID.get(kind)
    ids = [of_case(r) for r in records] if of_case else []
    entry.case_ids = [i for i in dict.fromkeys([*ids, *case_ids]) if i is not None]
    shown.listed.append(entry)


def listed_references(kind: str, references, *, summary: str, case_ids=(),
                      details: dict | None = None) -> None:
    """As `listed`, for a list built from columns rather than records (its references, and the
    ids of the cases on it)."""
    shown = _shown()
    if shown is None:
        return
    entry = _Listed(kind, summary, details)
    entry.references = list(dict.fromkeys(r for r in references if r))
    entry.case_ids = list(dict.fromkeys(i for i in case_ids if i is not None))
    shown.listed.append(entry)


def denied(kind: str, reference: str) -> None:
    """The policy refused this reference to a record of `kind` (answering 404)."""
    shown = _shown()
    if shown is not None:
        shown.denied = (kind, reference.replace("\x00", "\\x00")[:100])


def forget() -> None:
    """Record nothing of this request as consultation (an export records a disclosure
    instead)."""
    if has_request_context():
        g.pop("_consultations", None)


def write_consultations(response) -> None:
    """Record what the request showed, once the response is ready: part of the request's
    bookkeeping (sara.core.unit_of_work), which is written whether or not the request's own
    changes were kept (a refused form still showed its page)."""
    shown: _Shown | None = g.pop("_consultations", None)
    if shown is None or not current_user.is_authenticated:
        return
    refused = shown.denied is not None and response.status_code == 404
    # A record's page is consulted when read; a write's own audit row (an alteration) covers
    # what a 200 answer to a POST shows of the record it changed. Lists are recorded whatever
    # the method (a refused form that lists probable duplicates showed them).
    if request.method not in ("GET", "HEAD"):
        shown.viewed = []
    if refused:
        kind, reference = shown.denied
        service.record("access_denied", user=current_user, record_type=kind,
                       record_ref=reference, summary=f"Refused {request.method} {request.path}")
        return
    if response.status_code != 200:
        return
    for item in shown.viewed:
        service.record("consultation", user=current_user, record_type=item.kind,
                       record_ref=item.reference, case_id=item.case_id,
                       summary=item.summary or f"Viewed {request.path}", details=item.details)
    for item in shown.listed:
        _write_list(item)


def _write_list(item: _Listed) -> None:
    if not item.references and not item.even_if_empty:
        return
    if item.kind == "person" and item.references:
        service.record_each("consultation", user=current_user, record_type="person",
                            record_refs=item.references, summary=item.summary,
                            details=item.details)
        return
    event = service.record(
        "consultation", user=current_user, record_type=item.kind, summary=item.summary,
        details={**(item.details or {}), "count": len(item.references),
                 "references": item.references[:MAX_REFERENCES]})
    service.link_cases(event, item.case_ids)


def register(app: Flask) -> None:
    @app.before_request
    def record_what_is_shown():
        unit_of_work.bookkeeping(write_consultations)
