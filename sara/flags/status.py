"""Whether people are repeat victims (of ASB, of crime), or part of an ASB case review, at the
moment of asking.

The stored flags (sara.flags.scan) are raised by the worker after each change and each night;
they feed the queues, acknowledgement and history. A question about a person (the caller lookup,
the person page, the API) is answered here instead, from the rule itself, with the same SQL the
scan runs, so the answer is right whatever the worker is doing: not started, behind, or down.
A fixed number of queries for any number of people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.rules import current_rule
from sara.flags.scan import (
    REPEAT_VICTIM_RULES,
    case_review_complaints,
    case_review_set,
    cases_of,
    repeat_victims_by_force,
)


@dataclass
class PersonStatus:
    #: {"count", "incidents", "threshold", "window_days"} when the person is a repeat ASB
    #: victim now; "incidents" lists those counted ({"reference", "source", "occurred",
    #: "category"}, oldest first, one per episode)
    repeat_victim: dict | None = None
    #: The same for the repeat-victim-of-crime rule
    repeat_victim_crime: dict | None = None
    #: One {"case_id", "complaints" or "people", "incidents", "threshold", "window_days"} per
    #: threshold reached on a case the person complained about
    case_review: list[dict] = field(default_factory=list)

    def subject_keys(self, person_id: int) -> dict[tuple[str, str], tuple[int | None, dict]]:
        """(kind, subject_key) -> (case_id, evidence): the flags the scan would hold."""
        keys: dict[tuple[str, str], tuple[int | None, dict]] = {}
        for kind in REPEAT_VICTIM_RULES:
            if getattr(self, kind) is not None:
                keys[kind, f"person:{person_id}"] = (None, getattr(self, kind))
        for review in self.case_review:
            evidence = {k: v for k, v in review.items() if k != "case_id"}
            suffix = f"person:{person_id}" if "complaints" in review else "people"
            keys["case_review", f"case:{review['case_id']}:{suffix}"] = (review["case_id"],
                                                                         evidence)
        return keys


def people_status(person_ids: list[int], now: datetime | None = None) -> dict[int, PersonStatus]:
    """The status of each of `person_ids` now (everyone is in the answer, most with nothing)."""
    now = now or utcnow()
    status = {person_id: PersonStatus() for person_id in person_ids}
    if not person_ids:
        return status
    # Both repeat-victim rules in one statement.
    rules = sa.union_all(*(repeat_victims_by_force(now, person_ids, kind)
                           .add_columns(sa.literal(kind).label("kind"))
                           for kind in REPEAT_VICTIM_RULES))
    for person_id, organisation_id, count, incidents, kind in db.session.execute(rules):
        _, rule = current_rule(kind, organisation_id)
        setattr(status[person_id], kind, {
            "count": count, "incidents": _oldest_first(incidents),
            "threshold": rule["threshold"], "window_days": rule["window_days"]})

    # Most callers are on no case: then one cheap query says so, and the case-review rule,
    # whose statement is long to build and to run, is not asked.
    case_ids = list(db.session.scalars(cases_of(person_ids).distinct()))
    if not case_ids:
        return status
    reviews = case_review_set(now, person_ids, case_ids).subquery()
    complaints = case_review_complaints(now, person_ids, case_ids).subquery()
    # A threshold of different people belongs to each of them: joined to whoever of these
    # people complained about that case in its window.
    rows = db.session.execute(
        sa.select(reviews.c.case_id, reviews.c.person_id, reviews.c.evidence,
                  complaints.c.person_id)
        .join(complaints, sa.and_(
            complaints.c.case_id == reviews.c.case_id,
            sa.or_(complaints.c.person_id == reviews.c.person_id,
                   reviews.c.person_id.is_(None))))
        .where(complaints.c.person_id.in_(person_ids))
        .order_by(reviews.c.case_id, reviews.c.person_id))
    seen: dict[int, set] = defaultdict(set)
    for case_id, own, evidence, person_id in rows:
        if (case_id, own) in seen[person_id]:
            continue
        seen[person_id].add((case_id, own))
        evidence = dict(evidence or {})
        evidence["incidents"] = _oldest_first(evidence.get("incidents"))
        status[person_id].case_review.append({"case_id": case_id, **evidence})
    return status


def _oldest_first(incidents) -> list[dict]:
    # SQLite aggregates in the order rows arrive, which it does not promise.
    return sorted(incidents or [], key=lambda i: (i["occurred"], i["reference"]))
