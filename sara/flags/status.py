"""Whether people are repeat victims (of ASB, of crime), or part of an ASB case review, at the
moment of asking.

The stored flags (sara.flags.scan) are raised by the worker after each change and each night;
they feed the queues, acknowledgement and history. A question about a person (the caller lookup,
the person page, the API) is answered here instead, from the rule itself, with the same SQL the
scan runs, so the answer is right whatever the worker is doing: not started, behind, or down.
A fixed number of queries for any number of people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from sara.cases.models import ProblemCase
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.rules import current_rule, late_reason
from sara.flags.scan import (
    REPEAT_VICTIM_RULES,
    case_review_by_people,
    case_review_by_person,
    case_review_complaints,
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
    #: One dict per case-review threshold reached: the person's own ({"case_id": None,
    #: "complaints", "incidents" (those that qualify), "not_qualifying" (each with its
    #: "reason"), "threshold", "window_months"}), and the different-people one of each case
    #: they complained about ({"case_id", "people", "episodes", "incidents", "threshold",
    #: "window_months"}). Incidents also say when and to whom they were reported.
    case_review: list[dict] = field(default_factory=list)

    def subject_keys(self, person_id: int) -> dict[tuple[str, str], tuple[int | None, dict]]:
        """(kind, subject_key) -> (case_id, evidence): the flags the scan would hold."""
        keys: dict[tuple[str, str], tuple[int | None, dict]] = {}
        for kind in REPEAT_VICTIM_RULES:
            if getattr(self, kind) is not None:
                keys[kind, f"person:{person_id}"] = (None, getattr(self, kind))
        for review in self.case_review:
            evidence = {k: v for k, v in review.items() if k != "case_id"}
            key = (f"person:{person_id}" if review["case_id"] is None
                   else f"case:{review['case_id']}:people")
            keys["case_review", key] = (review["case_id"], evidence)
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

    # The statutory threshold: one person's complaints, with or without a case.
    for _key, _case, person_id, evidence, _version in db.session.execute(
            case_review_by_person(now, person_ids)):
        status[person_id].case_review.append({"case_id": None, **decision(evidence)})
    # The different-people threshold belongs to each of the people who complained about the
    # case. Most callers are on no case: then one cheap query says so, and it is not asked.
    case_ids = list(db.session.scalars(cases_of(person_ids).distinct()))
    if not case_ids:
        return status
    reviews = case_review_by_people(now, case_ids).subquery()
    complaints = case_review_complaints(now, person_ids, case_ids).subquery()
    rows = db.session.execute(
        sa.select(reviews.c.case_id, reviews.c.evidence, complaints.c.person_id)
        .join(complaints, complaints.c.case_id == reviews.c.case_id)
        .where(complaints.c.qualifies == 1)
        .order_by(reviews.c.case_id))
    # One row per episode the person complained of: the decision once (PostgreSQL cannot
    # DISTINCT a json column).
    seen = set()
    for case_id, evidence, person_id in rows:
        if (case_id, person_id) not in seen:
            seen.add((case_id, person_id))
            status[person_id].case_review.append({"case_id": case_id, **decision(evidence)})
    return status


def decision(evidence) -> dict:
    """A case-review decision's evidence as shown: the complaints oldest first, and each that
    does not qualify with its reason ("reported 47 days after the behaviour")."""
    evidence = dict(evidence or {})
    evidence["incidents"] = _oldest_first(evidence.get("incidents"))
    if "hate_incidents" in evidence:
        evidence["hate_incidents"] = _oldest_first(evidence.get("hate_incidents"))
    if "people" not in evidence:
        evidence["not_qualifying"] = [
            {**item, "reason": late_reason(datetime.fromisoformat(item["occurred"]),
                                           datetime.fromisoformat(item["reported"]))}
            for item in _oldest_first(evidence.get("not_qualifying"))]
    return evidence


def _oldest_first(incidents) -> list[dict]:
    # SQLite aggregates in the order rows arrive, which it does not promise.
    return sorted(incidents or [], key=lambda i: (i["occurred"], i["reference"]))


def case_review_evidence(person, now) -> dict:
    """What the statutory threshold finds for one person at `now`, met or not: the qualifying
    complaints, those that do not qualify (with why), the numbers and whether it is met (by
    the person's own complaints, or by the different-people variant on a case of theirs)."""
    mine = case_review_by_person(now, [person.id], reaching_only=False).subquery()
    own = db.session.scalar(sa.select(mine.c.evidence))
    _version, params = current_rule("case_review", person.organisation_id)
    evidence = decision(own or {"complaints": 0, "incidents": None, "not_qualifying": None,
                                "threshold": params["complaints"],
                                "window_months": params["window_months"]})
    evidence["met_by_complaints"] = (evidence.get("complaints") or 0) >= evidence["threshold"]
    evidence["met_by_hate"] = bool(evidence.get("hate_incident")
                                   and evidence.get("hate_incidents"))
    theirs = case_review_by_people(now, cases_of([person.id])).subquery()
    by_people = db.session.execute(
        sa.select(ProblemCase.reference, theirs.c.evidence)
        .join(ProblemCase, ProblemCase.id == theirs.c.case_id)
        .order_by(ProblemCase.reference)).all()
    evidence["by_people"] = [{"case": reference, **decision(item)}
                             for reference, item in by_people]
    evidence["met"] = (evidence["met_by_complaints"] or evidence["met_by_hate"]
                       or bool(by_people))
    evidence["checked_at"] = now.isoformat()
    return evidence
