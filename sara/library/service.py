"""Case studies: writing one, checking it for personal details, publishing it in the good-practice
library and withdrawing it. Functions flush; the caller commits.

A case study is published only with (or after) the approval of an evaluation marked as good
practice, and only once `personal_details_found` finds none of the linked people's details in it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from sara.audit import service as audit
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.forms import MAX_TEXT
from sara.core.rules import RuleError
from sara.core.types import utcnow
from sara.extensions import db
from sara.incidents.models import CaseIncident, IncidentPerson
from sara.library.models import CASE_STUDY_FIELDS, TITLE_LENGTH, CaseStudy
from sara.people.models import CasePerson, Person

log = logging.getLogger(__name__)


class CaseStudyError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


class CaseStudyVersionConflict(Exception):
    pass


# --- the personal-details check ------------------------------------------------------------------

#: How each field is named in a refusal, and whether the name takes a plural verb.
FIELD_NAMES = {"title": ("title", False), "problem": ("problem", False),
               "analysis": ("analysis", False), "response": ("response", False),
               "assessment": ("assessment", False), "lessons": ("lessons", True)}
DETAIL_KINDS = {"name": "name", "phone": "phone number", "address": "address",
                "postcode": "postcode"}
#: Titles that, before a surname, name a person ("Mrs Wintersgill", "Dr. Okafor").
TITLES = ("mr", "mrs", "ms", "miss", "mx", "master", "dr", "doctor", "prof", "professor", "sir",
          "dame", "lady", "lord", "rev", "revd", "reverend")
#: Phone numbers with fewer significant digits than this are not compared: too short to be
#: anybody's number, too likely to be a count.
MIN_PHONE_DIGITS = 7
#: A shorter "postcode" is only an outward code (a district, "LN1"), not an address.
MIN_POSTCODE_CHARACTERS = 5

_NOT_A_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_DIGIT_RUN = re.compile(r"\d[\d\s().\-/]*")
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$", re.IGNORECASE)
_FLAT = re.compile(r"^(flat|apartment|apt|unit|room|suite)\s+\S+$", re.IGNORECASE)


class PersonDetails(Protocol):
    name: str | None
    phone: str | None
    address: str | None
    postcode: str | None


@dataclass(frozen=True)
class Finding:
    """A case-study field that holds a detail of someone linked to the case. It names the field
    and the kind of detail only, never the detail, so it can be logged and shown to anyone."""

    field: str
    kind: str

    def message(self, before: str = "publishing") -> str:
        label, plural = FIELD_NAMES[self.field]
        verb = "contain" if plural else "contains"
        return (f"The case study's {label} {verb} the {DETAIL_KINDS[self.kind]} of a person "
                f"linked to this case: remove it before {before}.")


def _words(text: str | None) -> str:
    """Lower case, accents and apostrophes dropped ("O'Brien" is "obrien"), every run of anything
    else but letters and digits one space."""
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_A_LETTER_OR_DIGIT.sub(" ", plain).strip()


def _significant_digits(phone: str | None) -> str:
    """A phone number's digits without the international or trunk prefix, so 07700 900131,
    +44 7700 900131 and 0044 (0)7700 900131 all give 7700900131."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("44") and len(digits) > 10:
        digits = digits[2:]
    return digits.lstrip("0")


def _first_address_lines(address: str | None) -> list[str]:
    """The house and street ("17 Sentinel Mews" of "17 Sentinel Mews, Lincoln"): a bare house
    number joins the line after it, a flat number gives way to it. An address written on one
    line from its house number ("17 Sentinel Mews Lincoln") gives each of its beginnings of three
    to eight words, as where the street ends cannot be told."""
    lines = [line.strip() for line in re.split(r"[,\n]", address or "") if line.strip()]
    if not lines:
        return []
    first = lines[0]
    if len(lines) > 1 and _HOUSE_NUMBER.match(first):
        first = f"{first} {lines[1]}"
    elif len(lines) > 1 and _FLAT.match(first):
        first = lines[1]
    words = _words(first).split()
    if len(lines) == 1 and len(words) > 3 and words[0][0].isdigit():
        return [" ".join(words[:n]) for n in range(3, min(len(words), 8) + 1)]
    # A one-word "address" (a town, a placeholder) would refuse every mention of a place.
    return [" ".join(words)] if len(words) >= 2 else []


def _name_phrases(name: str | None) -> list[str]:
    name = name or ""
    if "," in name:
        # "Wintersgill, Edna", as exports often write names: the surname comes first.
        surname_part, forenames = name.split(",", 1)
        name = f"{forenames} {surname_part}"
    # Split on white space before normalising, so a double-barrelled surname stays one surname.
    names = [words for words in (_words(part) for part in name.split()) if words]
    if len(names) > 1 and names[0] in TITLES:
        names = names[1:]  # "Mrs Edna Wintersgill" is also "Edna Wintersgill"
    if not names:
        return []
    first, surname = names[0], names[-1]
    phrases = [f"{title} {surname}" for title in TITLES]
    if len(names) >= 2:
        phrases += [" ".join(names), f"{first} {surname}", f"{surname} {first}"]
    return phrases


def _postcode_key(postcode: str | None) -> str:
    key = _words(postcode).replace(" ", "")
    return key if len(key) >= MIN_POSTCODE_CHARACTERS else ""


def _phrases_in(words: list[str], longest: int) -> set[str]:
    """Every run of up to `longest` consecutive words: a phrase is in the text when it is one of
    them (a set look-up per phrase, however many people are linked)."""
    return {" ".join(words[i:i + n]) for n in range(1, longest + 1)
            for i in range(len(words) - n + 1)}


def _numbers_in(text: str | None, lengths: set[int]) -> set[str]:
    """Every stretch of `lengths` digits inside a run of digits (with spaces, brackets, dots or
    hyphens between them): a phone number is in the text when its digits are one of them."""
    numbers = set()
    for run in _DIGIT_RUN.findall(text or "") if lengths else ():
        digits = re.sub(r"\D", "", run)
        for n in lengths:
            numbers.update(digits[i:i + n] for i in range(len(digits) - n + 1))
    return numbers


def _joined_in(words: list[str], longest: int) -> set[str]:
    """Every run of consecutive words written together, up to `longest` characters: a postcode
    with or without its spaces ("ln9 9zz", "ln99zz") is one of them."""
    joined = set()
    for i in range(len(words)):
        run = ""
        for word in words[i:]:
            run += word
            if len(run) > longest:
                break
            joined.add(run)
    return joined


def personal_details_found(texts: Mapping[str, str],
                           people: Iterable[PersonDetails]) -> list[Finding]:
    """Which case-study fields hold a detail of one of `people`: one Finding per field and kind,
    in the order of `texts`, then name, phone, address, postcode. Pure: no database, no logging.

    The rule. A field holds a person's
    - name when it contains their full name, or their first and last names in either order
      (case-insensitive, with any white space or punctuation between the words), or a title and
      their surname ("Mrs Wintersgill", "Dr. Okafor"). A single-word name is only matched after
      a title: on its own it cannot be told from an ordinary word;
    - phone number when a run of digits in it (with spaces, brackets, dots or hyphens between
      them) contains the number's digits without its +44, 0044 or 0 prefix: "07700 900131",
      "07700900131" and "+44 7700 900131" are one number. Numbers of fewer than 7 such digits
      are not compared;
    - address when it contains the first line of their address (the house number and street,
      "17 Sentinel Mews"), compared as names are. A first line of one word is not compared; of
      an address written on one line, any beginning of three words or more is a first line;
    - postcode when it contains their full postcode, ignoring case and spaces ("ln99zz").
    """
    names: set[str] = set()
    addresses: set[str] = set()
    phones: set[str] = set()
    postcodes: set[str] = set()
    for person in people:
        names.update(_name_phrases(person.name))
        digits = _significant_digits(person.phone)
        if len(digits) >= MIN_PHONE_DIGITS:
            phones.add(digits)
        addresses.update(_first_address_lines(person.address))
        key = _postcode_key(person.postcode)
        if key:
            postcodes.add(key)
    longest_phrase = max((len(phrase.split()) for phrase in names | addresses), default=0)
    longest_postcode = max((len(key) for key in postcodes), default=0)
    phone_lengths = {len(number) for number in phones}

    findings = []
    for field, text in texts.items():
        words = _words(text).split()
        phrases = _phrases_in(words, longest_phrase)
        found = {
            "name": not names.isdisjoint(phrases),
            "phone": not phones.isdisjoint(_numbers_in(text, phone_lengths)),
            "address": not addresses.isdisjoint(phrases),
            "postcode": not postcodes.isdisjoint(_joined_in(words, longest_postcode)),
        }
        findings += [Finding(field, kind) for kind in DETAIL_KINDS if found[kind]]
    return findings


def linked_people(case: ProblemCase) -> list:
    """Everyone linked to the case: on the case itself, and on any incident linked to it."""
    on_case = sa.select(CasePerson.person_id).where(CasePerson.case_id == case.id)
    on_incidents = (
        sa.select(IncidentPerson.person_id)
        .join(CaseIncident, CaseIncident.incident_id == IncidentPerson.incident_id)
        .where(CaseIncident.case_id == case.id)
    )
    return list(db.session.scalars(
        sa.select(Person).where(Person.id.in_(sa.union(on_case, on_incidents)))
        .order_by(Person.id)))


def check_case_study(study: CaseStudy) -> list[Finding]:
    return personal_details_found(study.texts(), linked_people(study.case))


class CaseStudyRefused(CaseStudyError):
    """The check found a linked person's detail: nothing may be published."""

    def __init__(self, finding: Finding, before: str):
        super().__init__(finding.message(before), field=finding.field)
        self.finding = finding


def refuse_personal_details(study: CaseStudy, before: str = "publishing") -> None:
    """Raise CaseStudyRefused for the first detail the check finds. Logged by field and kind
    only: the detail itself never reaches a log."""
    findings = check_case_study(study)
    if findings:
        log.info("Case study of %s refused: its %s holds a linked person's %s",
                 study.case.reference, findings[0].field, findings[0].kind)
        raise CaseStudyRefused(findings[0], before)


# --- writing -------------------------------------------------------------------------------------

REQUIRED = {
    "title": "Enter a title for the case study",
    "problem": "Describe the problem",
    "analysis": "Describe what the analysis found",
    "response": "Describe the response",
    "assessment": "Describe the assessment: what changed and how it was measured",
    "lessons": "Enter the lessons other teams can learn from it",
}


def _check_version(study: CaseStudy | None, expected_version: int | None) -> None:
    """`expected_version` is the version the writer read, None when they saw no case study."""
    current = study.version if study is not None else None
    if current != expected_version:
        raise CaseStudyVersionConflict()


def _cleaned(values: Mapping[str, str | None]) -> dict[str, str]:
    cleaned = {}
    for name in CASE_STUDY_FIELDS:
        value = (values.get(name) or "").strip()
        if "\x00" in value:
            raise CaseStudyError("The case study must not contain NUL characters", field=name)
        if not value:
            raise CaseStudyError(REQUIRED[name], field=name)
        limit = TITLE_LENGTH if name == "title" else MAX_TEXT
        if len(value) > limit:
            raise CaseStudyError(f"The {FIELD_NAMES[name][0]} must be {limit:,} characters or "
                                 "fewer", field=name)
        cleaned[name] = value
    return cleaned


def save_case_study(case: ProblemCase, actor, values: Mapping[str, str | None],
                    expected_version: int | None) -> CaseStudy:
    """Write the case study, or change it. Every section is needed. A published case study is
    changed only after a supervisor withdraws it, and none while the evaluation awaits sign-off
    (the supervisor approves what was submitted)."""
    study = case.case_study
    _check_version(study, expected_version)
    if study is not None and study.is_published:
        raise CaseStudyError("This case study is published: a supervisor must withdraw it from "
                             "the library before it can be changed")
    evaluation = case.evaluation
    if evaluation is not None and evaluation.status == "submitted":
        raise CaseStudyError("The evaluation has been submitted: the case study cannot be "
                             "changed until a supervisor approves it or returns it")
    cleaned = _cleaned(values)
    now = utcnow()
    if study is None:
        study = CaseStudy(case=case, created_by_id=actor.id, created_dt=now,
                          written_by_id=actor.id, written_dt=now, status="draft", **cleaned)
        db.session.add(study)
        changes = [{"field": name, "before": None, "after": value}
                   for name, value in cleaned.items()]
        summary = "Wrote the case study"
    else:
        changes = [{"field": name, "before": getattr(study, name), "after": value}
                   for name, value in cleaned.items() if getattr(study, name) != value]
        if not changes:
            return study
        for change in changes:
            setattr(study, change["field"], change["after"])
        study.written_by_id = actor.id
        study.written_dt = now
        summary = "Changed the case study: " + ", ".join(
            f"the {FIELD_NAMES[c['field']][0]}" for c in changes)
    db.session.flush()
    # The timeline (which partners may read) names the sections; only the audit log, for the
    # owning force's supervisors, keeps the text.
    case_service.record_event(case, actor, "case_study", summary=summary)
    audit.record("alteration", user=actor, case=case, summary=summary,
                 details={"event": "case_study", "changes": changes})
    return study


# --- publishing ------------------------------------------------------------------------------

def publish_case_study(case: ProblemCase, supervisor, *, before: str = "publishing",
                       expected_version: int | None = None) -> CaseStudy:
    """Publish the case study of an approved good-practice evaluation, once the check passes.
    `before` ends a refusal: "remove it before publishing" (or "approving")."""
    study = case.case_study
    if study is None:
        raise CaseStudyError("Write the case study before publishing it")
    if expected_version is not None and study.version != expected_version:
        raise CaseStudyVersionConflict()
    evaluation = case.evaluation
    if evaluation is None or evaluation.status != "approved" or not evaluation.is_good_practice:
        raise CaseStudyError("Only the case study of an approved evaluation marked as good "
                             "practice can be published")
    if study.is_published:
        raise CaseStudyError("This case study is already published")
    refuse_personal_details(study, before)
    study.status = "published"
    study.published_by_id = supervisor.id
    study.published_dt = utcnow()
    db.session.flush()
    _record_publication(case, supervisor, "Published the case study in the good-practice library",
                        "draft", "published")
    return study


def withdraw_case_study(case: ProblemCase, supervisor,
                        expected_version: int | None = None) -> CaseStudy:
    """Take the case study out of the library; it stays as a draft that can be changed and
    published again."""
    study = case.case_study
    if study is None or not study.is_published:
        raise CaseStudyError("This case study is not published")
    if expected_version is not None and study.version != expected_version:
        raise CaseStudyVersionConflict()
    study.status = "draft"
    study.published_by_id = None
    study.published_dt = None
    db.session.flush()
    _record_publication(case, supervisor,
                        "Withdrew the case study from the good-practice library",
                        "published", "draft")
    return study


def _record_publication(case: ProblemCase, supervisor, summary: str, before: str,
                        after: str) -> None:
    case_service.record_event(case, supervisor, "case_study", summary=summary)
    audit.record("alteration", user=supervisor, case=case, summary=summary,
                 details={"event": "case_study",
                          "changes": [{"field": "status", "before": before, "after": after}]})
