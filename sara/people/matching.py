"""The duplicate rule for people, shared by the person form, CAD imports and the call-handler
lookup: the same name and date of birth, or the same phone number, or the same address and surname.
Details are compared in a normalised form, stored alongside them so each check is an index look-up.
"""

from __future__ import annotations

import re
from datetime import date

import jellyfish
import sqlalchemy as sa

from sara.extensions import db
from sara.people.models import Person

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_ABBREVIATIONS = {"road": "rd", "street": "st", "avenue": "ave", "lane": "ln", "close": "cl",
                  "drive": "dr", "court": "ct", "crescent": "cres", "place": "pl",
                  "gardens": "gdns", "flat": "flat", "apartment": "flat"}


def name_key(name: str | None) -> str:
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", (name or "").lower())).strip()


def name_sounds(name: str | None) -> str:
    """The sound of each part of the name (its metaphone code), with a space at each end and
    between, so that a part is found as ' CODE ' ("Catherine Smyth" -> " K0RN SM0 ")."""
    codes = [code for code in (jellyfish.metaphone(word) for word in name_key(name).split())
             if code]
    return f" {' '.join(codes)} " if codes else ""


def sound_of(word: str) -> str:
    """One word's metaphone code ('' for a word with none, such as a number)."""
    return jellyfish.metaphone(word) if word else ""


def surname_key(name: str | None) -> str:
    parts = name_key(name).split(" ")
    return parts[-1] if parts and parts[-1] else ""


def phone_key(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits or None


def address_key(address: str | None) -> str | None:
    words = name_key(address).split(" ")
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


def match_condition(*, name: str | None, date_of_birth: date | None, phone: str | None,
                    address: str | None):
    """SQL for 'probably the same person' by the duplicate rule; None when nothing to match on."""
    conditions = []
    if name and date_of_birth:
        conditions.append(sa.and_(Person.name_key == name_key(name),
                                  Person.date_of_birth == date_of_birth))
    if phone_key(phone):
        conditions.append(Person.phone_key == phone_key(phone))
    if address_key(address) and surname_key(name):
        conditions.append(sa.and_(Person.address_key == address_key(address),
                                  Person.surname_key == surname_key(name)))
    return sa.or_(*conditions) if conditions else None


def probable_matches(organisation_id: int, **details) -> list[Person]:
    condition = match_condition(**details)
    if condition is None:
        return []
    return list(db.session.scalars(
        sa.select(Person).where(Person.organisation_id == organisation_id,
                                Person.merged_into_id.is_(None), condition)
        .order_by(Person.id).limit(20)
    ))
