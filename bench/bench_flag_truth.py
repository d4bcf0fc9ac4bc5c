"""Precision and recall of every caller flag, against data whose truth is known (hand-run, not a
test).

    .venv/bin/python bench/bench_flag_truth.py [--scale 1] [--seed 13] [--write]
    DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench .venv/bin/python bench/bench_flag_truth.py

Makes a scratch database: a SQLite file in a temporary directory by default; on PostgreSQL, when
--database-url or DATABASE_URL names a server, a database `<name>_truth` next to the one named
(whose name must contain "bench"), dropped and created afresh. Then, with the clock stopped at
truth.DEFAULT_NOW (time-machine, as the tests do), through the application's own ways in:

1. migrations (`flask db upgrade`), then `flask sara create-org` (a police force with one
   neighbourhood), `create-user` (a call handler, an officer, a supervisor) and `create-token`;
2. bench/truth.py's CAD file through `flask sara import-incidents --format cad`;
3. the case-review cases through the API: POST /api/v1/cases, then
   POST /api/v1/cases/{ref}/incidents with the incidents' references (as the officer);
4. phase A, "as imported": each true person is looked up as a call handler would, through
   GET /api/v1/lookup (by phone when they have one, and by name), and every flag of every
   profile the lookups show is scored;
5. phase B, "after people decide": a supervisor works the human queues from the truth: possible
   duplicate people (sara.people.duplicates: merge the true duplicates, "not the same person"
   for the others) and proposed "same incident as" links (sara.incidents.episodes: confirm the
   true double reports, reject the others), each decision a unit of work of its own; then
   everything is scored again. A queue whose module does not import is reported as skipped.

Scoring. A profile is mapped to true people through the incidents its flag counts: the list in
the lookup's evidence when it gives one (`repeat_victim_evidence["incidents"]` as a list of
{"reference", ...}); otherwise the profile's incidents read from the database and filtered by
the rule (ASB or not, role victim or reporter, in the window; for the case review, on the cases
of its evidence). The report says which. A flagged profile is a true positive when those
incidents are one true person's and that person truly holds the flag: a profile flagged on the
strength of two people's calls, or a professional caller's, is a false positive. A true holder is
found when one of the profiles their own lookups show is theirs alone and flagged. Precision =
TP / flagged profiles; recall = holders found / holders. The target is 1.000 and 1.000.

Prints the tables and up to 10 failures per flag with their reason; --write appends them to
bench/results/flag_truth.md with the date, the database and the git commit.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import truth as truth_module  # noqa: E402
from _common import database_name, libpq_url, maintenance_url  # noqa: E402

RESULTS = BENCH / "results" / "flag_truth.md"
ORG = "Truth Constabulary"
NEIGHBOURHOOD = "Truth Central"
PASSWORD = "truth bench password 2026"
USERS = {"handler": ("handler@truth.example.org", "Casey Handler", "call_handler"),
         "officer": ("officer@truth.example.org", "Owen Officer", "officer"),
         "supervisor": ("supervisor@truth.example.org", "Sam Supervisor", "supervisor")}
ROLES = ("victim", "reporter")
#: The populations whose people share an address, a phone or a name with someone else.
SHARED = {"household": "household merged", "cr_household": "household merged",
          "father_son": "father and son merged", "double_barrelled": "double-barrelled merged",
          "shared_landline": "shared landline merged", "same_name": "same name merged",
          "professional": "professionals merged"}
MAX_EXAMPLES = 10


# --- the scratch database and the app ----------------------------------------------------------

def scratch_database(url: str | None, workdir: Path) -> tuple[str, str]:
    """(SQLAlchemy URL, description) of a new, empty database."""
    if not url:
        path = workdir / "truth.sqlite"
        return f"sqlite:///{path}", "SQLite (a file in a temporary directory)"
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if "bench" not in name:
        sys.exit(f"refusing to run against database {name!r}: its name must contain 'bench'")
    scratch = f"{name}_truth"
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(scratch)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    parts = urlsplit(libpq_url(url))
    return (urlunsplit(parts._replace(path=f"/{scratch}")),
            f"PostgreSQL {version} (scratch database {scratch})")


def drop_scratch(url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(database_name(url))))


def make_app(url: str, workdir: Path):
    # config.build_config derives the engine options from DATABASE_URL itself, so the URL goes
    # through the environment, as for the other benches.
    os.environ["DATABASE_URL"] = url
    os.environ["SARA_INSTANCE_PATH"] = str(workdir)
    os.environ.setdefault("SARA_ENV", "development")
    os.environ.pop("MIGRATION_DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from config import build_config
    from sara import create_app

    celery = dict(build_config()["CELERY"])
    celery["broker_url"] = "memory://"  # no worker: the lookup applies the rules itself
    return create_app({"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19456,
                       "ARGON2_PARALLELISM": 1, "CELERY": celery})


def cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.exit_code}):\n"
                           f"{result.output}\n{result.exception!r}")
    return result.output


@dataclass
class Setup:
    organisation_id: int
    neighbourhood_id: int
    tokens: dict[str, str]
    supervisor_id: int


def set_up(app) -> Setup:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from sara.auth.models import User
    from sara.extensions import db
    from sara.orgs.models import Neighbourhood, Organisation

    with app.app_context():
        upgrade()
    cli(app, "sara", "create-org", ORG, "--kind", "police", "--neighbourhood", NEIGHBOURHOOD)
    os.environ["SARA_PASSWORD"] = PASSWORD
    tokens = {}
    for key, (email, name, role) in USERS.items():
        cli(app, "sara", "create-user", email, "--name", name, "--org", ORG, "--role", role)
        tokens[key] = next(line for line in cli(app, "sara", "create-token", email).splitlines()
                           if line.startswith("sara_"))
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.name == ORG))
        neighbourhood_id = db.session.scalar(sa.select(Neighbourhood.id).where(
            Neighbourhood.organisation_id == org_id))
        supervisor_id = db.session.scalar(sa.select(User.id).where(
            User.email == USERS["supervisor"][0]))
    return Setup(org_id, neighbourhood_id, tokens, supervisor_id)


class Api:
    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params) -> dict:
        response = self.client.get(path, query_string=params, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.data!r}")
        return response.get_json()

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(path, json=body, headers=self.headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST {path}: {response.status_code} {response.data!r}")
        return response.get_json()


def build_cases(app, setup: Setup, truth) -> dict[str, str]:
    """The truth's cases, opened and given their incidents through the API; key -> reference."""
    officer = Api(app, setup.tokens["officer"])
    references = {}
    for case in truth.cases:
        made = officer.post("/api/v1/cases", {
            "title": case.title[:200], "problem_type": case.problem_type,
            "neighbourhood_id": setup.neighbourhood_id, "location_text": case.location,
            "description": f"Complaints about {case.title.lower()} (bench/truth.py {case.key})"})
        officer.post(f"/api/v1/cases/{made['reference']}/incidents", {"incidents": case.refs})
        references[case.key] = made["reference"]
    return references


# --- what the database holds -------------------------------------------------------------------

@dataclass
class Link:
    ref: str
    profile: str
    role: str
    occurred: datetime
    is_asb: bool
    case_ids: frozenset[int]
    #: The episode's first report (a confirmed "same incident as" link), or the incident itself
    episode: int = 0
    caller_type: str = "public"


def links_by_profile(app, organisation_id: int) -> dict[str, list[Link]]:
    """Every live profile's incident links, with the cases each incident is on."""
    import sqlalchemy as sa

    from sara.extensions import db
    from sara.incidents.models import CaseIncident, Incident, IncidentPerson
    from sara.people.models import Person

    with app.app_context():
        cases = defaultdict(set)
        for incident_id, case_id in db.session.execute(
                sa.select(CaseIncident.incident_id, CaseIncident.case_id)):
            cases[incident_id].add(case_id)
        rows = db.session.execute(
            sa.select(Incident.id, Incident.source_key, Person.reference, IncidentPerson.role,
                      IncidentPerson.occurred_dt, IncidentPerson.is_asb,
                      sa.func.coalesce(Incident.same_as_id, Incident.id),
                      IncidentPerson.caller_type)
            .join(IncidentPerson, IncidentPerson.incident_id == Incident.id)
            .join(Person, Person.id == IncidentPerson.person_id)
            .where(Person.organisation_id == organisation_id,
                   Person.merged_into_id.is_(None))).all()
        db.session.remove()
    out = defaultdict(list)
    for incident_id, ref, profile, role, occurred, is_asb, episode, caller_type in rows:
        out[profile].append(Link(ref, profile, role, occurred.astimezone(UTC), bool(is_asb),
                                 frozenset(cases[incident_id]), episode, caller_type))
    return out


# --- scoring -----------------------------------------------------------------------------------

@dataclass
class Failure:
    kind: str  # "FP" or "FN"
    reason: str
    detail: str
    population: str


@dataclass
class FlagScore:
    flag: str
    available: bool = True
    holders: int = 0
    flagged: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    method: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    #: Evidence that disagrees with the rule applied to the profile's own incidents
    disagreements: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return (self.holders - self.fn) / self.holders if self.holders else None


@dataclass
class PhaseScore:
    name: str
    flags: dict[str, FlagScore]
    profiles: int
    mixed_profiles: int
    split_people: int
    lookups: int
    truncated_lookups: int
    seconds: float


def look_up(api: Api, person) -> tuple[list[dict], int, int]:
    """(the distinct hits, lookups made, lookups that hit the 25-result cap)."""
    criteria = ([{"phone": person.phone}] if person.phone else []) + [{"name": person.name}]
    hits, truncated = {}, 0
    for query in criteria:
        answer = api.get("/api/v1/lookup", **query)
        truncated += answer["count"] >= 25
        for hit in answer["results"]:
            hits.setdefault(hit["reference"], hit)
    return list(hits.values()), len(criteria), truncated


def counted_links(truth, flag: str, links: list[Link], hit: dict) -> list[Link]:
    """The profile's incidents that the flag's rule counts, read from the database: a member of
    the public's, one per episode as the database links them (the first report of each)."""
    now = truth.now
    if flag == "case_review":
        since = truth_module.months_before(now, truth_module.RULES[flag]["window_months"])
        cases = {e.get("case_id") for e in hit.get("case_review_evidence") or []} - {None}
        found = [k for k in links if k.is_asb and k.role in ROLES
                 and (not cases or k.case_ids & cases) and since <= k.occurred <= now]
    else:
        rule = truth_module.RULES[flag]
        found = [k for k in links if k.is_asb == rule["asb"] and k.role in ROLES
                 and now - timedelta(days=rule["window_days"]) <= k.occurred <= now]
    first: dict[int, Link] = {}
    for link in sorted(found, key=lambda k: (k.occurred, k.ref)):
        if link.caller_type == "public":
            first.setdefault(link.episode or id(link), link)
    return list(first.values())


def evidence_refs(hit: dict, flag: str) -> list[str] | None:
    """The references the lookup says it counted, when its evidence lists them."""
    evidence = hit.get(f"{flag}_evidence")
    if flag == "case_review" and isinstance(evidence, list):
        # The person's own decision lists their complaints; the different-people one lists
        # everyone's, which the database mapping reads through the case instead.
        own = [e for e in evidence if e.get("case_id") is None]
        return [i["reference"] for e in own for i in e.get("incidents") or []] if own else None
    if isinstance(evidence, dict) and isinstance(evidence.get("incidents"), list):
        return [i["reference"] if isinstance(i, dict) else str(i) for i in evidence["incidents"]]
    return None


def describe(truth, keys) -> str:
    people = [truth.people[k] for k in sorted(keys)]
    return " + ".join(f"{p.key} {p.name!r} ({p.population})" for p in people)


def fp_reason(truth, flag: str, owners: set[str], refs: list[str]) -> tuple[str, str]:
    """(reason, population) of a flagged profile that is not one true holder's."""
    people = [truth.people[k] for k in owners]
    if not people:
        return "counted incidents unknown to the truth", "?"
    if len(people) > 1:
        populations = sorted({p.population for p in people})
        if any(p.professional for p in people) and not all(p.professional for p in people):
            return "professional merged with a member of the public", "+".join(populations)
        label = next((SHARED[p] for p in populations if p in SHARED), "two people merged")
        return label, "+".join(populations)
    person = people[0]
    if person.professional:
        return "professional counted", person.population
    episodes = [truth.by_ref[r].episode for r in refs if r in truth.by_ref]
    if len(episodes) != len(set(episodes)):
        return "double report counted twice", person.population
    if flag == "case_review":
        on_case = [c for c in truth.cases if set(c.refs) & set(person.refs)]
        if any(truth.people[truth.by_ref[r].person].professional for c in on_case
               for r in c.refs):
            return "professional counted (different people on the case)", person.population
    if person.population.startswith(("boundary", "cr_outside", "cr_at")):
        return "boundary", person.population
    return "flag the truth does not hold", person.population


def fn_reason(truth, person, mine: list[str], owners_of: dict[str, set[str]],
              found: set[str]) -> str:
    """Why a true holder is not shown flagged on a profile of their own: `mine` are the
    profiles holding their calls, `owners_of` the true people of each profile's calls."""
    mixed = [p for p in mine if len(owners_of.get(p, set())) > 1]
    if mixed:
        others = set().union(*(owners_of[p] for p in mixed)) - {person.key}
        label = next((SHARED[truth.people[k].population] for k in others
                      if truth.people[k].population in SHARED), None)
        return label or SHARED.get(person.population, "merged with another person")
    if len(mine) > 1:
        return f"split profile ({len(mine)} profiles)"
    if not mine:
        return "no profile holds their incidents"
    if mine[0] not in found:
        return "not found by the lookup"
    if person.population.startswith(("boundary", "cr_at", "cr_outside")):
        return "boundary"
    if person.population == "cr_same_day":
        return "two complaints on one day counted once"
    return "not flagged"


def score(app, setup: Setup, truth, name: str) -> PhaseScore:
    started = time.perf_counter()
    api = Api(app, setup.tokens["handler"])
    links = links_by_profile(app, setup.organisation_id)
    profile_of_ref = {k.ref: p for p, ks in links.items() for k in ks}
    hits_of: dict[str, list[dict]] = {}
    lookups = truncated = 0
    for person in truth.people.values():
        hits, made, capped = look_up(api, person)
        hits_of[person.key] = hits
        lookups += made
        truncated += capped
    seen = {h["reference"]: h for hits in hits_of.values() for h in hits}

    all_owners = {p: {truth.by_ref[k.ref].person for k in ks if k.ref in truth.by_ref}
                  for p, ks in links.items()}
    split = sum(1 for person in truth.people.values()
                if len({profile_of_ref.get(r) for r in person.refs}) > 1)
    flags = {}
    for flag in truth_module.FLAGS:
        result = FlagScore(flag)
        flags[flag] = result
        result.holders = len(truth.holders(flag))
        if any(flag not in h for h in seen.values()):
            result.available = False
            continue
        owners_of: dict[str, set[str]] = {}
        true_profile: dict[str, bool] = {}
        for ref, hit in seen.items():
            listed = evidence_refs(hit, flag) if hit[flag] else None
            from_db = [k.ref for k in counted_links(truth, flag, links.get(ref, []), hit)]
            refs = listed if listed is not None else from_db
            if hit[flag]:
                result.method["evidence" if listed is not None else "database"] += 1
                if listed is not None and sorted(listed) != sorted(from_db):
                    result.disagreements.append(f"{ref}: evidence {sorted(listed)}, "
                                                f"rule on its incidents {sorted(from_db)}")
                elif listed is None and flag != "case_review":
                    count = (hit.get(f"{flag}_evidence") or {}).get("incidents")
                    if isinstance(count, int) and count != len(from_db):
                        result.disagreements.append(f"{ref}: evidence counts {count}, its "
                                                    f"incidents in the window {len(from_db)}")
            owners = {truth.by_ref[r].person for r in refs if r in truth.by_ref}
            owners_of[ref] = all_owners.get(ref, set()) if not hit[flag] else owners
            if not hit[flag]:
                continue
            result.flagged += 1
            owner = next(iter(owners)) if len(owners) == 1 else None
            if owner is not None and flag in truth.people[owner].flags:
                result.tp += 1
                true_profile[ref] = True
                continue
            result.fp += 1
            reason, population = fp_reason(truth, flag, owners, refs)
            result.failures.append(Failure("FP", reason, f"{ref} {hit['name']!r}: counted "
                                           f"{len(refs)} incidents of {describe(truth, owners)}",
                                           population))
        for key in sorted(truth.holders(flag)):
            person = truth.people[key]
            found = {h["reference"] for h in hits_of[key]}
            if any(true_profile.get(r) and owners_of.get(r) == {key} for r in found):
                continue
            result.fn += 1
            mine = sorted({profile_of_ref[r] for r in person.refs if r in profile_of_ref})
            reason = fn_reason(truth, person, mine, all_owners, found)
            result.failures.append(Failure("FN", reason, f"{key} {person.name!r}: "
                                           f"{len(person.refs)} calls on profiles "
                                           f"{', '.join(mine) or '-'}", person.population))
    return PhaseScore(name, flags, len(links),
                      sum(1 for o in all_owners.values() if len(o) > 1), split, lookups,
                      truncated, time.perf_counter() - started)


# --- phase B: the human queues -----------------------------------------------------------------

def _pending(queue, organisation_id: int, tried: set[int]):
    """The first undecided item of a queue not tried yet, over its pages if it has pages."""
    paged = "page" in inspect.signature(queue).parameters
    page = 1
    while True:
        items = queue(organisation_id, page) if paged else queue(organisation_id)
        for item in items:
            if item.id not in tried:
                return item
        if not paged or not items:
            return None
        page += 1


def _work_queue(app, setup: Setup, queue, decide) -> Counter:
    """Decide every item of a queue, each in a unit of work of its own, as a supervisor would,
    one at a time (a merge changes what is left to decide)."""
    from sara.auth.models import User
    from sara.core import unit_of_work
    from sara.extensions import db

    done: Counter = Counter()
    tried: set[int] = set()
    with app.app_context():
        while (item := _pending(queue, setup.organisation_id, tried)) is not None:
            tried.add(item.id)
            actor = db.session.get(User, setup.supervisor_id)
            try:
                done[unit_of_work.command(decide)(item, actor)] += 1
            except Exception as error:  # noqa: BLE001 - counted and reported, then on to the next
                done[f"refused: {type(error).__name__}: {error}"[:120]] += 1
            db.session.remove()
    return done


def _owner(truth, person) -> str | None:
    """Whom a profile is, to a supervisor: the true person its first call came from (the
    profile's details are that caller's)."""
    import sqlalchemy as sa

    from sara.extensions import db
    from sara.incidents.models import Incident, IncidentPerson

    first = db.session.scalar(
        sa.select(Incident.source_key).join(IncidentPerson,
                                            IncidentPerson.incident_id == Incident.id)
        .where(IncidentPerson.person_id == person.id)
        .order_by(IncidentPerson.occurred_dt, Incident.id).limit(1))
    call = truth.by_ref.get(first)
    return call.person if call else None


def decide_queues(app, setup: Setup, truth) -> tuple[list[str], bool]:
    """(what was decided, whether any queue could be worked)."""
    said, worked = [], False
    try:
        from sara.people import duplicates
    except ImportError as error:
        said.append(f"possible duplicate people: skipped: queues not available ({error})")
    else:
        worked = True

        def same_person(dup, actor):
            if _owner(truth, dup.person) == _owner(truth, dup.other) is not None:
                duplicates.merge_duplicate(dup, actor)
                return "merged"
            duplicates.not_the_same(dup, actor)
            return "not the same person"

        done = _work_queue(app, setup, duplicates.open_duplicates, same_person)
        said.append("possible duplicate people: " + (", ".join(
            f"{n} {what}" for what, n in done.most_common()) or "none proposed"))
    try:
        from sara.incidents import episodes
    except ImportError as error:
        said.append(f"'same incident as' proposals: skipped: queues not available ({error})")
    else:
        worked = True
        pairs = truth.same_episode_pairs()

        def same_episode(proposal, actor):
            pair = tuple(sorted((proposal.incident.source_key, proposal.other.source_key)))
            if pair in pairs:
                episodes.confirm(proposal, actor)
                return "confirmed"
            episodes.reject(proposal, actor)
            return "rejected"

        done = _work_queue(app, setup, episodes.open_proposals, same_episode)
        said.append(f"'same incident as' proposals ({len(pairs)} true pairs): " + (", ".join(
            f"{n} {what}" for what, n in done.most_common()) or "none proposed"))
    return said, worked


# --- the report --------------------------------------------------------------------------------

def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def phase_table(phase: PhaseScore) -> list[str]:
    lines = [f"### Phase {phase.name}", "",
             f"{phase.profiles} live profiles for the true people; {phase.mixed_profiles} hold "
             f"incidents of more than one true person; {phase.split_people} true people have "
             f"their incidents on more than one profile. {phase.lookups} lookups "
             f"({phase.truncated_lookups} at the 25-result cap) in {phase.seconds:.1f} s.", "",
             "| flag | true holders | flagged profiles | TP | FP | FN | precision | recall | "
             "profiles mapped by |", "|---|---|---|---|---|---|---|---|---|"]
    for result in phase.flags.values():
        if not result.available:
            lines.append(f"| {result.flag} | {result.holders} | not available (no "
                         f"`{result.flag}` in the lookup's answer) | | | | | | |")
            continue
        method = ", ".join(f"{m} {n}" for m, n in result.method.items()) or "–"
        lines.append(f"| {result.flag} | {result.holders} | {result.flagged} | {result.tp} | "
                     f"{result.fp} | {result.fn} | {_ratio(result.precision)} | "
                     f"{_ratio(result.recall)} | {method} |")
    for result in phase.flags.values():
        if not result.failures and not result.disagreements:
            continue
        lines += ["", f"{result.flag}, failures by reason:", ""]
        reasons = Counter((f.kind, f.reason) for f in result.failures)
        by_population = defaultdict(Counter)
        for f in result.failures:
            by_population[(f.kind, f.reason)][f.population] += 1
        for (kind, reason), n in reasons.most_common():
            where = ", ".join(f"{p} {k}" for p, k in by_population[(kind, reason)].most_common())
            lines.append(f"- {kind} {n} × {reason} ({where})")
        lines += ["", "  examples:"]
        examples = sorted(result.failures, key=lambda f: (f.kind, f.reason))
        # One example of each reason first, then more of the commonest.
        firsts = {(f.kind, f.reason): f for f in reversed(examples)}
        chosen = list(firsts.values())
        chosen += [f for f in examples if f not in chosen][:max(0, MAX_EXAMPLES - len(chosen))]
        for f in chosen[:MAX_EXAMPLES]:
            lines.append(f"  - {f.kind} [{f.reason}] {f.detail}")
        if result.disagreements:
            # Expected once confirmed double reports count once; a bug in this bench before.
            lines += ["", f"  the evidence differs from the profile's incidents in the window "
                      f"on {len(result.disagreements)} profiles, e.g.: "
                      + "; ".join(result.disagreements[:3])]
    return lines + [""]


def git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = [line for line in git("status", "--porcelain").splitlines()
             if not line.endswith(("bench/truth.py", "bench/bench_flag_truth.py",
                                   "bench/results/flag_truth.md", "bench/README.md"))]
    return commit + (f" + {len(dirty)} uncommitted files (sara/, tests/, ...)" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server and bench database name "
                        "(default: DATABASE_URL, else a temporary SQLite file)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=truth_module.DEFAULT_SEED)
    parser.add_argument("--label", help="what code this is, for the report (default: the git "
                        "commit)")
    parser.add_argument("--write", action="store_true", help=f"append the report to {RESULTS}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    import time_machine

    run_at = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="sara-truth-"))
    started = time.perf_counter()
    timings = {}
    url = None
    try:
        truth = truth_module.generate(truth_module.DEFAULT_NOW, args.seed, args.scale)
        csv_path = workdir / "cad.csv"
        truth.write_csv(csv_path)
        truth.write_json(workdir / "truth.json")
        timings["generate"] = time.perf_counter() - started
        url, database = scratch_database(args.database_url or os.environ.get("DATABASE_URL"),
                                         workdir)
        # The lookup asks the rules "now": the clock stands still at the truth's moment, so a
        # call at exactly now - 365 days stays exactly on the edge however long the run takes.
        with time_machine.travel(truth.now, tick=False):
            app = make_app(url, workdir)
            mark = time.perf_counter()
            setup = set_up(app)
            timings["migrate + users"] = time.perf_counter() - mark
            mark = time.perf_counter()
            imported = cli(app, "sara", "import-incidents", str(csv_path), "--format", "cad")
            timings["import"] = time.perf_counter() - mark
            mark = time.perf_counter()
            build_cases(app, setup, truth)
            timings["cases (API)"] = time.perf_counter() - mark
            phases = [score(app, setup, truth, "A: as imported")]
            mark = time.perf_counter()
            decided, worked = decide_queues(app, setup, truth)
            timings["queues"] = time.perf_counter() - mark
            if worked:
                phases.append(score(app, setup, truth, "B: after people decide"))
    finally:
        if args.keep:
            print(f"kept {workdir}" + (f" and database {database_name(url)}"
                                       if url and url.startswith("postgres") else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if url and url.startswith("postgres"):
                drop_scratch(url)
    timings["phases A + B"] = sum(p.seconds for p in phases)

    lines = [f"## {run_at:%Y-%m-%d %H:%M} UTC: {database}, code {args.label or git_commit()}", "",
             f"Truth: seed {args.seed}, scale {args.scale}, now {truth.now:%Y-%m-%d %H:%M} UTC "
             f"(the clock stopped there). Python {platform.python_version()}.", "",
             *(f"    {line}" for line in truth.summary()), "",
             "Import: " + next((line.split(": ", 1)[-1] for line in imported.splitlines()
                                if " imported, " in line), imported.strip()), "",
             f"{len(truth.cases)} cases opened and linked through the API.", "",
             "Phase B, the queues: " + "; ".join(decided) + ("" if worked else
                                                           " — so phase B was not scored."),
             "", *[line for phase in phases for line in phase_table(phase)],
             "Time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
             + f"; {time.perf_counter() - started:.1f} s in all.", ""]
    print("\n".join(lines))
    if args.write:
        with RESULTS.open("a") as handle:
            handle.write("\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
