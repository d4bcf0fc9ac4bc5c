"""Time the case search and the dashboard at force scale (hand-run, not a test).

    PYTHONPATH=/work/main DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench \
        .venv/bin/python bench/bench_search_dashboard.py [--cases 20000] [--shared 200] \
        [--search-runs 30] [--dashboard-runs 7] [--rebuild-runs 3]

Needs the data of bench/generate.py (100,000 people, 1,000,000 incidents). Migrates the database
(`flask --app wsgi db upgrade`), then, once, adds what generate.py does not make, all with COPY
(never the ORM row by row): 13 neighbourhoods (one left without cases), 86 users, two partner
organisations, --cases problem cases with realistic varied text in every searchable field (built
from templates: places, groups, behaviours, agencies, names, a few rare words), their events
(stage moves), objectives, tactics, evaluations, actions with notes, the people on them, about a
dozen incidents each from the case's own LSOA, and shares: --shared live cases with the partner
"Bench District Council" (plus ended shares, which grant nothing). Repeat-victim flags are raised by
the app's own scan, then spread over the last 18 months (a quarter resolved).

Then it measures, each call in a fresh session as a request would make it:

1. the index rebuild (`sara.search.indexing.refresh_all` + commit, as `flask sara reindex`), and
   the upkeep of one case's document (`refresh(session, [id])`, rolled back);
2. `sara.search.service.search_page` (what /search calls) for a common word, a rare word, a
   phrase, an OR query and two words, as an officer of the force and as a partner user who has
   --shared cases shared with their organisation: median and p95, statements and their times,
   and an EXPLAIN (ANALYZE, BUFFERS) of each statement once, noting whether the GIN index
   `ix_case_search_document` is used;
3. `sara.dashboards.service.dashboard` as a supervisor for the whole force, one neighbourhood and
   a neighbourhood with no cases (and as the partner): median time and the number of SQL
   statements (a before_cursor_execute listener), which must be the same whatever the data.

Writes bench/results/search_dashboard.md (the report, with every plan in an appendix). The cases
are made only when the force has none: to make them again, run `generate.py --reset` first
(TRUNCATE is refused: audit_events is append-only and references cases).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_ORG,
    StatementCapture,
    connect,
    explain,
    flask_cli,
    make_app,
    median,
    percentile,
)
from generate import FIRST, LAST, STREET_TYPES, STREETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
REPORT = RESULTS / "search_dashboard.md"
SEED = 20261122
PARTNER_ORG = "Bench District Council"
HOUSING_ORG = "Bench Housing Trust"
PARTNER_EMAIL = "partner@council.bench.example"
SUPERVISOR_EMAIL = "supervisor1@bench.police.example"
OFFICER_EMAIL = "officer1@bench.police.example"
#: generate.py gives incidents 420 LSOA codes, E01026000..E01026419, by latitude band.
LSOAS = 420
CASE_YEARS = 6
#: (name, share of cases); generate.py's create-org made the first two.
NEIGHBOURHOODS = [
    ("Lincoln Central", 16), ("Boston Town", 9), ("Lincoln North", 11), ("Lincoln South", 10),
    ("Grantham", 9), ("Spalding", 8), ("Skegness", 8), ("Gainsborough", 7), ("Louth", 6),
    ("Sleaford", 6), ("Stamford", 6), ("Market Rasen", 4),
]
EMPTY_NEIGHBOURHOOD = "Bench Empty Neighbourhood"
#: (label, text typed in the search box)
QUERIES = [
    ("common word", "youths"),
    ("rare word", "trampoline"),
    ("phrase", '"skate park"'),
    ("OR", "graffiti OR fly-tipping"),
    ("two words (AND)", "cannabis underpass"),
]

# --- text --------------------------------------------------------------------------------------

TOWNS = ["Lincoln", "Boston", "Grantham", "Spalding", "Skegness", "Gainsborough", "Louth",
         "Sleaford", "Stamford", "Market Rasen"]
PROBLEMS = {  # problem type: (share, title words, behaviours)
    "asb_youth": (22, ["Youth ASB", "Groups of youths gathering", "Youths causing annoyance"],
                  ["shouting and swearing at passers-by", "throwing stones at windows",
                   "kicking footballs against parked cars", "climbing onto the garage roofs",
                   "knocking on doors and running away", "intimidating shoppers"]),
    "asb_neighbour": (12, ["Neighbour dispute", "Neighbour nuisance", "Ongoing neighbour ASB"],
                      ["playing loud music late at night", "shouting abuse over the fence",
                       "letting dogs foul the shared garden", "slamming doors at all hours"]),
    "asb_drugs": (10, ["Drug dealing", "Suspected cuckooing", "Drug-related ASB"],
                  ["dealing cannabis from parked cars", "using the stairwell to take drugs",
                   "leaving needles in the play area", "visiting a flat for short periods"]),
    "asb_street_drinking": (8, ["Street drinking", "Street drinking and begging"],
                            ["drinking and leaving empty cans", "begging outside the cash machine",
                             "urinating in doorways", "arguing loudly on the benches"]),
    "noise": (6, ["Noise nuisance", "Loud parties"],
              ["holding loud parties every weekend", "revving engines in the car park"]),
    "vandalism": (8, ["Criminal damage", "Vandalism"],
                  ["smashing bus shelter glass", "setting fire to wheelie bins",
                   "damaging parked cars"]),
    "graffiti": (5, ["Graffiti", "Tagging"],
                 ["spraying graffiti on garage doors", "tagging the railway footbridge"]),
    "fly_tipping": (6, ["Fly-tipping", "Fly-tipping and litter"],
                    ["dumping mattresses and rubbish (fly-tipping)", "fly-tipping builders' waste",
                     "leaving bags of litter by the bins"]),
    "vehicle_crime": (5, ["Vehicle crime", "Thefts from vehicles"],
                      ["trying car door handles at night", "stealing catalytic converters"]),
    "nuisance_vehicles": (8, ["Off-road bikes", "Nuisance vehicles"],
                          ["riding off-road bikes across the playing field",
                           "racing cars around the retail park",
                           "riding e-scooters on the pavement"]),
    "burglary": (5, ["Burglary series", "Shed and garage burglaries"],
                 ["breaking into sheds and garages", "trying back doors at night"]),
    "other": (5, ["Community concern", "Repeat calls"],
              ["causing repeated calls to the police", "loitering near the school gates"]),
}
GROUPS = ["a group of youths", "groups of teenagers", "youths on e-scooters", "street drinkers",
          "two adult males", "the family at number {n}", "tenants of the flats",
          "young people from the estate", "people visiting a flat", "a neighbour",
          "pupils from the academy", "a group of up to {n} youths"]
PLACES = ["the skate park", "the underpass", "the Co-op car park", "the bus station",
          "the playing field", "the alleyway behind the shops", "the recreation ground",
          "the canal towpath", "the garages on {street}", "the flats on {street}", "the churchyard",
          "the community centre", "the railway footbridge", "the takeaway on {street}",
          "the retail park", "the cemetery", "the library steps", "the children's play area",
          "the industrial estate", "the riverside walk", "the doctors' surgery car park"]
TIMES = ["on Friday and Saturday evenings", "after school, between 3pm and 6pm", "late at night",
         "most weekends", "during the summer holidays", "in the early hours",
         "when the pubs close", "on weekday afternoons", "around bonfire night"]
IMPACTS = ["Residents say they are afraid to go out after dark.",
           "An elderly resident has stopped using the bus stop.",
           "Shop staff have been threatened twice.",
           "Parents no longer let their children use the play area.",
           "A disabled resident feels targeted and has asked to be rehoused.",
           "The local councillor has raised it at the parish meeting.",
           "Several families have complained to the housing association.",
           "Customers are avoiding the shops in the evening."]
AGENCIES = ["the council's ASB team", "the housing association", "the youth service",
            "the academy", "the parish council", "Network Rail", "the park wardens",
            "the licensing team", "environmental health", "the fire service",
            "the drug and alcohol service", "the shop manager", "social care",
            "the neighbourhood watch"]
FEATURES = ["poor street lighting", "no CCTV coverage", "a broken fence", "overgrown hedges",
            "a cut-through with several exits", "benches hidden from the road", "an empty unit",
            "bins that are never emptied", "no natural surveillance", "an unlocked bin store"]
VICTIMS = ["older residents", "shop staff", "families with young children", "commuters",
           "tenants of the sheltered housing", "pupils walking home", "a disabled resident"]
ACTION_TITLES = [
    "Install CCTV at {place}", "Letter drop to residents of {street}",
    "Joint patrol with {agency}", "Refer {name} to youth diversion",
    "Apply for a dispersal order", "Arrange a community meeting at {place}",
    "Ask {agency} to repair the lighting", "Visit {name} with {agency}",
    "Acceptable behaviour contract for {name}", "Cut back the hedges at {place}",
    "Test purchase operation at the off-licence", "Warning letters to parents",
    "Remove the fly-tipping at {place}", "Target hardening visits on {street}",
    "Add {place} to the patrol plan", "Community protection warning for {name}",
]
NOTES = ["Spoke to {name} at number {n}; they agreed to keep the gate locked.",
         "Visited on {day}: no youths present, some litter left.",
         "{agency} have agreed to share their records.",
         "Chased {agency} again; still waiting for a date.",
         "Met {name} from {agency}, who will attend the next meeting.",
         "Patrolled {place} {time}; spoke to {n} young people.",
         "Residents report things are quieter since the last visit.",
         "Quote received for the work; funding agreed by the inspector.",
         "{name} did not answer; card left.",
         "Street briefing held with {n} households."]
RESULTS_TEXT = ["Completed; calls about {place} fell the following month.",
                "Done. {agency} confirmed the work on {day}.",
                "Completed as planned; no further reports from residents so far.",
                "Done, but the problem moved to {place} for a few weeks."]
RARE = [(0.0015, "Youths dragged a trampoline into the road and set it alight."),
        (0.003, "A shisha pipe was found in the stairwell."),
        (0.004, "Residents also complain about pigeons being fed from a balcony."),
        (0.002, "A catapult was used to break the greenhouse glass.")]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class Writer:
    """Fills the templates above with a seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def fill(self, template: str) -> str:
        r = self.rng
        return template.format(
            n=r.randint(2, 40), street=f"{r.choice(STREETS)} {r.choice(STREET_TYPES)}",
            place=self.place(), agency=r.choice(AGENCIES), time=r.choice(TIMES),
            name=f"{r.choice(FIRST)} {r.choice(LAST)}", day=r.choice(WEEKDAYS))

    def place(self) -> str:
        r = self.rng
        return r.choice(PLACES).format(street=f"{r.choice(STREETS)} {r.choice(STREET_TYPES)}")

    def sentences(self, makers, low: int, high: int) -> str:
        return " ".join(self.rng.choice(makers)() for _ in range(self.rng.randint(low, high)))

    def case_text(self, ptype: str, place: str, town: str, deep: bool) -> dict[str, str]:
        r = self.rng
        _share, _titles, behaviours = PROBLEMS[ptype]
        behaviour = r.choice(behaviours)

        def report():
            return (f"Residents report {self.fill(r.choice(GROUPS))} {r.choice(behaviours)} at "
                    f"{place} {r.choice(TIMES)}.")

        def impact():
            return r.choice(IMPACTS)

        description = f"{report()} {self.sentences([report, impact], 1, 3)}"
        for chance, sentence in RARE:
            if r.random() < chance:
                description += " " + sentence
        text = {
            "description": description,
            "scan_summary": (f"{r.randint(5, 80)} calls to police and {r.randint(1, 30)} reports "
                             f"to {r.choice(AGENCIES)} in the last {r.randint(3, 12)} months, "
                             f"mostly about {behaviour}, {r.choice(TIMES)}."),
            "scan_baseline": (f"About {r.randint(4, 40)} ASB incidents a month at {place}. "
                              f"Success would be fewer than {r.randint(2, 10)} a month for three "
                              "months running."),
        }
        fields = {name: "" for name in (
            "analysis_victim", "analysis_offender", "analysis_location", "analysis_handler",
            "analysis_guardian", "analysis_manager", "analysis_when", "analysis_where",
            "analysis_why", "analysis_how", "analysis_root_causes")}
        if deep:
            fields.update({
                "analysis_victim": f"Victims are mainly {r.choice(VICTIMS)}. {impact()}",
                "analysis_offender": (f"{self.fill(r.choice(GROUPS)).capitalize()}, aged "
                                      f"{r.randint(12, 19)} to {r.randint(20, 45)}, some known "
                                      f"to {r.choice(AGENCIES)}."),
                "analysis_location": (f"{place.capitalize()} has {r.choice(FEATURES)} and "
                                      f"{r.choice(FEATURES)}."),
                "analysis_handler": f"Parents and {r.choice(AGENCIES)} have influence over them.",
                "analysis_guardian": (f"{r.choice(AGENCIES).capitalize()} and residents of "
                                      f"{r.choice(STREETS)} {r.choice(STREET_TYPES)} could "
                                      "report more."),
                "analysis_manager": f"{r.choice(AGENCIES).capitalize()} manages {place}.",
                "analysis_when": f"Mostly {r.choice(TIMES)}, peaking {r.choice(TIMES)}.",
                "analysis_where": f"Around {place} and {self.place()} in {town}.",
                "analysis_why": (f"There is little for young people to do, and {place} has "
                                 f"{r.choice(FEATURES)}."),
                "analysis_how": f"They arrive {r.choice(['on foot', 'on bikes', 'by car'])} and "
                                f"{behaviour}.",
                "analysis_root_causes": (f"{r.choice(FEATURES).capitalize()}; "
                                         f"{r.choice(FEATURES)}; no youth provision since the "
                                         "club closed."),
            })
        text.update(fields)
        return text


# --- generation (COPY) -------------------------------------------------------------------------

def _one(conn, sql, params=None):
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def ensure_setup(conn, org_id: int, now: datetime) -> dict:
    """Neighbourhoods, partner organisations and users (idempotent)."""
    naive = now.replace(tzinfo=None)
    for name, _share in NEIGHBOURHOODS + [(EMPTY_NEIGHBOURHOOD, 0)]:
        conn.execute("INSERT INTO neighbourhoods (name, organisation_id) VALUES (%s, %s) "
                     "ON CONFLICT DO NOTHING", (name, org_id))
    for name, kind in ((PARTNER_ORG, "local_authority"), (HOUSING_ORG, "housing")):
        conn.execute("INSERT INTO organisations (name, kind, created_dt) VALUES (%s, %s, %s) "
                     "ON CONFLICT DO NOTHING", (name, kind, naive))
    council = _one(conn, "SELECT id FROM organisations WHERE name = %s", (PARTNER_ORG,))
    housing = _one(conn, "SELECT id FROM organisations WHERE name = %s", (HOUSING_ORG,))
    users = [(f"officer{i}@bench.police.example", f"Officer {i}", "officer", org_id)
             for i in range(1, 61)]
    users += [(f"supervisor{i}@bench.police.example", f"Supervisor {i}", "supervisor", org_id)
              for i in range(1, 9)]
    users += [(f"handler{i}@bench.police.example", f"Call handler {i}", "call_handler", org_id)
              for i in range(1, 5)]
    users += [("admin@bench.police.example", "Bench admin", "admin", org_id),
              (PARTNER_EMAIL, "Council ASB officer", "partner", council)]
    users += [(f"partner{i}@housing.bench.example", f"Housing officer {i}", "partner", housing)
              for i in range(1, 13)]
    for email, name, role, org in users:
        # Nobody signs in to the bench: the hash is not a usable password.
        conn.execute("INSERT INTO users (email, name, password_hash, role, organisation_id, "
                     "is_enabled, created_dt) VALUES (%s, %s, '!bench', %s, %s, true, %s) "
                     "ON CONFLICT DO NOTHING", (email, name, role, org, naive))
    hoods = dict(conn.execute("SELECT name, id FROM neighbourhoods WHERE organisation_id = %s",
                              (org_id,)).fetchall())

    def ids(pattern):
        return [r[0] for r in conn.execute("SELECT id FROM users WHERE email LIKE %s ORDER BY id",
                                           (pattern,))]

    return {"hoods": hoods, "council": council, "housing": housing,
            "officers": ids("officer%@bench.police.example"),
            "supervisors": ids("supervisor%@bench.police.example"),
            "partner_user": ids(PARTNER_EMAIL)[0]}


def _next_id(conn, table: str) -> int:
    return _one(conn, f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608


def _copy(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(60, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def generate_cases(conn, n_cases: int, n_shared: int, now: datetime, say) -> None:
    rng = random.Random(SEED)
    writer = Writer(rng)
    org_id = _one(conn, "SELECT id FROM organisations WHERE name = %s", (BENCH_ORG,))
    setup = ensure_setup(conn, org_id, now)
    naive_now = now.replace(tzinfo=None)
    today = now.date()
    officers, supervisors = setup["officers"], setup["supervisors"]
    hood_names = [n for n, _ in NEIGHBOURHOODS]
    hood_weights = [w for _, w in NEIGHBOURHOODS]
    block = LSOAS // len(NEIGHBOURHOODS)
    ptypes = list(PROBLEMS)
    pweights = [PROBLEMS[p][0] for p in ptypes]
    people_ids = [r[0] for r in conn.execute(
        "SELECT id FROM people WHERE organisation_id = %s", (org_id,))]
    t = time.perf_counter()
    by_lsoa: dict[str, list[int]] = {
        code: ids for code, ids in conn.execute(
            "SELECT lsoa_code, array_agg(id) FROM incidents WHERE organisation_id = %s "
            "AND lsoa_code IS NOT NULL GROUP BY lsoa_code", (org_id,))}
    say(f"- read {sum(len(v) for v in by_lsoa.values()):,} incident ids by LSOA in "
        f"{time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    ids = {name: _next_id(conn, name) for name in (
        "problem_cases", "case_events", "case_objectives", "planned_tactics", "evaluations",
        "actions", "action_entries", "case_people", "case_incidents", "case_shares")}
    rows: dict[str, list[tuple]] = defaultdict(list)
    ref_counts: Counter = Counter()
    action_number = _one(conn, "SELECT coalesce(max(last_number), 0) FROM reference_counters "
                               "WHERE series = 'action'")
    case_ids: list[int] = []

    def new_id(table: str) -> int:
        ids[table] += 1
        return ids[table] - 1

    for _ in range(n_cases):
        cid = new_id("problem_cases")
        case_ids.append(cid)
        age_days = rng.random() ** 1.3 * CASE_YEARS * 365  # more recent cases than old ones
        created = now - timedelta(days=age_days)
        p_open = (0.9 if age_days < 60 else 0.5 if age_days < 365 else 0.1 if age_days < 730
                  else 0.03)
        is_open = rng.random() < p_open
        hood_index = rng.choices(range(len(hood_names)), weights=hood_weights)[0]
        lsoa_index = hood_index * block + rng.randrange(block)
        lsoa = f"E0{1026000 + lsoa_index}"
        ptype = rng.choices(ptypes, weights=pweights)[0]
        town = TOWNS[hood_index % len(TOWNS)]
        place = writer.place()
        street = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
        owner = rng.choice(officers)
        if is_open:
            top = min(3, int(age_days / 25))
            stage_index = min(top, rng.choices(range(4), weights=[3, 3, 3, 1.5])[0])
            closure, closed = None, None
            end = now
        else:
            closure = rng.choices(["resolved", "reduced", "duplicate", "transferred",
                                   "not_evaluated"], weights=[45, 30, 5, 8, 12])[0]
            stage_index = 3 if closure in ("resolved", "reduced") else rng.randrange(4)
            closed = min(created + timedelta(days=rng.randint(20, 400)),
                         now - timedelta(hours=1))
            end = closed
        stage = ["scanning", "analysis", "response", "assessment"][stage_index]
        text = writer.case_text(ptype, place, town, deep=stage_index >= 1)
        title = f"{rng.choice(PROBLEMS[ptype][1])} at {place}, {town}"[:200]
        # Stage moves, in order, between creation and the end.
        moves = sorted(_between(rng, created, end) for _ in range(stage_index))
        version = 1
        events = [(new_id("case_events"), cid, owner, created, "created", 1, None, "scanning",
                   None, "Case opened", None)]
        for i, when in enumerate(moves):
            version += 1
            events.append((new_id("case_events"), cid, owner, when, "stage_moved", version,
                           ["scanning", "analysis", "response"][i],
                           ["analysis", "response", "assessment"][i], None, None, None))
        if closed:
            version += 1
            events.append((new_id("case_events"), cid, owner, closed, "closed", version, None,
                           None, f"Closed: {closure}", None, None))
        rows["case_events"].extend((*e[:3], e[3].replace(tzinfo=None), *e[4:]) for e in events)
        if is_open:
            reviewed = (_between(rng, created, now) if age_days > 14 and rng.random() < 0.8
                        else None)
            base = (reviewed or created).date()
            next_review = base + timedelta(days=28 if rng.random() < 0.85
                                           else rng.randint(7, 90))
        else:
            reviewed = _between(rng, created, closed) if rng.random() < 0.7 else None
            next_review = None
        updated = max([created, *moves, *([closed] if closed else [])])
        year = created.year
        ref_counts[year] += 1
        reference = f"PS-{year}-{ref_counts[year]:05d}"
        r_lat = (lsoa_index + rng.random()) / LSOAS
        rows["problem_cases"].append((
            cid, reference, title, ptype, setup["hoods"][hood_names[hood_index]],
            f"{place}, {street}, {town}"[:300], 52.6 + r_lat * 0.9, -0.8 + rng.random() * 1.1,
            lsoa, text["description"], org_id, owner, "open" if is_open else "closed", stage,
            closure, f"Closed as {closure}." if closed else None,
            closed.replace(tzinfo=None) if closed else None, 28, next_review,
            rng.choice(["community_meeting", "incident_data", "partner_referral",
                        "resident_complaint", "councillor_mp", "patrol_observation"]),
            text["scan_summary"], text["scan_baseline"],
            *(text[name] for name in (
                "analysis_victim", "analysis_offender", "analysis_location", "analysis_handler",
                "analysis_guardian", "analysis_manager", "analysis_when", "analysis_where",
                "analysis_why", "analysis_how", "analysis_root_causes")),
            created.replace(tzinfo=None), owner, updated.replace(tzinfo=None), owner, version,
            rng.random() < 0.2, reviewed.replace(tzinfo=None) if reviewed else None,
        ))
        # People on the case.
        seen_people = set()
        for _ in range(rng.randint(1, 4)):
            person = (rng.choice(people_ids), rng.choices(
                ["victim", "reporter", "offender", "witness", "other"],
                weights=[35, 25, 25, 10, 5])[0])
            if person not in seen_people:
                seen_people.add(person)
                rows["case_people"].append((new_id("case_people"), cid, *person,
                                            created.replace(tzinfo=None), owner))
        # Incidents from the case's own LSOA.
        pool = by_lsoa.get(lsoa, [])
        for incident in set(rng.sample(pool, min(len(pool), rng.randint(3, 25)))):
            rows["case_incidents"].append((new_id("case_incidents"), cid, incident,
                                           created.replace(tzinfo=None), owner))
        if stage_index < 2:
            continue
        response_at = moves[1]
        for _ in range(rng.randint(1, 3)):
            rows["case_objectives"].append((
                new_id("case_objectives"), cid,
                f"Reduce {PROBLEMS[ptype][1][0].lower()} reports at {place} by "
                f"{rng.choice([20, 25, 30, 50])}% within {rng.choice([3, 6, 12])} months.",
                response_at.replace(tzinfo=None)))
        for _ in range(rng.randint(1, 4)):
            rows["planned_tactics"].append((
                new_id("planned_tactics"), cid,
                rng.choice(["situational", "enforcement", "engagement", "diversion",
                            "environmental", "support"]),
                rng.choice(["victim", "offender", "location"]),
                writer.fill(rng.choice(ACTION_TITLES)) + ".", response_at.replace(tzinfo=None)))
        for _ in range(rng.randint(2, 7)):
            aid = new_id("actions")
            action_number += 1
            a_created = _between(rng, response_at, end)
            due = (a_created + timedelta(days=rng.randint(7, 60))).date()
            if closed:
                status = rng.choices(["done", "cancelled"], weights=[85, 15])[0]
            elif due < today:
                status = rng.choices(["done", "open", "in_progress"], weights=[60, 25, 15])[0]
            else:
                status = rng.choices(["open", "in_progress", "done"], weights=[50, 30, 20])[0]
            finished = (_between(rng, a_created, end) if status in ("done", "cancelled")
                        else None)
            to_partner = rng.random() < 0.15
            result = writer.fill(rng.choice(RESULTS_TEXT)) if status == "done" else None
            rows["actions"].append((
                aid, f"AC-{action_number:06d}", cid, writer.fill(rng.choice(ACTION_TITLES))[:200],
                writer.fill(rng.choice(NOTES)) if rng.random() < 0.7 else "",
                rng.choice(["situational", "enforcement", "engagement", "diversion",
                            "environmental", "support"]),
                rng.choice(["victim", "offender", "location"]),
                None if to_partner else rng.choice(officers),
                rng.choice([setup["council"], setup["housing"]]) if to_partner else None,
                due, rng.choices(["low", "normal", "high", "urgent"], weights=[2, 6, 2, 1])[0],
                status, result, "No longer needed." if status == "cancelled" else None,
                a_created.replace(tzinfo=None), owner,
                (finished or a_created).replace(tzinfo=None),
                finished.replace(tzinfo=None) if finished else None, 1))
            entries = [(a_created, "created", None, "open", None)]
            for _ in range(rng.randint(0, 3)):
                entries.append((_between(rng, a_created, finished or end), "note", None, None,
                                writer.fill(rng.choice(NOTES))))
            if finished:
                entries.append((finished, "status", "open", status,
                                result or "No longer needed."))
            for when, kind, before, after, note in sorted(entries, key=lambda e: e[0]):
                rows["action_entries"].append((new_id("action_entries"), aid, owner,
                                               when.replace(tzinfo=None), kind, before, after,
                                               note))
        # The evaluation, from the Assessment stage on.
        if stage_index == 3 or (closed and closure in ("resolved", "reduced")):
            if closed:
                state = rng.choices(["approved", "submitted", "draft"], weights=[85, 5, 10])[0]
            else:
                state = rng.choice(["draft", "submitted"])
            outcome = (rng.choices(["resolved", "reduced", "no_change", "worse", "displaced"],
                                   weights=[35, 40, 15, 4, 6])[0]
                       if state != "draft" or rng.random() < 0.3 else None)
            good = state == "approved" and rng.random() < 0.1
            started = moves[-1]
            submitted = _between(rng, started, end) if state != "draft" else None
            decided = _between(rng, submitted, end) if state == "approved" else None
            rows["evaluations"].append((
                new_id("evaluations"), cid, state, "ASB calls about the location", "",
                False, "", False, outcome,
                writer.fill(rng.choice(NOTES)) + " " + writer.fill(rng.choice(RESULTS_TEXT)),
                good, (f"Good practice: {writer.fill(rng.choice(ACTION_TITLES)).lower()} worked "
                       f"with {rng.choice(AGENCIES)}.") if good else "",
                started.replace(tzinfo=None), (decided or submitted or started).replace(
                    tzinfo=None),
                submitted.replace(tzinfo=None) if submitted else None,
                owner if submitted else None,
                decided.replace(tzinfo=None) if decided else None,
                rng.choice(supervisors) if decided else None,
                "Please add the after counts." if state == "draft" and rng.random() < 0.2
                else None, 1))

    # Shares: --shared live ones with the council, some ended ones, more with housing.
    picked = rng.sample(case_ids, min(len(case_ids), n_shared * 3 + 50))
    council_live, council_ended = picked[:n_shared], picked[n_shared:n_shared + 20]
    housing_live = picked[n_shared + 20:n_shared * 3 + 50]
    creator = supervisors[0]
    for cid in council_live:
        rows["case_shares"].append((new_id("case_shares"), cid, setup["council"], None,
                                    rng.choice(["view", "contribute"]), naive_now, creator,
                                    None, None))
    for cid in council_ended:
        rows["case_shares"].append((new_id("case_shares"), cid, setup["council"], None, "view",
                                    naive_now - timedelta(days=90), creator,
                                    naive_now - timedelta(days=30), creator))
    for cid in housing_live:
        rows["case_shares"].append((new_id("case_shares"), cid, setup["housing"], None, "view",
                                    naive_now, creator, None, None))
    say(f"- built {n_cases:,} cases and their rows in Python in "
        f"{time.perf_counter() - t:.1f} s")

    columns = {
        "problem_cases": (
            "id", "reference", "title", "problem_type", "neighbourhood_id", "location_text",
            "latitude", "longitude", "lsoa_code", "description", "organisation_id", "owner_id",
            "status", "stage", "closure_reason", "closure_note", "closed_dt",
            "review_cadence_days", "next_review_date", "scan_source", "scan_summary",
            "scan_baseline", "analysis_victim", "analysis_offender", "analysis_location",
            "analysis_handler", "analysis_guardian", "analysis_manager", "analysis_when",
            "analysis_where", "analysis_why", "analysis_how", "analysis_root_causes",
            "created_dt", "created_by_id", "updated_dt", "updated_by_id", "version",
            "personal_details_shared", "last_reviewed_dt"),
        "case_events": ("id", "case_id", "user_id", "created_dt", "kind", "case_version",
                        "from_stage", "to_stage", "reason", "summary", "changes"),
        "case_objectives": ("id", "case_id", "text", "created_dt"),
        "planned_tactics": ("id", "case_id", "category", "triangle_side", "description",
                            "created_dt"),
        "evaluations": (
            "id", "case_id", "status", "measure", "comparison_area", "is_displacement_checked",
            "displacement_found", "is_diffusion_observed", "outcome", "lessons",
            "is_good_practice", "good_practice_summary", "started_dt", "updated_dt",
            "submitted_dt", "submitted_by_id", "decided_dt", "decided_by_id", "return_comments",
            "version"),
        "actions": (
            "id", "reference", "case_id", "title", "description", "tactic_category",
            "triangle_side", "allocated_user_id", "allocated_organisation_id", "due_date",
            "priority", "status", "result", "cancel_reason", "created_dt", "created_by_id",
            "updated_dt", "completed_dt", "version"),
        "action_entries": ("id", "action_id", "user_id", "created_dt", "kind", "from_status",
                           "to_status", "text"),
        "case_people": ("id", "case_id", "person_id", "role", "created_dt", "created_by_id"),
        "case_incidents": ("id", "case_id", "incident_id", "created_dt", "created_by_id"),
        "case_shares": ("id", "case_id", "organisation_id", "user_id", "level", "created_dt",
                        "created_by_id", "ended_dt", "ended_by_id"),
    }
    t = time.perf_counter()
    # FK triggers are skipped for the bulk load only (rows consistent by construction).
    conn.execute("SET session_replication_role = replica")
    for table, cols in columns.items():
        _copy(conn, table, cols, rows[table])
        conn.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    conn.execute("SET session_replication_role = DEFAULT")
    for year, count in ref_counts.items():
        conn.execute("INSERT INTO reference_counters (series, last_number) VALUES (%s, %s) "
                     "ON CONFLICT (series) DO UPDATE SET last_number = greatest("
                     "reference_counters.last_number, excluded.last_number)",
                     (f"case-{year}", count))
    conn.execute("INSERT INTO reference_counters (series, last_number) VALUES ('action', %s) "
                 "ON CONFLICT (series) DO UPDATE SET last_number = excluded.last_number",
                 (action_number,))
    conn.commit()
    say(f"- COPY in {time.perf_counter() - t:.1f} s: "
        + ", ".join(f"{table} {len(rows[table]):,}" for table in columns))


def spread_flags(conn, now: datetime) -> str:
    """After the app's scan raised every repeat victim today: raising dates spread over the
    last 18 months, and a quarter resolved since, so the dashboard's chart has history."""
    conn.execute("SELECT setseed(0.2611)")
    conn.execute(
        """UPDATE flags SET raised_dt = %(now)s::timestamp - random() * interval '540 days'
           WHERE kind = 'repeat_victim'""", {"now": now.replace(tzinfo=None)})
    conn.execute(
        """UPDATE flags SET resolved_dt = raised_dt + (%(now)s::timestamp - raised_dt) * random(),
                  status = 'resolved', resolved_note = 'Bench: resolved'
           WHERE kind = 'repeat_victim' AND random() < 0.25""", {"now": now.replace(tzinfo=None)})
    conn.commit()
    live, resolved = conn.execute(
        "SELECT count(*) FILTER (WHERE resolved_dt IS NULL), count(*) FILTER (WHERE resolved_dt "
        "IS NOT NULL) FROM flags WHERE kind = 'repeat_victim'").fetchone()
    return f"{live:,} live and {resolved:,} resolved repeat-victim flags"


def vacuum(tables) -> float:
    t = time.perf_counter()
    with connect(autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - t


CASE_TABLES = ("problem_cases", "case_events", "case_objectives", "planned_tactics",
               "evaluations", "actions", "action_entries", "case_people", "case_incidents",
               "case_shares", "users", "neighbourhoods", "organisations", "flags", "case_search")


# --- reading plans -----------------------------------------------------------------------------

def indexes_used(plan: str) -> list[str]:
    used = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?"
                                 r"(?:using|on) (\w+)", plan)))
    used += sorted({f"Seq Scan on {t}" for t in re.findall(r"Seq Scan on (\w+)", plan)})
    return used


def plan_time(plan: str) -> str:
    found = re.search(r"Execution Time: ([\d.]+)", plan)
    return found.group(1) if found else "?"


def label_statement(sql: str) -> str:
    """A short name for a dashboard / search statement (by what it reads)."""
    s = " ".join(sql.split()).lower()
    checks = [("ts_headline", "snippets"), ("ts_rank_cd", "ranked page"),
              ("from case_search", "search count"), ("from flags", "repeat-victim flags"),
              ("from case_events", "response markers"), ("from incidents", "ASB incidents"),
              ("from actions", "overdue actions"), ("flag_rules", "flag rule"),
              ("evaluations.outcome", "evaluation outcomes")]
    if "count(*)" in s and "from (select" in s and "group by" not in s and "case_search" in s:
        return "search count"
    for needle, name in checks:
        if needle in s:
            return name
    if "group by" in s and "anon_1.group_0" in s:
        return "cases grouped"
    if "count(*)" in s:
        return "cases counted"
    return s[:50]


#: What dashboard() asks, in order, for a police supervisor (sara/dashboards/service.py).
DASHBOARD_STATEMENTS = [
    "open cases by stage", "cases opened per month", "cases closed per month",
    "ASB incidents per month", "cases entering Response (markers)",
    "evaluation outcomes, approved", "evaluation outcomes, awaiting sign-off",
    "overdue actions", "cases due for review", "repeat-victim flags, live",
    "repeat-victim flags, resolved",
]


def dashboard_label(n: int, count: int, sql: str) -> str:
    if count == len(DASHBOARD_STATEMENTS):
        return DASHBOARD_STATEMENTS[n]
    return label_statement(sql)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def ci_state() -> str:
    path = Path("/tmp/ci_run.log")
    if not path.exists():
        return "no /tmp/ci_run.log"
    done = any(line.startswith("EXIT") for line in path.read_text(errors="replace").splitlines())
    return "the CI run had finished" if done else "the CI run was STILL RUNNING"


# --- experiments (nothing in the app is changed; the database is only read) --------------------

def jit_total(plan: str) -> str:
    found = re.search(r"Timing: .*Total ([\d.]+) ms", plan)
    return f"{float(found.group(1)):.0f} ms" if found else "–"


def experiments(say, app, db, sa, User, args, per_page, officer_id, scopes, dash_medians,
                note_load, dash_statements, appendix, supervisor_id, hood_id) -> None:
    from sara.cases.models import ProblemCase
    from sara.core.sql import month_bucket
    from sara.dashboards.service import dashboard, window
    from sara.incidents import queries as incident_queries
    from sara.incidents.models import Incident
    from sara.search import service as search_service
    from sara.search.service import SearchFilters

    note_load("experiments")
    say()
    say("## 4. Experiments (the app unchanged; prototypes in this script)")
    say()
    say("### 4a. The dashboard with JIT compilation off (`SET LOCAL jit = off` before it)")
    say()
    say("| user | scope | median, jit on (section 3) | median, jit off | SQL statements |")
    say("|---|---|---|---|---|")
    for who, uid, scope, hood in scopes:
        if who != "supervisor":
            continue
        times, counts = [], set()
        for run in range(args.dashboard_runs + 1):
            with app.test_request_context("/dashboard"):
                u = db.session.get(User, uid)
                db.session.execute(sa.text("SET LOCAL jit = off"))
                with StatementCapture(db.engine) as cap:
                    t = time.perf_counter()
                    dashboard(u, hood)
                    elapsed = time.perf_counter() - t
                db.session.remove()  # rolls back: the setting ends with the transaction
            if run:
                times.append(elapsed * 1000)
                counts.add(len(cap.statements))
        say(f"| {who} | {scope} | {dash_medians[(uid, hood)]:.0f} ms | **{median(times):.0f} ms**"
            f" | {'/'.join(str(c) for c in sorted(counts))} |")

    say()
    say("Each statement of the dashboard explained with JIT on (as the server is set) and off:")
    for key in ("supervisor, whole force", "supervisor, Lincoln Central"):
        say()
        say(f"**{key}**")
        say()
        say("| # | statement | jit on: execution | JIT time (all processes) | jit off: execution |")
        say("|---|---|---|---|---|")
        statements = dash_statements[key]
        for n, (statement, params, _s) in enumerate(statements):
            plans = {}
            for jit in ("on", "off"):
                with app.test_request_context("/dashboard"):
                    connection = db.session.connection()
                    connection.exec_driver_sql(f"SET LOCAL jit = {jit}")
                    plans[jit] = explain(connection, statement, params)
                    db.session.remove()
            if plans["on"].find("JIT:") >= 0:
                appendix.append(f"### experiment, {key}: statement {n + 1} with jit off\n\n"
                                f"```\n{plans['off']}\n```\n")
            say(f"| {n + 1} | {dashboard_label(n, len(statements), statement)} | "
                f"{plan_time(plans['on'])} ms | {jit_total(plans['on'])} | "
                f"{plan_time(plans['off'])} ms |")

    say()
    say("### 4b. The neighbourhood's ASB count with its area looked up first")
    say()
    say("As the app: one statement, `lsoa_code IN (SELECT ... UNION ...)` "
        "(`neighbourhood_lsoas`). Prototype: the area's LSOA codes fetched first (the same "
        "`neighbourhood_lsoas` select), then the monthly count with `lsoa_code IN (<codes>)`, "
        "so the planner knows how many codes there are. Median of "
        f"{args.dashboard_runs}, jit as the server is set.")
    say()
    say("| scope | as the app (one statement) | prototype: area | prototype: count | "
        "prototype total | same counts |")
    say("|---|---|---|---|---|---|")
    win = window()
    for name, hood in (("Lincoln Central", hood_id),):
        app_times, area_times, count_times, same = [], [], [], True
        for _run in range(args.dashboard_runs):
            u = db.session.get(User, supervisor_id)
            filters = incident_queries.IncidentFilters(neighbourhood_id=hood, is_asb_only=True)
            t = time.perf_counter()
            expected = incident_queries.count_incidents_by_month(u, filters, win.edges)
            app_times.append((time.perf_counter() - t) * 1000)
            db.session.remove()
            u = db.session.get(User, supervisor_id)
            t = time.perf_counter()
            codes = db.session.scalars(incident_queries.neighbourhood_lsoas(u, hood)).all()
            area_times.append((time.perf_counter() - t) * 1000)
            month = month_bucket(Incident.occurred_dt, win.edges)
            inner = (sa.select(month.label("month"))
                     .where(Incident.organisation_id == u.organisation_id,
                            Incident.lsoa_code.in_(codes), Incident.is_asb.is_(True),
                            Incident.occurred_dt >= win.edges[0],
                            Incident.occurred_dt < win.edges[-1]).subquery())
            t = time.perf_counter()
            counts = [0] * (len(win.edges) - 1)
            for index, count in db.session.execute(
                    sa.select(inner.c.month, sa.func.count()).group_by(inner.c.month)):
                if index is not None:
                    counts[index] = count
            count_times.append((time.perf_counter() - t) * 1000)
            db.session.remove()
            same = same and counts == expected
        say(f"| {name} ({len(codes)} LSOAs) | {median(app_times):.0f} ms | "
            f"{median(area_times):.0f} ms | {median(count_times):.0f} ms | "
            f"**{median(area_times) + median(count_times):.0f} ms** | "
            f"{'yes' if same else '**no**'} |")

    say()
    say("### 4c. Search: the matching done once instead of twice (officer)")
    say()
    say("As the app: `count()` (one statement matching every document) then the ranked page "
        "(matching and ranking every document again, loading 50 cases). Prototype: one "
        "statement ranks the matching ids with `count(*) OVER ()` for the total, then the 50 "
        "cases are loaded by id. Snippets are left out of both (unchanged). Median of "
        f"{max(3, args.search_runs // 2)}; fresh session each time.")
    say()
    say("| query | results | as the app: count + page | prototype: ranked ids + load | same page |")
    say("|---|---|---|---|---|")

    def as_app(u, filters):
        total = search_service.count(u, filters)
        query, score = search_service._ranked(u, filters)
        rows = db.session.execute(search_service._ordered(query, score).limit(per_page)).all()
        return total, [case.id for case, _score in rows]

    def prototype(u, filters):
        query, score = search_service._ranked(u, filters)
        ranked = (query.with_only_columns(ProblemCase.id, score.label("score"),
                                          sa.func.count().over().label("total"))
                  .order_by(sa.desc("score"), ProblemCase.updated_dt.desc(),
                            ProblemCase.reference.desc())
                  .limit(per_page))
        rows = db.session.execute(ranked).all()
        ids = [row.id for row in rows]
        cases = {c.id: c for c in db.session.scalars(
            sa.select(ProblemCase).where(ProblemCase.id.in_(ids)))}
        return (rows[0].total if rows else 0), [cases[i].id for i in ids]

    for kind, text in QUERIES:
        filters = SearchFilters(text=text)
        results = {}
        for name, fn in (("app", as_app), ("prototype", prototype)):
            times, out = [], None
            for run in range(max(3, args.search_runs // 2) + 1):
                u = db.session.get(User, officer_id)
                t = time.perf_counter()
                out = fn(u, filters)
                elapsed = time.perf_counter() - t
                db.session.remove()
                if run:
                    times.append(elapsed * 1000)
            results[name] = (median(times), out)
        same = results["app"][1] == results["prototype"][1]
        say(f"| {kind}: `{text}` | {results['app'][1][0]:,} | {results['app'][0]:.1f} ms | "
            f"**{results['prototype'][0]:.1f} ms** | {'yes' if same else '**no**'} |")


# --- main --------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--shared", type=int, default=200)
    parser.add_argument("--search-runs", type=int, default=30)
    parser.add_argument("--dashboard-runs", type=int, default=7)
    parser.add_argument("--rebuild-runs", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    report: list[str] = []
    appendix: list[str] = []
    loads: list[tuple[str, str]] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    def note_load(phase: str) -> None:
        loads.append((phase, load_average()))
        print(f"  [load average {loads[-1][1]} at {phase}]", flush=True)

    now = datetime.now(UTC).replace(microsecond=0)
    note_load("start")
    flask_cli("db", "upgrade")  # the bench database at the migrations' head
    with connect() as conn:
        org_id = _one(conn, "SELECT id FROM organisations WHERE name = %s", (BENCH_ORG,))
        if org_id is None or not _one(conn, "SELECT count(*) FROM incidents"):
            sys.exit("no bench organisation or no incidents: run bench/generate.py first")
        have = _one(conn, "SELECT count(*) FROM problem_cases WHERE organisation_id = %s",
                    (org_id,))
    generation: list[str] = []
    if not have:
        t = time.perf_counter()
        with connect() as conn:
            generate_cases(conn, args.cases, args.shared, now, generation.append)
        generation.append(f"- VACUUM ANALYZE in {vacuum(CASE_TABLES):.1f} s")
        generation.append(f"- generation took {time.perf_counter() - t:.1f} s in all")
        print("\n".join(generation), flush=True)
    elif have != args.cases:
        print(f"note: {have:,} cases already there (not --cases {args.cases:,}); using them")

    app = make_app()
    import sqlalchemy as sa

    from sara.auth.models import User
    from sara.dashboards.service import dashboard
    from sara.extensions import db
    from sara.flags.models import Flag
    from sara.flags.scan import scan_repeat_victims
    from sara.search import indexing
    from sara.search.service import SearchFilters, search_page

    with app.app_context():
        per_page = app.config["CASES_PER_PAGE"]
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Flag)
                                 .where(Flag.kind == "repeat_victim")):
            t = time.perf_counter()
            result = scan_repeat_victims()
            db.session.commit()
            with connect() as conn:
                spread = spread_flags(conn, now)
            vacuum(["flags"])
            generation.append(f"- flags: the app's scan_repeat_victims() ({result}) then spread:"
                              f" {spread}, in {time.perf_counter() - t:.1f} s")
            print(generation[-1], flush=True)
        stats = db.session.execute(sa.text(
            """SELECT (SELECT count(*) FROM problem_cases), (SELECT count(*) FROM problem_cases
                      WHERE status = 'open'), (SELECT count(*) FROM actions),
                      (SELECT count(*) FROM action_entries), (SELECT count(*) FROM incidents),
                      (SELECT count(*) FROM case_incidents), (SELECT count(*) FROM flags),
                      (SELECT count(*) FROM case_shares s JOIN organisations o
                         ON o.id = s.organisation_id WHERE o.name = :council
                         AND s.ended_dt IS NULL),
                      current_setting('server_version'), current_setting('work_mem'),
                      current_setting('shared_buffers'), current_setting('jit'),
                      current_setting('max_parallel_workers_per_gather'),
                      current_setting('autovacuum')"""), {"council": PARTNER_ORG}).one()
        db.session.rollback()

        def user(email: str):
            return db.session.scalar(sa.select(User).where(User.email == email))

        officer_id = user(OFFICER_EMAIL).id
        partner_id = user(PARTNER_EMAIL).id
        supervisor_id = user(SUPERVISOR_EMAIL).id
        hoods = dict(db.session.execute(sa.text(
            "SELECT n.name, n.id FROM neighbourhoods n JOIN organisations o ON o.id = "
            "n.organisation_id WHERE o.name = :org"), {"org": BENCH_ORG}).all())
        db.session.remove()

        say(f"# Case search and dashboard, {date.today()}")
        say()
        say(f"PostgreSQL {stats[8]}, work_mem {stats[9]}, shared_buffers {stats[10]}, jit "
            f"{stats[11]}, max_parallel_workers_per_gather {stats[12]}, autovacuum {stats[13]}; "
            f"{os.cpu_count()} CPUs. Data: {stats[0]:,} cases ({stats[1]:,} open), "
            f"{stats[2]:,} actions, {stats[3]:,} action entries, {stats[4]:,} incidents, "
            f"{stats[5]:,} case–incident links, {stats[6]:,} flags; {stats[7]} live shares with "
            f"{PARTNER_ORG}. {per_page} results a page (CASES_PER_PAGE).")
        if generation:
            say()
            say("Generation (this run):")
            say()
            for line in generation:
                say(line)

        # --- 1. the index rebuild ---------------------------------------------------------
        note_load("index rebuild")
        rebuild_times, vacuum_times = [], []
        for _ in range(args.rebuild_runs):
            t = time.perf_counter()
            count = indexing.refresh_all(db.session)
            db.session.commit()
            rebuild_times.append(time.perf_counter() - t)
            db.session.remove()
            vacuum_times.append(vacuum(["case_search"]))
        sizes = db.session.execute(sa.text(
            "SELECT pg_total_relation_size('case_search'), "
            "pg_relation_size('ix_case_search_document'), "
            "(SELECT avg(length(title) + length(body) + length(actions)) FROM case_search), "
            "(SELECT avg(length(document::text)) FROM case_search)")).one()
        db.session.rollback()
        sample = db.session.scalars(sa.text(
            "SELECT id FROM problem_cases ORDER BY id DESC LIMIT 50")).all()
        one_case = []
        for case_id in sample:
            t = time.perf_counter()
            indexing.refresh(db.session, case_ids=[case_id])
            one_case.append(time.perf_counter() - t)
            db.session.rollback()
        db.session.remove()
        say()
        say("## 1. Search index")
        say()
        say("| what | runs | median | min | max |")
        say("|---|---|---|---|---|")
        say(f"| rebuild every document (`refresh_all` + commit, as `flask sara reindex`), "
            f"{count:,} cases | {len(rebuild_times)} | **{median(rebuild_times):.1f} s** | "
            f"{min(rebuild_times):.1f} s | {max(rebuild_times):.1f} s |")
        say(f"| VACUUM ANALYZE case_search after it | {len(vacuum_times)} | "
            f"{median(vacuum_times):.1f} s | {min(vacuum_times):.1f} s | "
            f"{max(vacuum_times):.1f} s |")
        say(f"| one case's document (`refresh(session, [id])`, the commit hook's work; "
            f"rolled back) | {len(one_case)} | {median(one_case) * 1000:.1f} ms | "
            f"{min(one_case) * 1000:.1f} ms | {max(one_case) * 1000:.1f} ms (p95 "
            f"{percentile(one_case, 95) * 1000:.1f} ms) |")
        say()
        say(f"case_search: {sizes[0] / 1e6:.0f} MB with its indexes, GIN index "
            f"{sizes[1] / 1e6:.1f} MB; {sizes[2]:,.0f} characters of text and "
            f"{sizes[3]:,.0f} of tsvector (as text) per case on average.")

        # --- 2. search ----------------------------------------------------------------------
        note_load("search")
        say()
        say("## 2. Search (`search_page`, page 1, each call in a fresh session)")
        say()
        say(f"{args.search_runs} timed calls per query after 2 untimed ones. Statement times are "
            "medians of the same calls, measured around the cursor; the rest of `search_page` "
            "is Python (ORM loading of the 50 cases and their joined owner/neighbourhood, "
            "snippet rendering).")
        say()
        say("| user | query | results | median | p95 | max | count stmt | page stmt | "
            "snippets stmt | statements | case_search read by (count/page) |")
        say("|---|---|---|---|---|---|---|---|---|---|---|")
        search_rows = []
        for who, uid in (("officer", officer_id), ("partner", partner_id)):
            for kind, text in QUERIES:
                filters = SearchFilters(text=text)
                times, per_stmt, total, n_statements = [], defaultdict(list), 0, set()
                for run in range(args.search_runs + 2):
                    u = db.session.get(User, uid)
                    with StatementCapture(db.engine) as cap:
                        t = time.perf_counter()
                        page = search_page(u, filters, per_page)
                        elapsed = time.perf_counter() - t
                    db.session.remove()
                    if run < 2:
                        continue
                    times.append(elapsed * 1000)
                    total = page.total
                    n_statements.add(len(cap.statements))
                    for statement, _params, seconds in cap.statements:
                        per_stmt[label_statement(statement)].append(seconds * 1000)
                # One EXPLAIN (ANALYZE, BUFFERS) of each statement the search issued.
                u = db.session.get(User, uid)
                with StatementCapture(db.engine) as cap:
                    search_page(u, filters, per_page)
                db.session.remove()
                gin = []
                for n, (statement, params, _s) in enumerate(cap.statements):
                    connection = db.session.connection()
                    plan = explain(connection, statement, params)
                    db.session.remove()
                    label = label_statement(statement)
                    used = indexes_used(plan)
                    if label in ("search count", "ranked page"):
                        gin.append("GIN" if "ix_case_search_document" in used
                                   else "pkey" if "case_search_pkey" in used
                                   else "**seq scan**" if "Seq Scan on case_search" in used
                                   else "?")
                    appendix.append(
                        f"### search, {who}, {kind} ({text}): statement {n + 1}, {label}; "
                        f"{plan_time(plan)} ms; {', '.join(used)}\n\n```sql\n{statement}\n"
                        f"-- parameters: {params}\n```\n\n```\n{plan}\n```\n")
                    search_rows.append((who, kind, label, used, plan_time(plan)))

                def med(label, per_stmt=per_stmt):
                    values = per_stmt.get(label)
                    return f"{median(values):.1f}" if values else "–"

                say(f"| {who} | {kind}: `{text}` | {total:,} | **{median(times):.1f} ms** | "
                    f"{percentile(times, 95):.1f} ms | {max(times):.1f} ms | "
                    f"{med('search count')} ms | {med('ranked page')} ms | {med('snippets')} ms | "
                    f"{'/'.join(str(s) for s in sorted(n_statements))} | "
                    f"{'/'.join(gin) or '–'} |")
        say()
        say("Indexes each search statement used (EXPLAIN ANALYZE, one run; plans in the "
            "appendix):")
        say()
        say("| user | query | statement | EXPLAIN ANALYZE time | scans |")
        say("|---|---|---|---|---|")
        for who, kind, label, used, took in search_rows:
            say(f"| {who} | {kind} | {label} | {took} ms | {', '.join(used)} |")

        # --- 3. dashboard -------------------------------------------------------------------
        note_load("dashboard")
        say()
        say("## 3. Dashboard (`dashboard(user, neighbourhood_id)`, each in a fresh session and "
            "request context)")
        say()
        say(f"Median of {args.dashboard_runs} after one untimed call. Statements counted with a "
            "before_cursor_execute listener on the engine.")
        say()
        say("| user | scope | cases in scope | median | min | max | SQL statements | "
            "time in SQL (median) | Response markers drawn | slowest statement (last run) |")
        say("|---|---|---|---|---|---|---|---|---|---|")
        scopes = [
            ("supervisor", supervisor_id, "whole force", None),
            ("supervisor", supervisor_id, "Lincoln Central", hoods.get("Lincoln Central")),
            ("supervisor", supervisor_id, "Market Rasen (smallest)", hoods.get("Market Rasen")),
            ("supervisor", supervisor_id, f"{EMPTY_NEIGHBOURHOOD} (no cases)",
             hoods.get(EMPTY_NEIGHBOURHOOD)),
            ("partner", partner_id, "all they can see", None),
        ]
        dash_statements: dict[str, list] = {}
        dash_medians: dict[tuple, float] = {}
        for who, uid, scope, hood in scopes:
            in_scope = db.session.scalar(sa.text(
                "SELECT count(*) FROM problem_cases WHERE (CAST(:hood AS integer) IS NULL OR "
                "neighbourhood_id = :hood) AND (:partner = false OR id IN (SELECT case_id "
                "FROM case_shares s JOIN organisations o ON o.id = s.organisation_id "
                "WHERE o.name = :council AND s.ended_dt IS NULL))"),
                {"hood": hood, "partner": who == "partner", "council": PARTNER_ORG})
            db.session.remove()
            times, counts, in_sql, last = [], set(), [], None
            for run in range(args.dashboard_runs + 1):
                with app.test_request_context("/dashboard"):
                    u = db.session.get(User, uid)
                    with StatementCapture(db.engine) as cap:
                        t = time.perf_counter()
                        board = dashboard(u, hood)
                        elapsed = time.perf_counter() - t
                    markers = len(board.asb.markers) if board.asb else 0
                    db.session.remove()
                if run == 0:
                    continue
                times.append(elapsed * 1000)
                counts.add(len(cap.statements))
                in_sql.append(sum(s for *_x, s in cap.statements) * 1000)
                last = cap.statements
            worst = max(range(len(last)), key=lambda i: last[i][2])
            slowest = (f"{dashboard_label(worst, len(last), last[worst][0])}, "
                       f"{last[worst][2] * 1000:.0f} ms")
            dash_statements[f"{who}, {scope}"] = last
            dash_medians[(uid, hood)] = median(times)
            say(f"| {who} | {scope} | {in_scope:,} | **{median(times):.0f} ms** | "
                f"{min(times):.0f} ms | {max(times):.0f} ms | "
                f"{'/'.join(str(c) for c in sorted(counts))} | {median(in_sql):.0f} ms | "
                f"{markers:,} | {slowest} |")
        say()
        say("The statements of one dashboard (last timed run), slowest first:")
        for key in ("supervisor, whole force", "supervisor, Lincoln Central"):
            say()
            say(f"**{key}**")
            say()
            say("| # | statement | time | EXPLAIN ANALYZE time | scans |")
            say("|---|---|---|---|---|")
            explained = []
            for n, (statement, params, seconds) in enumerate(dash_statements[key]):
                with app.test_request_context("/dashboard"):
                    plan = explain(db.session.connection(), statement, params)
                    db.session.remove()
                explained.append((seconds, n, statement, plan))
                appendix.append(
                    f"### dashboard, {key}: statement {n + 1}, "
                    f"{dashboard_label(n, len(dash_statements[key]), statement)}; "
                    f"{seconds * 1000:.1f} ms\n\n```sql\n{statement}\n-- parameters: {params}\n"
                    f"```\n\n```\n{plan}\n```\n")
            for seconds, n, statement, plan in sorted(explained, reverse=True):
                label = dashboard_label(n, len(dash_statements[key]), statement)
                say(f"| {n + 1} | {label} | {seconds * 1000:.1f} ms | "
                    f"{plan_time(plan)} ms | {', '.join(indexes_used(plan))} |")

        experiments(say, app, db, sa, User, args, per_page, officer_id, scopes, dash_medians,
                    note_load, dash_statements, appendix, supervisor_id,
                    hoods.get("Lincoln Central"))

    note_load("end")
    say()
    say("## Machine load")
    say()
    say("Load average (1, 5, 15 min) at each phase: "
        + "; ".join(f"{phase}: {value}" for phase, value in loads)
        + f". At the end, {ci_state()}. Benchmark took {time.perf_counter() - started:.0f} s.")
    say()
    say("## Appendix: plans (EXPLAIN (ANALYZE, BUFFERS))")
    say()
    REPORT.write_text("\n".join(report) + "\n\n" + "\n".join(appendix))
    print("\nreport written to bench/results/search_dashboard.md")


if __name__ == "__main__":
    main()
