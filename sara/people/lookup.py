"""The call-handler lookup: find callers by name, phone, address or postcode, and say at once
whether they are a repeat victim (of ASB, of crime) or vulnerable, or part of an ASB case review,
with the incidents each rule counted."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from sara import policy
from sara.asb_reviews.models import REVIEW_STATUSES, AsbReview
from sara.audit import consultation
from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.extensions import db
from sara.flags.status import people_status
from sara.people import matching
from sara.people.models import VULNERABILITIES, CasePerson, Person, PersonVulnerability

MAX_RESULTS = 25


@dataclass
class LookupHit:
    person: Person
    vulnerabilities: list[str] = field(default_factory=list)
    repeat_victim: dict | None = None
    repeat_victim_crime: dict | None = None
    case_review: list[dict] = field(default_factory=list)
    #: The person's applications for an ASB case review that the viewer may see, newest first:
    #: reference, date received and where the review is
    case_review_applications: list[dict] = field(default_factory=list)
    #: The open cases the person is on, among those the viewer may see: reference, title and
    #: the officer in charge
    open_cases: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        p = self.person
        return {
            "reference": p.reference, "name": p.name,
            "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
            "phone": p.phone, "address": p.address, "postcode": p.postcode,
            "vulnerabilities": self.vulnerabilities,
            "repeat_victim": self.repeat_victim is not None,
            "repeat_victim_evidence": self.repeat_victim,
            "repeat_victim_crime": self.repeat_victim_crime is not None,
            "repeat_victim_crime_evidence": self.repeat_victim_crime,
            "case_review": bool(self.case_review),
            "case_review_evidence": self.case_review,
            "case_review_applications": [{**a, "received": a["received"].isoformat()}
                                         for a in self.case_review_applications],
            "open_cases": self.open_cases,
        }


def _starts_a_word(column, words: str):
    """`words` at the start of `column`, or right after a space in it (keys are single-spaced
    lower-case words)."""
    return sa.or_(column.startswith(words, autoescape=True),
                  column.contains(" " + words, autoescape=True))


def lookup(organisation_id: int, *, name: str = "", phone: str = "", address: str = "",
           postcode: str = "", viewer=None) -> list[LookupHit]:
    """People of the organisation matching every detail given, in their normalised forms: each
    word of the name starts a part of the person's name, or sounds like one (metaphone), in any
    order (a surname alone, "Okafor" for Nowak-Okafor, "Smyth" for Smith); the address's words
    appear in that order anywhere in theirs ("Monks Road" in "112 Monks Road"); phone and
    postcode exactly. A fixed number of queries, however many hits: on PostgreSQL trigram
    indexes serve the word matches (migrations e2f6a8b10701, f3a7b9c20801)."""
    conditions = []
    for word in matching.name_key(name).split():
        # Spelt as given, or sounding the same (Smyth finds Smith, Kathryn finds Catherine).
        code = matching.sound_of(word)
        conditions.append(sa.or_(_starts_a_word(Person.name_key, word),
                                 Person.name_sounds.contains(f" {code} ", autoescape=True))
                          if code else _starts_a_word(Person.name_key, word))
    if matching.phone_key(phone):
        conditions.append(Person.phone_key == matching.phone_key(phone))
    if matching.postcode_key(postcode):
        conditions.append(Person.postcode_key == matching.postcode_key(postcode))
    if matching.address_key(address):
        conditions.append(_starts_a_word(Person.address_key, matching.address_key(address)))
    if not conditions:
        return []
    people = db.session.scalars(
        sa.select(Person).where(Person.organisation_id == organisation_id,
                                Person.merged_into_id.is_(None), *conditions)
        # Ordered by id, not name: ordering by name makes PostgreSQL walk the plain name index
        # and filter, instead of using the prefix index (bench/results/lookup.md).
        .order_by(Person.id).limit(MAX_RESULTS)
    ).all()
    people = sorted(people, key=lambda p: (p.name_key, p.id))
    # Each person shown is a consultation of their record; a search that found no one is
    # logged too (with what was searched for).
    searched = {k: v for k, v in (("name", name), ("phone", phone), ("address", address),
                                  ("postcode", postcode)) if v}
    consultation.listed("person", people, details={"search": searched}, even_if_empty=True,
                        summary="Shown in a caller lookup" if people
                        else "Caller lookup with no match")
    if not people:
        return []
    ids = [p.id for p in people]
    hits = {p.id: LookupHit(person=p) for p in people}
    for person_id, kind in db.session.execute(
        sa.select(PersonVulnerability.person_id, PersonVulnerability.kind)
        .where(PersonVulnerability.person_id.in_(ids))
    ):
        hits[person_id].vulnerabilities.append(VULNERABILITIES[kind])
    # The rules at the moment of asking, never the stored flags, which wait on the worker.
    for person_id, status in people_status(ids).items():
        hits[person_id].repeat_victim = status.repeat_victim
        hits[person_id].repeat_victim_crime = status.repeat_victim_crime
        hits[person_id].case_review = status.case_review
    if viewer is not None:
        # A caller who has applied for a case review is told where it is, whatever today's
        # complaints say: the application, not the count, is what they will ask about.
        for person_id, reference, received, status in db.session.execute(
            sa.select(AsbReview.person_id, AsbReview.reference, AsbReview.received_date,
                      AsbReview.status)
            .where(AsbReview.person_id.in_(ids), policy.asb_review_scope(viewer))
            .order_by(AsbReview.received_date.desc(), AsbReview.id.desc())
        ):
            hits[person_id].case_review_applications.append(
                {"reference": reference, "received": received, "status": status,
                 "status_label": REVIEW_STATUSES[status]})
        for person_id, reference, title, officer in db.session.execute(
            sa.select(CasePerson.person_id, ProblemCase.reference, ProblemCase.title, User.name)
            .join(ProblemCase, ProblemCase.id == CasePerson.case_id)
            .join(User, User.id == ProblemCase.owner_id)
            .where(CasePerson.person_id.in_(ids), ProblemCase.status == "open",
                   policy.case_scope(viewer))
            .distinct().order_by(ProblemCase.reference)
        ):
            hits[person_id].open_cases.append(
                {"reference": reference, "title": title, "officer": officer})
    return [hits[i] for i in ids]
