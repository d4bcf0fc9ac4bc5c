"""Whether a caller or a person being recorded is someone the force already holds: one rule, used
by the person form, CAD imports, the demo data and (for its normal forms) the call-handler lookup.

A profile is linked automatically only on strong evidence, and only when exactly one profile
offers it:

- the same phone number and a compatible name, or
- a compatible name and the same date of birth,

and no date of birth says otherwise. Names are compatible when the surnames are the same and the
first names agree: equal, one the initial of the other, or one not given ("Mrs Smith").

Anything weaker is a *possible duplicate* for a supervisor to decide (sara.people.duplicates),
never a merge: the same address and surname (a household: John and Jane Smith), the same name
alone (two Amira Larkspurs, or one caller twice), the same phone with different first names (a
shared landline), or strong evidence that a date of birth contradicts (father and son).

Details are compared in a normal form stored alongside them, so each check is an index look-up:
case, spacing, accents, titles and apostrophes do not matter (O'Neill, O Neill, ONeill), surnames
keep every part (Nowak-Okafor is not Pritchard-Okafor; van der Berg is one surname), "Smith,
John" is John Smith, and UK phone numbers are the same however written (+44, 0044, (0), spaces
and dashes).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import jellyfish
import sqlalchemy as sa

from sara.core.sql import upsert_insert
from sara.core.types import utcnow
from sara.extensions import db
from sara.people.models import Person, PossibleDuplicate

_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[^a-z0-9\- ]+")
_ABBREVIATIONS = {"road": "rd", "street": "st", "avenue": "ave", "lane": "ln", "close": "cl",
                  "drive": "dr", "court": "ct", "crescent": "cres", "place": "pl",
                  "gardens": "gdns", "flat": "flat", "apartment": "flat"}
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame",
                     "lady", "lord"})
#: Words that belong to the surname that follows them (van der Berg, de la Cruz, bin Laden).
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "du", "del", "della",
                        "la", "le", "dos", "das", "bin", "ibn", "al", "el", "ap", "ter", "ten"})
#: Of those, the ones that start a surname even as a name's first word (van Dijk, De Souza);
#: "Al Smith" and "Di Jones" are given names.
_LEADING_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "del", "della", "bin",
                                "ibn", "ap", "ter", "ten"})
#: Written apart or together, the same name: O Neill is O'Neill, Mc Donald is McDonald.
_JOINED_PREFIXES = frozenset({"o", "mc", "mac"})
#: Fewer digits than this is a service number (101, 999) or a fragment, never one caller's.
MIN_PHONE_DIGITS = 7


def _plain(text: str | None) -> str:
    """Lower case, without accents or apostrophes (O'Neill is ONeill, José is Jose)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _APOSTROPHES.sub("", text)


def _words(name: str | None) -> list[str]:
    """A name's words in normal form, in given-names-then-surname order."""
    text = _plain(name)
    if text.count(",") == 1:
        # "SMITH, John": command-and-control systems often write the surname first.
        surname, given = text.split(",")
        text = f"{given} {surname}"
    words = _NOT_WORD.sub(" ", text).split()
    words = [w.strip("-") for w in words if w.strip("-") and w.strip("-") not in _TITLES]
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] in _JOINED_PREFIXES:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _parts(name: str | None) -> tuple[list[str], str]:
    """(given names, surname) of a name; the surname keeps its particles and hyphens."""
    words = _words(name)
    if not words:
        return [], ""
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    if start == 1 and words[0] in _LEADING_PARTICLES:
        start = 0
    return words[:start], "".join(words[start:])


def name_key(name: str | None) -> str:
    """The name for comparing and searching: lower-case words, hyphens as spaces (so that
    "Okafor" finds Nowak-Okafor)."""
    return " ".join(" ".join(_words(name)).replace("-", " ").split())


def surname_key(name: str | None) -> str:
    return _parts(name)[1]


def name_sounds(name: str | None) -> str:
    """The sound of each part of the name (its metaphone code), with a space at each end and
    between, so that a part is found as ' CODE ' ("Catherine Smyth" -> " K0RN SM0 ")."""
    codes = [code for code in (jellyfish.metaphone(word) for word in name_key(name).split())
             if code]
    return f" {' '.join(codes)} " if codes else ""


def sound_of(word: str) -> str:
    """One word's metaphone code ('' for a word with none, such as a number)."""
    return jellyfish.metaphone(word) if word else ""


def phone_key(phone: str | None) -> str | None:
    """A UK number in its national form (07700900123) however written; another country's as
    00 and its international digits; None for no number or too few digits to be one."""
    raw = (phone or "").strip()
    digits = re.sub(r"\D", "", raw)
    international = None
    if digits.startswith("00"):
        international = digits[2:]
    elif raw.startswith("+"):
        international = digits
    if international is not None:
        if international.startswith("44"):
            # +44 (0)7700 ...: the trunk 0 written after the country code is not dialled.
            digits = "0" + international[2:].lstrip("0")
        else:
            digits = "00" + international
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]  # 44 7700 900123, the plus left off
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def address_key(address: str | None) -> str | None:
    words = _NOT_WORD.sub(" ", _plain(address)).replace("-", " ").split()
    key = " ".join(_ABBREVIATIONS.get(w, w) for w in words if w)
    return key or None


def postcode_key(postcode: str | None) -> str | None:
    key = re.sub(r"\s", "", (postcode or "").upper())
    return key or None


def fill_keys(person: Person) -> None:
    person.name_key = name_key(person.name)
    person.name_sounds = name_sounds(person.name)
    person.surname_key = surname_key(person.name)
    person.phone_key = phone_key(person.phone)
    person.address_key = address_key(person.address)
    person.postcode_key = postcode_key(person.postcode)


# --- the rule ----------------------------------------------------------------------------------

def _first_names_agree(given: list[str], other: list[str]) -> bool | None:
    """True when they agree, False when they differ, None when either has no first name."""
    if not given or not other:
        return None
    a, b = given[0], other[0]
    if a == b:
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


@dataclass
class Evidence:
    """What links a person's details to one profile, in words for whoever decides."""
    person: Person
    strong: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)


def evidence(person: Person, *, name: str | None, date_of_birth: date | None,
             phone: str | None, address: str | None) -> Evidence | None:
    """How the details meet the rule for `person`; None when they give no reason to think it is
    the same person."""
    given, surname = _parts(name)
    their_given, their_surname = _parts(person.name)
    same_surname = bool(surname) and surname == their_surname
    first_names = _first_names_agree(given, their_given)
    compatible = same_surname and first_names is not False
    same_name = bool(name_key(name)) and name_key(name) == person.name_key
    same_phone = phone_key(phone) is not None and phone_key(phone) == person.phone_key
    born_same = date_of_birth is not None and date_of_birth == person.date_of_birth
    born_differ = (date_of_birth is not None and person.date_of_birth is not None
                   and date_of_birth != person.date_of_birth)
    same_address = address_key(address) is not None and address_key(address) == \
        person.address_key

    found = Evidence(person)
    reasons = found.reasons
    if same_phone:
        reasons.append("same phone number")
    if same_name:
        reasons.append("same name")
    elif compatible and first_names:
        reasons.append("compatible names")
    elif same_surname and first_names is None:
        reasons.append("same surname")
    if born_same:
        reasons.append("same date of birth")
    if same_address and same_surname:
        reasons.append("same address and surname")
    if not reasons:
        return None
    if same_surname and first_names is False:
        reasons.append("different first names")
    elif same_phone and not same_surname:
        reasons.append("different names")
    if born_differ:
        reasons.append("different dates of birth")
    if reasons == ["same surname"]:
        return None  # a surname alone is half a town
    found.strong = compatible and not born_differ and (same_phone or born_same)
    return found


@dataclass
class MatchResult:
    #: The one profile the rule links automatically, if any
    person: Person | None
    #: Profiles it might be, for a person to decide (and, with `person`, every candidate)
    possible: list[Evidence]


def candidates(organisation_id: int, *, name: str | None, date_of_birth: date | None,
               phone: str | None, address: str | None, exclude_id: int | None = None,
               limit: int = 20) -> list[Evidence]:
    """Every live profile of the force the details give a reason to think is the same person,
    with the evidence: one indexed query, then the rule read over the few rows found."""
    details = {"name": name, "date_of_birth": date_of_birth, "phone": phone, "address": address}
    conditions = []
    if phone_key(phone):
        conditions.append(Person.phone_key == phone_key(phone))
    if name_key(name):
        conditions.append(Person.name_key == name_key(name))
    surname = surname_key(name)
    if surname and (date_of_birth or address_key(address)):
        either = []
        if date_of_birth:
            either.append(Person.date_of_birth == date_of_birth)
        if address_key(address):
            either.append(Person.address_key == address_key(address))
        conditions.append(sa.and_(Person.surname_key == surname, sa.or_(*either)))
    if not conditions:
        return []
    query = (sa.select(Person).where(Person.organisation_id == organisation_id,
                                     Person.merged_into_id.is_(None), sa.or_(*conditions))
             .order_by(Person.id).limit(limit))
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    found = (evidence(person, **details) for person in db.session.scalars(query))
    return [e for e in found if e is not None]


def find_person(organisation_id: int, **details) -> MatchResult:
    """The profile to link automatically (strong evidence, exactly one profile), and the
    possible duplicates to propose when there is none."""
    found = candidates(organisation_id, **details)
    strong = [e for e in found if e.strong]
    if len(strong) == 1:
        return MatchResult(person=strong[0].person, possible=[])
    return MatchResult(person=None, possible=found)


# --- what the rule leaves for a person to decide -----------------------------------------------

def propose(person: Person, found: list[Evidence]) -> int:
    """Store each of `found` as a possible duplicate of `person` (new pairs only); how many
    were new."""
    rows = [{"organisation_id": person.organisation_id,
             "person_id": min(person.id, e.person.id), "other_id": max(person.id, e.person.id),
             "reasons": e.reasons, "status": "open", "created_dt": utcnow()}
            for e in found if e.person.id != person.id]
    if not rows:
        return 0
    return len(db.session.execute(
        upsert_insert(PossibleDuplicate).values(rows)
        .on_conflict_do_nothing(index_elements=["person_id", "other_id"])
        .returning(PossibleDuplicate.id)).all())


def propose_for(person: Person) -> int:
    """Propose every profile the rule finds for `person`'s own details (a person just recorded
    by hand, whom someone chose to keep apart from the matches they were shown)."""
    return propose(person, candidates(
        person.organisation_id, name=person.name, date_of_birth=person.date_of_birth,
        phone=person.phone, address=person.address, exclude_id=person.id))
