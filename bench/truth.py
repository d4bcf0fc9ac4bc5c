"""Command-and-control data with a known truth, to measure the flags against (hand-run, not a test).

    .venv/bin/python bench/truth.py --out /tmp/truth [--now 2026-06-17T08:30Z] [--seed 13] \
        [--scale 1]

Writes `cad.csv` (the importer's CAD format, plus a `caller_type` column: `public`, `professional`
or blank for public) and `truth.json`: every true person with their canonical details, the
incident references they reported, and the flags they truly hold at `now`. Nothing depends on
today's date: `now` is a parameter and the generator is a seeded random.Random, so the same
arguments give the same bytes.

The populations are the ways a caller's identity goes wrong in real command-and-control data, a
few dozen people each (about 1,400 rows at scale 1):

- `single`: one call (some with an old one outside the window); `repeat_asb`, `repeat_crime`:
  2-5 episodes in the window; `mixed`: one ASB and one crime (neither rule holds);
- `household`: John and Jane Smith at one address, no phone, no date of birth: two people;
  `father_son`: the same name at one address, different dates of birth; `double_barrelled`:
  Nowak-Okafor and Pritchard-Okafor at one address; `shared_landline`: one landline, one
  surname, two first names;
- `variants`: one person whose every call spells the name differently (case, spacing, O'Neill /
  O Neill / ONeill, van der Berg, "O'NEILL, Siobhan", an initial, "Mrs") and writes the phone
  differently (+44 7700 900123, 0044 7700 900123, 07700-900-123, 07700 900123);
  `name_only`: one person who gives only their name, twice; `same_name`: two people with one
  name who give only that;
- `professional`: wardens, CCTV operators, housing officers and council staff (three of them on
  one switchboard number) reporting many incidents, with caller_type=professional: never
  victims. Council staff also relay episodes a victim reported ten minutes earlier (a
  cross-agency double report);
- `double_report*`: the same episode called in twice by the same person, ten minutes apart
  (one episode in truth);
- `boundary_*`: one call in the window and one at exactly, one hour inside or one hour outside
  `now` - 365 days;
- `cr_*`: complaints linked to cases, for the ASB case review (community trigger): three
  complaints, two, one just inside or outside the 183 days, three over two cases, five people,
  four people and a professional, a household, a double report across midnight (UTC), and
  three complaints of which two fall on one day.

The truth follows DESIGN.md, "Flag rules": a repeat ASB victim is a member of the public who
reported (or was the victim of) 2 or more distinct ASB episodes in the 365 days up to `now`,
bounds included, as sara.flags.scan counts them (occurred >= now - 365 days and <= now); a
repeat victim of crime likewise for non-ASB incidents; a case review is 3 or more distinct ASB
complaint episodes by one member of the public about one case in the 183 days up to `now`, or 5
or more members of the public complaining about it there. One episode reported twice counts
once; professional callers are not victims and not complainants.

Every identity is realistic for the matching rule (sara.people.matching): distinct people never
share a phone number with a compatible name, nor a name and a date of birth; each of one
person's calls carries either their phone with a compatible name, or their name and date of
birth, except in `name_only`, whose calls give nothing but a name, and in the households and
double-barrelled pairs, whose calls give a name and an address: one person in truth, and, when
they call twice, two profiles and a possible duplicate until someone merges them.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations, count
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

#: The moment the truth is stated at unless told otherwise (tests/conftest.py's FROZEN_NOW).
DEFAULT_NOW = datetime(2026, 6, 17, 8, 30, tzinfo=UTC)
DEFAULT_SEED = 13
LONDON = ZoneInfo("Europe/London")
#: sara.incidents.importer.CAD_COLUMNS, written out rather than imported: the truth must not
#: depend on the code it measures. `caller_type` is the column the importer is gaining.
CAD_COLUMNS = ["incident_ref", "occurred_at", "category", "is_asb", "location", "postcode",
               "latitude", "longitude", "caller_name", "caller_phone", "caller_address",
               "caller_dob", "description", "caller_type"]
RULES = {
    "repeat_victim": {"asb": True, "threshold": 2, "window_days": 365},
    "repeat_victim_crime": {"asb": False, "threshold": 2, "window_days": 365},
    # The statutory guidance: 3 qualifying complaints in 6 calendar months (every call here is
    # reported when it happens, so every complaint qualifies); 5 different people about one
    # problem, about more than one episode, as the local variant.
    "case_review": {"complaints": 3, "people": 5, "window_months": 6},
}
FLAGS = tuple(RULES)


def months_before(now: datetime, months: int) -> datetime:
    """`months` calendar months before `now`, on London's calendar."""
    return (now.astimezone(LONDON) - relativedelta(months=months)).astimezone(UTC)

ASB_CATEGORIES = ["ASB - Personal", "ASB - Nuisance", "ASB - Environmental"]
CRIME_CATEGORIES = ["Criminal damage and arson", "Burglary", "Vehicle crime", "Other theft",
                    "Violence and sexual offences", "Public order", "Theft from the person"]
ASB_TEXT = ["Youths kicking a football against the front door", "Loud music from next door "
            "until 2am", "Group drinking and shouting on the green", "Motorbikes riding on the "
            "footpath", "Fly-tipped mattress and bags in the alley", "Neighbour shouting abuse "
            "over the fence", "Fireworks thrown at windows", "Dog left barking all day"]
CRIME_TEXT = ["Car window smashed overnight", "Shed broken into, tools taken", "Bike stolen "
              "from the front garden", "Wing mirror kicked off", "Purse taken from a bag in the "
              "market", "Graffiti sprayed on the garage door", "Assaulted outside the shop"]
MALE = ["John", "Peter", "David", "Michael", "Paul", "Mark", "Andrew", "Gary", "Steven", "Ian",
        "Wayne", "Darren", "Craig", "Lee", "Dean", "Kevin", "Neil", "Stuart", "Robert", "Carl",
        "Tomasz", "Piotr", "Mohammed", "Imran", "Callum", "Declan", "Kieran", "Ryan", "Jamal",
        "Oliver", "Harry", "George", "Alfie", "Reece", "Liam", "Connor", "Adrian", "Graham"]
FEMALE = ["Jane", "Mary", "Susan", "Karen", "Julie", "Tracey", "Lisa", "Donna", "Claire",
          "Michelle", "Joanne", "Emma", "Sarah", "Nicola", "Gemma", "Kelly", "Stacey", "Leanne",
          "Agnieszka", "Ewa", "Aisha", "Fatima", "Siobhan", "Niamh", "Grace", "Chloe", "Amber",
          "Jade", "Hannah", "Beverley", "Denise", "Lorraine", "Pauline", "Sharon", "Wendy"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Johnson", "Davies", "Robinson",
            "Wright", "Thompson", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
            "Jackson", "Clarke", "Patel", "Khan", "Lewis", "Mason", "Mitchell", "Cooper",
            "Harris", "King", "Baker", "Turner", "Hill", "Young", "Allen", "Scott", "Hughes",
            "Carter", "Ward", "Morris", "Parker", "Bennett", "Kowalski", "Nowak", "Walsh",
            "Fletcher", "Gibson", "Dixon", "Ellis", "Barker", "Chapman", "Atkinson", "Holmes",
            "Marshall", "Booth", "Rowe", "Cartwright", "Pearson", "Sutton", "Kirk", "Gould"]
#: (double-barrelled surname, the other surname at the same address)
DOUBLE_BARRELLED = [("Nowak-Okafor", "Pritchard-Okafor"), ("Smith-Jones", "Brown-Jones"),
                    ("Kaur-Singh", "Gill-Singh"), ("Hughes-Wood", "Lowe-Wood"),
                    ("Ali-Khan", "Rauf-Khan"), ("Taylor-Reed", "Ward-Reed"),
                    ("Bell-Carter", "Nash-Carter"), ("Hart-Dixon", "Lamb-Dixon")]
STREETS = ["Monks Road", "Sincil Street", "Carholme Road", "Yarborough Road", "Boultham Park Road",
           "Newport", "Burton Road", "Wragby Road", "Nettleham Road", "Tritton Road",
           "St Catherines", "Portland Street", "Hykeham Road", "Skellingthorpe Road",
           "Ripon Street", "Vernon Street", "Canwick Road", "Greetwell Road", "Lindum Terrace",
           "Spa Road", "Dixon Street", "Kirkby Street", "Hermit Street", "Rosemary Lane"]
#: Postcode sector per street (first four characters), so an address has a plausible postcode.
SECTORS = ["LN2 5", "LN5 7", "LN1 1", "LN1 3", "LN6 7", "LN1 3", "LN1 3", "LN2 4", "LN2 4",
           "LN6 7", "LN5 8", "LN5 7", "LN6 8", "LN6 0", "LN5 8", "LN5 8", "LN4 1", "LN2 4",
           "LN2 4", "LN5 8", "LN5 7", "LN5 7", "LN5 8", "LN5 7"]
PUBLIC_PLACES = [("Sincil Bank, by the underpass", "LN5 8"), ("Tesco car park, Wragby Road",
                 "LN2 4"), ("Boultham Park play area", "LN6 7"), ("High Street, Stonebow",
                 "LN2 1"), ("Cornhill bus station", "LN5 7"), ("Brayford Wharf North",
                 "LN1 1"), ("Birchwood shopping centre", "LN6 0"), ("Hartsholme Park",
                 "LN6 0"), ("Ermine library steps", "LN2 2"), ("Waterside South", "LN5 7")]

#: The ways a mobile number is written down, by placeholder for its ten digits after the 0.
PHONE_FORMATS_PLAIN = ["0{a} {b}", "0{a}{b}", "+44 {a} {b}"]
PHONE_FORMATS_ALL = ["+44 {a} {b}", "0044 {a} {b}", "0{a3}-{b3}-{b_3}", "0{a} {b}"]


# --- the data ----------------------------------------------------------------------------------

@dataclass
class Call:
    """One row of the export: a call, by one caller, about one episode."""
    person: str
    episode: int
    occurred: datetime  # UTC, whole minutes
    is_asb: bool
    category: str
    location: str
    postcode: str
    caller_name: str
    caller_phone: str = ""
    caller_address: str = ""
    caller_dob: str = ""
    caller_type: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    ref: str = ""

    @property
    def occurred_local(self) -> str:
        return self.occurred.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")

    def row(self) -> dict:
        return {
            "incident_ref": self.ref, "occurred_at": self.occurred_local,
            "category": self.category, "is_asb": "yes" if self.is_asb else "no",
            "location": self.location, "postcode": self.postcode,
            "latitude": "" if self.latitude is None else f"{self.latitude:.5f}",
            "longitude": "" if self.longitude is None else f"{self.longitude:.5f}",
            "caller_name": self.caller_name, "caller_phone": self.caller_phone,
            "caller_address": self.caller_address, "caller_dob": self.caller_dob,
            "description": self.description, "caller_type": self.caller_type,
        }


@dataclass
class TruePerson:
    key: str
    population: str
    name: str
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    date_of_birth: date | None = None
    professional: bool = False
    calls: list[Call] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    #: What the person is there to test, in words, for failure reports
    note: str = ""

    @property
    def refs(self) -> list[str]:
        return [c.ref for c in self.calls]

    def as_json(self) -> dict:
        return {"population": self.population, "name": self.name, "phone": self.phone,
                "address": self.address, "postcode": self.postcode,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
                "caller_type": "professional" if self.professional else "public",
                "incidents": self.refs, "flags": self.flags, "note": self.note}


@dataclass
class TrueCase:
    key: str
    title: str
    problem_type: str
    location: str
    calls: list[Call] = field(default_factory=list)

    @property
    def refs(self) -> list[str]:
        return [c.ref for c in self.calls]


@dataclass
class Truth:
    now: datetime
    seed: int
    scale: int
    people: dict[str, TruePerson]
    calls: list[Call]
    cases: list[TrueCase]

    def __post_init__(self):
        self.by_ref = {c.ref: c for c in self.calls}

    def person_of(self, ref: str) -> TruePerson | None:
        call = self.by_ref.get(ref)
        return self.people[call.person] if call else None

    def holders(self, flag: str) -> set[str]:
        return {key for key, p in self.people.items() if flag in p.flags}

    def same_episode_pairs(self) -> set[tuple[str, str]]:
        """Every pair of incident references that is one episode reported twice (sorted)."""
        by_episode = defaultdict(list)
        for call in self.calls:
            by_episode[call.episode].append(call.ref)
        return {tuple(sorted(pair)) for refs in by_episode.values() if len(refs) > 1
                for pair in combinations(refs, 2)}

    def in_window(self, call: Call, days: int) -> bool:
        return self.now - timedelta(days=days) <= call.occurred <= self.now

    def in_months(self, call: Call, months: int) -> bool:
        return months_before(self.now, months) <= call.occurred <= self.now

    def episodes(self, person: TruePerson, flag: str) -> set[int]:
        """The distinct episodes that count towards a repeat-victim rule for `person`."""
        rule = RULES[flag]
        return {c.episode for c in person.calls
                if c.is_asb == rule["asb"] and self.in_window(c, rule["window_days"])}

    def as_json(self) -> dict:
        return {
            "now": self.now.isoformat(), "seed": self.seed, "scale": self.scale,
            "rules": RULES,
            "people": {key: p.as_json() for key, p in self.people.items()},
            "incidents": {c.ref: {"person": c.person, "episode": c.episode,
                                  "occurred": c.occurred.isoformat(), "is_asb": c.is_asb,
                                  "category": c.category} for c in self.calls},
            "cases": [{"key": c.key, "title": c.title, "problem_type": c.problem_type,
                       "location": c.location, "incidents": c.refs} for c in self.cases],
            "same_episode": sorted(self.same_episode_pairs()),
        }

    def write_csv(self, path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CAD_COLUMNS)
            writer.writeheader()
            for call in self.calls:
                writer.writerow(call.row())

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=1) + "\n")

    def summary(self) -> list[str]:
        by_population = defaultdict(list)
        for person in self.people.values():
            by_population[person.population].append(person)
        holders = ", ".join(f"{f} {len(self.holders(f))}" for f in FLAGS)
        lines = [f"{len(self.people)} people, {len(self.calls)} rows, {len(self.cases)} cases, "
                 f"{len(self.same_episode_pairs())} same-episode pairs; now "
                 f"{self.now:%Y-%m-%d %H:%M} UTC; holders: {holders}"]
        for population, people in by_population.items():
            flags = Counter(f for p in people for f in p.flags)
            lines.append(f"  {population}: {len(people)} people, "
                         f"{sum(len(p.calls) for p in people)} rows; "
                         + (", ".join(f"{f} {n}" for f, n in flags.items()) or "no flags"))
        return lines


# --- the generator -----------------------------------------------------------------------------

class _Builder:
    def __init__(self, now: datetime, rng: random.Random):
        self.now = now.replace(second=0, microsecond=0)
        self.rng = rng
        self.people: dict[str, TruePerson] = {}
        self.calls: list[Call] = []
        self.cases: list[TrueCase] = []
        self._episode = count(1)
        self._person = count(1)
        # Ofcom's numbers for drama (07700 900xxx, 01632 960xxx): realistic, and nobody's.
        self._mobiles = [f"7700 900{n:03d}" for n in rng.sample(range(1000), 1000)]
        self._landlines = [f"1632 960{n:03d}" for n in rng.sample(range(1000), 1000)]
        self._names: set[tuple[str, str]] = set()
        self._addresses: set[str] = set()

    # details

    def phone(self, kind: str = "mobile") -> str:
        return "0" + (self._mobiles if kind == "mobile" else self._landlines).pop()

    def address(self) -> tuple[str, str]:
        while True:
            street = self.rng.randrange(len(STREETS))
            number = self.rng.randint(1, 240)
            address = f"{number} {STREETS[street]}, Lincoln"
            if address not in self._addresses:
                self._addresses.add(address)
                postcode = f"{SECTORS[street]}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
                           f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                return address, postcode

    def name(self, first: str | None = None, surname: str | None = None,
             female: bool | None = None) -> tuple[str, str]:
        """A (first name, surname) no one else has, unless both are given."""
        if first and surname:
            return first, surname
        for _ in range(10_000):
            pool = FEMALE if (self.rng.random() < 0.5 if female is None else female) else MALE
            pair = (first or self.rng.choice(pool), surname or self.rng.choice(SURNAMES))
            if pair not in self._names:
                self._names.add(pair)
                return pair
        raise RuntimeError("ran out of names")

    def dob(self) -> date:
        return date(1940, 1, 1) + timedelta(days=self.rng.randrange(65 * 365))

    def person(self, population: str, *, name: str | None = None, phone: str | None = "mobile",
               address: tuple[str, str] | None | bool = True, dob: bool | date = False,
               professional: bool = False, note: str = "") -> TruePerson:
        if name is None:
            name = " ".join(self.name())
        if address is True:
            address = self.address()
        key = f"T{next(self._person):04d}"
        person = TruePerson(
            key=key, population=population, name=name,
            phone=self.phone(phone) if phone in ("mobile", "landline") else phone,
            address=address[0] if address else None, postcode=address[1] if address else None,
            date_of_birth=dob if isinstance(dob, date) else (self.dob() if dob else None),
            professional=professional, note=note)
        self.people[key] = person
        return person

    # times

    def _local(self, day: date, hour: int, minute: int) -> datetime | None:
        """The UTC instant of a local time, or None when the clocks skip or repeat it."""
        local = datetime.combine(day, time(hour, minute), tzinfo=LONDON)
        instant = local.astimezone(UTC)
        return instant if instant.astimezone(LONDON).replace(tzinfo=None) == \
            local.replace(tzinfo=None) else None

    def days_ago(self, days: int, hours: tuple[int, int] = (8, 21)) -> datetime:
        """A daytime moment `days` local days before now (never after now)."""
        today = self.now.astimezone(LONDON).date()
        for _ in range(100):
            instant = self._local(today - timedelta(days=days), self.rng.randint(*hours),
                                  self.rng.randrange(60))
            if instant is not None and instant <= self.now - timedelta(hours=1):
                return instant
        raise RuntimeError(f"no daytime moment {days} days ago")

    def at(self, days: int, hour: int) -> datetime:
        """A moment in the local hour `hour`, `days` local days before now."""
        return self.days_ago(days, (hour, hour))

    def within(self, low: int, high: int) -> datetime:
        """A daytime moment between `low` and `high` days ago. The windows' populations stay
        away from their edges unless they are about the edges."""
        return self.days_ago(self.rng.randint(low, high))

    def inside(self) -> datetime:
        return self.within(2, 355)

    def outside(self) -> datetime:
        return self.within(375, 1000)

    def distinct_days(self, n: int, low: int, high: int) -> list[datetime]:
        return sorted(self.days_ago(d) for d in self.rng.sample(range(low, high + 1), n))

    # calls

    def call(self, person: TruePerson, when: datetime, *, asb: bool = True,
             episode: int | None = None, name: str | None = None, phone: str | None = None,
             address: str | None = None, dob: bool | None = None, place=None,
             category: str | None = None) -> Call:
        """A call by `person`; the caller's details default to their canonical ones (phone in
        one of the plain formats), each given as the population's caller would give them."""
        if place is None:
            if asb and person.address and not person.professional and self.rng.random() < 0.6:
                place = (person.address, person.postcode)
            else:
                spot, sector = self.rng.choice(PUBLIC_PLACES)
                place = (spot, f"{sector}{self.rng.choice('ABDEFGHJ')}{self.rng.choice('LNPQ')}")
        given_dob = person.date_of_birth if (dob if dob is not None else True) else None
        call = Call(
            person=person.key, episode=episode if episode is not None else next(self._episode),
            occurred=when, is_asb=asb,
            category=category or self.rng.choice(ASB_CATEGORIES if asb else CRIME_CATEGORIES),
            location=place[0], postcode=place[1],
            caller_name=name if name is not None else person.name,
            caller_phone=phone if phone is not None else self.formatted(person.phone),
            caller_address=address if address is not None else (person.address or ""),
            caller_dob=given_dob.isoformat() if given_dob else "",
            caller_type="professional" if person.professional else self.rng.choice(
                ["", "", "public"]),
            description=self.rng.choice(ASB_TEXT if asb else CRIME_TEXT),
            latitude=53.21 + self.rng.uniform(-0.04, 0.04),
            longitude=-0.54 + self.rng.uniform(-0.06, 0.06),
        )
        person.calls.append(call)
        self.calls.append(call)
        return call

    def again(self, first: Call, person: TruePerson | None = None, minutes: int = 10,
              **details) -> Call:
        """The same episode called in again `minutes` later (by `person`, or the same caller)."""
        person = person or self.people[first.person]
        return self.call(person, first.occurred + timedelta(minutes=minutes), asb=first.is_asb,
                         episode=first.episode, place=(first.location, first.postcode),
                         category=first.category, **details)

    def formatted(self, phone: str | None, formats=PHONE_FORMATS_PLAIN) -> str:
        if not phone:
            return ""
        if not phone.startswith("07"):
            # A landline: with or without its space, or the code in brackets.
            code, number = phone.split(" ")
            return self.rng.choice([phone, code + number, f"({code}) {number}"])
        a, b = phone[1:5], phone.split(" ")[1]
        return self.rng.choice(formats).format(a=a, b=b, a3=phone[1:5], b3=b[:3], b_3=b[3:])

    def case(self, title: str, problem_type: str, calls: list[Call]) -> TrueCase:
        case = TrueCase(key=f"C{len(self.cases) + 1:03d}", title=title,
                        problem_type=problem_type, location=calls[0].location, calls=calls)
        self.cases.append(case)
        return case

    # the end

    def finish(self, seed: int, scale: int) -> Truth:
        """Chronological references (as a CAD export numbers them, per local day), then the
        flags each person truly holds."""
        self.calls.sort(key=lambda c: (c.occurred, c.person))
        per_day: Counter = Counter()
        for call in self.calls:
            day = call.occurred.astimezone(LONDON).strftime("%Y%m%d")
            per_day[day] += 1
            call.ref = f"CAD-{day}-{per_day[day]:04d}"
        truth = Truth(now=self.now, seed=seed, scale=scale, people=self.people,
                      calls=self.calls, cases=self.cases)
        for person in self.people.values():
            person.calls.sort(key=lambda c: c.occurred)
            if person.professional:
                continue
            for flag in ("repeat_victim", "repeat_victim_crime"):
                if len(truth.episodes(person, flag)) >= RULES[flag]["threshold"]:
                    person.flags.append(flag)
        rule = RULES["case_review"]

        def complaint(call: Call) -> bool:
            return (call.is_asb and truth.in_months(call, rule["window_months"])
                    and not self.people[call.person].professional)

        # One person's complaints, about any problem, with or without a case.
        for person in self.people.values():
            own = {c.episode for c in person.calls if complaint(c)}
            if len(own) >= rule["complaints"]:
                person.flags.append("case_review")
        # Different people about one problem (a case), about more than one episode.
        for case in self.cases:
            calls = [c for c in case.calls if complaint(c)]
            people = {c.person for c in calls}
            if len(people) >= rule["people"] and len({c.episode for c in calls}) > 1:
                for key in people:
                    if "case_review" not in self.people[key].flags:
                        self.people[key].flags.append("case_review")
        return truth


# --- the populations ---------------------------------------------------------------------------

def _ordinary(b: _Builder, n: int) -> None:
    for i in range(n):
        asb = i % 2 == 0
        person = b.person("single", dob=b.rng.random() < 0.5)
        b.call(person, b.inside(), asb=asb)
        if b.rng.random() < 0.4:
            b.call(person, b.outside(), asb=asb)
    for _ in range(n // 2):
        person = b.person("repeat_asb", dob=b.rng.random() < 0.3)
        for _ in range(b.rng.randint(2, 5)):
            b.call(person, b.inside(), address=person.address if b.rng.random() < 0.7 else "")
        if b.rng.random() < 0.3:
            b.call(person, b.outside())
    for i in range(n // 2):
        # Half give a phone; the others their name and date of birth (and sometimes no address).
        with_phone = i % 2 == 0
        person = b.person("repeat_crime", phone="mobile" if with_phone else None, dob=True)
        for _ in range(b.rng.randint(2, 4)):
            b.call(person, b.inside(), asb=False, dob=None if with_phone else True,
                   address=person.address if b.rng.random() < 0.7 else "")
    for _ in range(n // 3):
        person = b.person("mixed", note="one ASB and one crime: neither rule")
        b.call(person, b.inside(), asb=True)
        b.call(person, b.inside(), asb=False)


#: How many ASB episodes each of a pair reports, in turn: neither, one or both truly repeat
#: victims, so that merging them is wrong whichever way it goes.
PAIR_COUNTS = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1), (3, 1)]


def _pair_calls(b: _Builder, pair: tuple[TruePerson, TruePerson], index: int) -> None:
    for person, n in zip(pair, PAIR_COUNTS[index % len(PAIR_COUNTS)], strict=True):
        for _ in range(n):
            b.call(person, b.inside(), place=(person.address, person.postcode))


def _households(b: _Builder, n: int) -> None:
    for i in range(n):
        home = b.address()
        surname = b.rng.choice(SURNAMES)
        he = b.person("household", name=" ".join(b.name(surname=surname, female=False)),
                      phone=None, address=home, note="a household: two people at one address")
        she = b.person("household", name=" ".join(b.name(surname=surname, female=True)),
                       phone=None, address=home, note=he.note)
        _pair_calls(b, (he, she), i)
    for i in range(max(2, n // 2)):
        home = b.address()
        first, surname = b.name(female=False)
        father = b.person("father_son", name=f"{first} {surname}", phone=None, address=home,
                          dob=date(1950 + i % 10, 3 + i % 9, 1 + i % 27),
                          note="father and son: one name and address, two dates of birth")
        son = b.person("father_son", name=f"{first} {surname}", phone=None, address=home,
                       dob=date(1985 + i % 12, 1 + i % 11, 2 + i % 26), note=father.note)
        _pair_calls(b, (father, son), i)
    for i in range(max(2, 2 * n // 3)):
        one, other = DOUBLE_BARRELLED[i % len(DOUBLE_BARRELLED)]
        home = b.address()
        a = b.person("double_barrelled", name=" ".join(b.name(surname=one, female=True)),
                     phone=None, address=home, note=f"{one} and {other} at one address")
        c = b.person("double_barrelled", name=" ".join(b.name(surname=other, female=None)),
                     phone=None, address=home, note=a.note)
        _pair_calls(b, (a, c), i)
    for i in range(n):
        home = b.address()
        line = b.phone("landline")
        surname = b.rng.choice(SURNAMES)
        first = b.name(surname=surname, female=False)[0]
        # Different initials too: "P Walsh" on a shared line could be either of them.
        second = next(f for f in b.rng.sample(FEMALE, len(FEMALE))
                      if f[0] != first[0] and (f, surname) not in b._names)
        b._names.add((second, surname))
        he = b.person("shared_landline", name=f"{first} {surname}", phone=line, address=home,
                      note="a shared landline: one number, one surname, two first names")
        she = b.person("shared_landline", name=f"{second} {surname}", phone=line,
                       address=home, note=he.note)
        _pair_calls(b, (he, she), i)


#: (first name, surname, the ways the name was written down): {First} is the first name as
#: written, {FIRST} and {first} in capitals and in lower case, {F} its initial.
VARIANT_NAMES = [
    ("Siobhan", "O'Neill", ["{FIRST} O'NEILL", "{first} o neill", "{First} ONeill",
                            "{First}  O'Neill ", "O'NEILL, {First}", "{F} O'Neill",
                            "Mrs O'Neill"]),
    ("Pieter", "van der Berg", ["{FIRST} VAN DER BERG", "{First} Van Der Berg",
                                "{first} van der berg", "VAN DER BERG, {First}",
                                "{F}. van der Berg", "Mr van der Berg"]),
    ("Callum", "McDonald", ["{First} Mc Donald", "{FIRST} MCDONALD", "{first} mcdonald",
                            "{F}. McDonald", "MCDONALD, {First}"]),
    ("Niamh", "O'Brien", ["{first} o'brien", "{First} OBrien", "{FIRST} O BRIEN", "Ms O'Brien",
                          "{F} O'Brien"]),
    ("Declan", "MacKenzie", ["{First} Mac Kenzie", "{FIRST} MACKENZIE", "{F} MacKenzie",
                             "MACKENZIE, {First}"]),
    ("Agnieszka", "Kowalska", ["{FIRST} KOWALSKA", "{first}  kowalska", "{F}. Kowalska",
                               "KOWALSKA, {First}", "Mrs Kowalska"]),
    ("Graham", "de Souza", ["{FIRST} DE SOUZA", "{First} De Souza", "{F} de Souza",
                            "DE SOUZA, {First}"]),
    ("Beverley", "Hart", ["{FIRST} HART", "{first} hart", "{First}   Hart", "{F}. Hart",
                          "HART, {First}", "Mrs Hart"]),
]


def _variants(b: _Builder, n: int) -> None:
    for i in range(n):
        first, surname, spellings = VARIANT_NAMES[i % len(VARIANT_NAMES)]
        if (first, surname) in b._names:
            # Another person with the same kind of name: a first name (and initial) of their
            # own, so that "S O'Neill" on a call can only be one of them.
            pool = FEMALE if first in FEMALE or spellings[-1].startswith("M") and \
                spellings[-1][:3] in ("Mrs", "Ms ") else MALE
            first = next(f for f in pool if (f, surname) not in b._names and
                         all(f[0] != g[0] for g, s in b._names if s == surname))
        b._names.add((first, surname))
        person = b.person("variants", name=f"{first} {surname}",
                          note="one person, a new spelling and phone format each call")
        spellings = b.rng.sample(spellings, len(spellings))
        for k in range(b.rng.randint(2, 4)):
            spelling = spellings[k % len(spellings)].format(
                First=first, FIRST=first.upper(), first=first.lower(), F=first[0])
            b.call(person, b.inside(), name=spelling,
                   phone=b.formatted(person.phone, PHONE_FORMATS_ALL[k % 4:] +
                                     PHONE_FORMATS_ALL[:k % 4]),
                   address=person.address if b.rng.random() < 0.5 else "")
    for _ in range(max(2, 3 * n // 4)):
        person = b.person("name_only", phone=None, address=None,
                          note="one person who gives only their name: two profiles until merged")
        for spelling in (person.name, person.name.upper() if b.rng.random() < 0.5
                         else person.name):
            b.call(person, b.inside(), name=spelling, place=None)
    for _ in range(max(2, n // 3)):
        first, surname = b.name()
        for _ in range(2):
            person = b.person("same_name", name=f"{first} {surname}", phone=None, address=None,
                              note="two people with one name, who give only that")
            b.call(person, b.inside())


#: (name, phone kind or a shared number's key, office, what they do, ASB reports at scale 1,
#: crime reports)
PROFESSIONALS = [
    ("Dave Hill", "mobile", "City Hall, Beaumont Fee, Lincoln", "street warden", 24, 0),
    ("Lisa Marsh", "mobile", "City Hall, Beaumont Fee, Lincoln", "street warden", 18, 0),
    ("Lincoln BID CCTV", "landline", "CCTV control room, 5 Guildhall Street, Lincoln",
     "CCTV control room", 30, 10),
    ("Gary Nunn", "mobile", "CCTV control room, 5 Guildhall Street, Lincoln", "CCTV operator",
     14, 6),
    ("Priya Shah", "mobile", "Acis Housing, 20 Sincil Street, Lincoln", "housing officer", 16, 0),
    ("Tom Reed", "mobile", "Acis Housing, 20 Sincil Street, Lincoln", "housing officer", 12, 0),
    ("Sue Barker", "council", "City Hall, Beaumont Fee, Lincoln", "council ASB line", 10, 0),
    ("Ahmed Rauf", "council", "City Hall, Beaumont Fee, Lincoln", "council ASB line", 10, 0),
    ("Jo Lamb", "council", "City Hall, Beaumont Fee, Lincoln", "council ASB line", 10, 0),
]


def _professionals(b: _Builder, scale: int) -> list[TruePerson]:
    council_line = b.phone("landline")
    people = []
    for name, kind, office, role, asb, crime in PROFESSIONALS:
        person = b.person("professional", name=name,
                          phone=council_line if kind == "council" else kind,
                          address=(office, "LN1 1DF"), professional=True,
                          note=f"a {role}: reports for others, never a victim")
        for _ in range(asb * scale):
            b.call(person, b.inside(), asb=True)
        for _ in range(crime * scale):
            b.call(person, b.inside(), asb=False, category="Shoplifting")
        people.append(person)
    return people


def _double_reports(b: _Builder, n: int, council: list[TruePerson]) -> None:
    for _ in range(n):
        person = b.person("double_report", note="one ASB episode called in twice")
        first = b.call(person, b.inside())
        b.again(first, minutes=b.rng.randint(6, 14))
    for _ in range(max(2, 2 * n // 3)):
        person = b.person("double_report_repeat",
                          note="two ASB episodes, one of them called in twice")
        first = b.call(person, b.within(2, 170))
        b.again(first, minutes=b.rng.randint(6, 14))
        b.call(person, b.within(180, 355))
    for _ in range(max(2, n // 2)):
        person = b.person("double_report_crime", note="one crime called in twice")
        first = b.call(person, b.inside(), asb=False)
        b.again(first, minutes=b.rng.randint(6, 14))
    # Cross-agency: a victim calls, and the council's line passes the same episode on.
    for _ in range(max(2, n // 2)):
        person = b.person("cross_agency", note="one ASB episode, also passed on by the council")
        first = b.call(person, b.inside())
        b.again(first, person=b.rng.choice(council), minutes=b.rng.randint(10, 25))
    for _ in range(max(2, n // 2)):
        person = b.person("cross_agency_repeat",
                          note="two ASB episodes, one also passed on by the council")
        first = b.call(person, b.within(2, 170))
        b.again(first, person=b.rng.choice(council), minutes=b.rng.randint(10, 25))
        b.call(person, b.within(180, 355))


def _boundaries(b: _Builder, n: int) -> None:
    edge = b.now - timedelta(days=RULES["repeat_victim"]["window_days"])
    shapes = [("boundary_at", edge, "a call at exactly now - 365 days (counts)"),
              ("boundary_inside", edge + timedelta(hours=1), "a call 1 h inside the window"),
              ("boundary_outside", edge - timedelta(hours=1), "a call 1 h outside the window")]
    for population, when, note in shapes:
        for i in range(n):
            asb = i % 3 != 2
            person = b.person(population + ("" if asb else "_crime"), note=note)
            b.call(person, b.inside(), asb=asb)
            b.call(person, when, asb=asb)


def _case_reviews(b: _Builder, n: int, professionals: list[TruePerson]) -> None:
    types = ["asb_neighbour", "asb_youth", "noise", "asb_drugs", "asb_street_drinking"]

    def case_of(person_calls: list[Call], label: str) -> None:
        place = person_calls[0].location
        b.case(f"{label}: {place}", b.rng.choice(types), person_calls)

    def complainer(population: str, note: str) -> TruePerson:
        return b.person(population, note=note)

    def complaints(person: TruePerson, days: list[datetime], place) -> list[Call]:
        return [b.call(person, when, place=place) for when in days]

    def home(person):
        return (person.address, person.postcode)

    for _ in range(n):
        p = complainer("cr_three", "three complaints about one case in 170 days")
        case_of(complaints(p, b.distinct_days(3, 2, 170), home(p)), "Neighbour nuisance")
    for _ in range(n):
        p = complainer("cr_two", "two complaints about one case")
        case_of(complaints(p, b.distinct_days(2, 2, 170), home(p)), "Noise")
    edge = months_before(b.now, RULES["case_review"]["window_months"])
    for population, when, note in (
            ("cr_outside", edge - timedelta(hours=1), "third complaint 1 h before 6 months ago"),
            ("cr_at", edge, "third complaint at exactly 6 calendar months ago (counts)")):
        for _ in range(max(2, 2 * n // 3)):
            p = complainer(population, note)
            calls = complaints(p, b.distinct_days(2, 2, 170), home(p))
            calls.append(b.call(p, when, place=home(p)))
            case_of(calls, "Youths gathering")
    for _ in range(max(2, n // 2)):
        p = complainer("cr_two_cases", "three complaints about two problems (they count: the "
                                       "statute counts the person's complaints)")
        days = b.distinct_days(3, 2, 170)
        place = b.rng.choice(PUBLIC_PLACES)
        case_of(complaints(p, days[:2], home(p)), "Neighbour nuisance")
        case_of(complaints(p, days[2:], (place[0], place[1] + "AB")), "Street drinking")
    for k in range(max(2, n // 3)):
        place = PUBLIC_PLACES[k % len(PUBLIC_PLACES)]
        calls = []
        for _ in range(RULES["case_review"]["people"]):
            p = complainer("cr_people", "one of five people complaining about one problem")
            calls.append(b.call(p, b.within(2, 170), place=(place[0], place[1] + "BD")))
        case_of(calls, "Drug dealing")
    for k in range(max(2, n // 3)):
        place = PUBLIC_PLACES[(k + 5) % len(PUBLIC_PLACES)]
        calls = []
        for _ in range(RULES["case_review"]["people"] - 1):
            p = complainer("cr_people_pro",
                           "one of four people (and a warden) complaining about one problem")
            calls.append(b.call(p, b.within(2, 170), place=(place[0], place[1] + "BE")))
        warden = professionals[k % 2]
        calls.append(b.call(warden, b.within(2, 170), place=(place[0], place[1] + "BE")))
        case_of(calls, "Street drinking")
    for k in range(2):
        warden = professionals[k]
        place = PUBLIC_PLACES[k + 2]
        calls = [b.call(warden, when, place=(place[0], place[1] + "BF"))
                 for when in b.distinct_days(4, 2, 170)]
        case_of(calls, "Motorbikes")
    for _ in range(max(2, n // 3)):
        home_ = b.address()
        surname = b.rng.choice(SURNAMES)
        pair = [b.person("cr_household", name=" ".join(b.name(surname=surname, female=f)),
                         phone=None, address=home_,
                         note="a household, two complaints each about one case")
                for f in (False, True)]
        calls = [c for p in pair for c in complaints(p, b.distinct_days(2, 2, 170), home_)]
        case_of(calls, "Neighbour dispute")
    for _ in range(max(2, n // 3)):
        p = complainer("cr_double_midnight",
                       "two complaints, the second called in again across midnight (UTC)")
        calls = complaints(p, b.distinct_days(1, 100, 170), home(p))
        day = b.now.date() - timedelta(days=b.rng.randint(5, 90))
        late = datetime.combine(day, time(23, 55), tzinfo=UTC)
        calls.append(b.call(p, late, place=home(p)))
        calls.append(b.again(calls[-1], minutes=10))
        case_of(calls, "Noise")
    for _ in range(max(2, n // 3)):
        p = complainer("cr_same_day",
                       "three complaints, two of them on one day (morning and evening)")
        days = b.rng.sample(range(2, 171), 2)
        calls = complaints(p, [b.at(days[0], 9), b.at(days[0], 20), b.days_ago(days[1])],
                           home(p))
        case_of(calls, "Neighbour nuisance")


def generate(now: datetime = DEFAULT_NOW, seed: int = DEFAULT_SEED, scale: int = 1) -> Truth:
    """The data set and its truth at `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    b = _Builder(now.astimezone(UTC), random.Random(seed))
    _ordinary(b, 60 * scale)
    _households(b, 12 * scale)
    _variants(b, 16 * scale)
    professionals = _professionals(b, scale)
    council = [p for p in professionals if "council" in p.note]
    _double_reports(b, 12 * scale, council)
    _boundaries(b, 6 * scale)
    _case_reviews(b, 6 * scale, professionals)
    return b.finish(seed, scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory for the two files")
    parser.add_argument("--now", default=DEFAULT_NOW.isoformat(),
                        help="the moment the truth is stated at (ISO 8601, with its zone)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    truth = generate(datetime.fromisoformat(args.now.replace("Z", "+00:00")), args.seed,
                     args.scale)
    args.out.mkdir(parents=True, exist_ok=True)
    truth.write_csv(args.out / "cad.csv")
    truth.write_json(args.out / "truth.json")
    print("\n".join(truth.summary()))
    print(f"wrote {args.out / 'cad.csv'} and {args.out / 'truth.json'}")


if __name__ == "__main__":
    main()
