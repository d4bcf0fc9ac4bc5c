"""Generate a large, realistic data set in the bench database (hand-run, not a test).

    PYTHONPATH=/work/main DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench \
        .venv/bin/python bench/generate.py [--reset] [--people 100000] [--incidents 1000000]

- creates the database (and migrates it with `flask db upgrade`) if it does not exist; --reset
  drops and recreates it first (only a database whose name contains "bench");
- creates one police organisation through `flask --app wsgi sara create-org`;
- COPYs 100,000 people (names from small first/last-name lists, phones, addresses, postcodes) with
  the normalised key columns computed by sara.people.matching itself, so they are exactly what the
  application would have stored;
- builds 1,000,000 incidents and one incident_people row each with INSERT ... SELECT over a staged
  table (no row-by-row ORM work), spread over the last 3 years, ~40% ASB, with a heavy-tailed
  (truncated power-law) number of incidents per person: most people 1-3, a few hundred with
  hundreds (prolific callers);
- VACUUM ANALYZEs, as autovacuum would have by the time a nightly scan runs.

Refuses to run when the bench organisation already has people, unless --reset.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_ORG,
    connect,
    database_name,
    database_url,
    flask_cli,
    maintenance_url,
)

SEED = 20260314
YEARS = 3

FIRST = ["Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar",
         "William", "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan",
         "Isaac", "Alexander", "Joseph", "Edward", "Samuel", "Daniel", "David", "Michael", "Paul",
         "Mark", "Peter", "John", "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace",
         "Mia", "Poppy", "Ella", "Lily", "Evie", "Isabella", "Sophie", "Jessica", "Chloe",
         "Ruby", "Sarah", "Emma", "Hannah", "Rebecca", "Laura", "Karen", "Susan", "Margaret",
         "Patricia", "Linda", "Janet", "Zainab", "Mohammed", "Aisha", "Priya", "Tomasz",
         "Agnieszka"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
        "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Martin", "Price",
        "Cooper", "Harris", "King", "Lee", "Baker", "Turner", "Hill", "Young", "Allen", "Scott",
        "Edwards", "Hughes", "Carter", "Ward", "Harrison", "Morris", "Parker", "Bennett", "Kaur",
        "Singh", "Nowak", "Kowalski", "O'Brien", "O'Neill", "McDonald", "Smith-Jones",
        "Fitzgerald", "Atkinson", "Barker", "Chapman", "Dixon", "Ellis", "Fletcher", "Gibson"]
STREETS = ["Station", "Church", "Park", "High", "Victoria", "Green", "Manor", "Mill", "Queens",
           "Kings", "New", "School", "Grange", "Springfield", "Windsor", "Newport", "Monks",
           "Burton", "Nettleham", "Wragby", "Carholme", "Yarborough", "Ruskington", "Boultham",
           "Skellingthorpe", "Doddington", "Brant", "Canwick", "Sincil", "Steep", "Bailgate",
           "Westgate", "Eastgate", "Northgate", "Spalding", "Tennyson", "Lindum", "Greetwell",
           "Hykeham", "Washingborough"]
STREET_TYPES = ["Road", "Street", "Avenue", "Lane", "Close", "Drive", "Court", "Crescent",
                "Place", "Gardens", "Way", "Rd", "St"]
TOWNS = [("Lincoln", ["LN1", "LN2", "LN4", "LN5", "LN6"]), ("Boston", ["PE20", "PE21", "PE22"]),
         ("Grantham", ["NG31", "NG32", "NG33"]), ("Spalding", ["PE11", "PE12"]),
         ("Skegness", ["PE24", "PE25"]), ("Gainsborough", ["DN21"]), ("Louth", ["LN11"]),
         ("Sleaford", ["NG34"]), ("Stamford", ["PE9"]), ("Market Rasen", ["LN8"])]
ASB_CATEGORIES = ["ASB - Personal", "ASB - Nuisance", "ASB - Environmental",
                  "Anti-social behaviour"]
CRIME_CATEGORIES = ["Criminal damage and arson", "Violence and sexual offences", "Public order",
                    "Burglary", "Vehicle crime", "Other theft", "Shoplifting", "Drugs",
                    "Theft from the person", "Possession of weapons"]
VULNERABILITY_KINDS = ["age", "disability", "mental_health", "isolation", "hate_related", "other"]


# --- database set-up ---------------------------------------------------------------------------

def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(maintenance_url(), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
            is not None


def create_database(reset: bool) -> None:
    import psycopg
    from psycopg import sql

    name = database_name(database_url())
    exists = database_exists(name)
    if exists and not reset:
        return
    with psycopg.connect(maintenance_url(), autocommit=True) as conn:
        if exists:
            print(f"--reset: dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name}; migrating (flask db upgrade)")
    flask_cli("db", "upgrade")


def bench_org_id(conn) -> int | None:
    row = conn.execute("SELECT id FROM organisations WHERE name = %s", (BENCH_ORG,)).fetchone()
    return row[0] if row else None


# --- people ------------------------------------------------------------------------------------

def make_addresses(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(address, postcode): houses on streets; each street segment shares a postcode
    (~15 addresses a postcode, as in the UK)."""
    addresses = []
    while len(addresses) < count:
        town, districts = rng.choice(TOWNS)
        street = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
        district = rng.choice(districts)
        start = rng.randint(1, 200)
        for block in range(rng.randint(1, 4)):
            postcode = (f"{district} {rng.randint(1, 9)}"
                        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")
            for number in range(start + block * 30, start + block * 30 + rng.randint(8, 22)):
                flat = f"Flat {rng.randint(1, 6)}, " if rng.random() < 0.08 else ""
                addresses.append((f"{flat}{number} {street}, {town}", postcode))
    return addresses[:count]


def make_phone(rng: random.Random) -> str:
    if rng.random() < 0.75:
        digits = f"07{rng.randint(100, 999)}{rng.randint(0, 999999):06d}"
        style = rng.random()
        if style < 0.5:
            return f"{digits[:5]} {digits[5:]}"
        if style < 0.8:
            return digits
        return f"+44 {digits[1:5]} {digits[5:]}"
    area = rng.choice(["01522", "01205", "01476", "01775", "01754", "01427", "01507"])
    return f"{area} {rng.randint(100000, 999999)}"


def make_people(rng: random.Random, count: int, first_id: int, org_id: int, now: datetime):
    from sara.people import matching

    addresses = make_addresses(rng, int(count / 2.3) + 1)
    rows = []
    household_phone: dict[int, str] = {}
    for i in range(count):
        pid = first_id + i
        first, last = rng.choice(FIRST), rng.choice(LAST)
        shape = rng.random()
        if shape < 0.10:
            name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        elif shape < 0.13:
            name = f"{first.lower()} {last.upper()}"
        else:
            name = f"{first} {last}"
        home = rng.randrange(len(addresses))
        address, postcode = addresses[home]
        if rng.random() < 0.1:
            postcode = postcode.replace(" ", "").lower()  # keyed in carelessly
        if rng.random() < 0.88:
            phone = household_phone.setdefault(home, make_phone(rng)) if rng.random() < 0.15 \
                else make_phone(rng)
        else:
            phone = None
        if rng.random() < 0.05:
            address, postcode = None, None  # no fixed abode / not given
        dob = None
        if rng.random() < 0.8:
            dob = (now - timedelta(days=rng.randint(16 * 365, 92 * 365))).date()
        rows.append((
            pid, f"PN-{pid:06d}", org_id, name, dob, phone, address, postcode,
            now.replace(tzinfo=None),
            matching.name_key(name), matching.surname_key(name), matching.phone_key(phone),
            matching.address_key(address), matching.postcode_key(postcode),
            matching.name_sounds(name),
        ))
    return rows


PEOPLE_COLUMNS = ("id", "reference", "organisation_id", "name", "date_of_birth", "phone",
                  "address", "postcode", "created_dt", "name_key", "surname_key", "phone_key",
                  "address_key", "postcode_key", "name_sounds")


# --- incidents per person: a truncated power law -----------------------------------------------

def incident_counts(rng: random.Random, people: int, total: int, cap: int = 1000) -> list[int]:
    """Counts per person from P(N >= k) ~ k^-alpha on 1..cap (rejection-truncated), alpha chosen
    so the mean is total/people, then nudged so they add up to exactly `total`."""
    target = total / people

    def mean(alpha: float) -> float:
        tail = cap ** -alpha
        return sum((k ** -alpha - tail) / (1 - tail) for k in range(1, cap + 1))

    lo, hi = 0.3, 3.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if mean(mid) < target else (mid, hi)
    alpha = (lo + hi) / 2
    counts = []
    for _ in range(people):
        while True:
            n = int((1 - rng.random()) ** (-1 / alpha))
            if n <= cap:
                break
        counts.append(n)
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(people)
        if diff > 0 and counts[i] < cap:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def describe_counts(counts: list[int]) -> str:
    ordered = sorted(counts)

    def at(p):
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    share_1_3 = sum(1 for c in counts if c <= 3) / len(counts)
    return (f"incidents per person over {YEARS} years: median {at(50)}, p75 {at(75)}, "
            f"p90 {at(90)}, "
            f"p99 {at(99)}, max {ordered[-1]}; {share_1_3:.0%} of people have 1-3; "
            f"{sum(1 for c in counts if c >= 36)} people have 36+ (one a month or more)")


# --- main --------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true",
                        help="drop and recreate the bench database first")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    args = parser.parse_args()
    database_url()
    started = time.perf_counter()

    create_database(args.reset)
    with connect() as conn:
        org_id = bench_org_id(conn)
        if org_id is not None:
            has_people = conn.execute("SELECT count(*) FROM people WHERE organisation_id = %s",
                                      (org_id,)).fetchone()[0]
            if has_people:
                sys.exit(f"{BENCH_ORG} already has {has_people} people: the data is there. "
                         "Run with --reset to drop and regenerate it.")
    if org_id is None:
        print(flask_cli("sara", "create-org", BENCH_ORG, "--kind", "police",
                        "--neighbourhood", "Lincoln Central",
                        "--neighbourhood", "Boston Town").stdout.strip())

    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    with connect() as conn:
        org_id = bench_org_id(conn)
        # FK triggers are skipped for the bulk load only (the rows are consistent by
        # construction); needs a superuser, which `root` is on this server.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SELECT setseed(0.42)")
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM people").fetchone()[0]

        t = time.perf_counter()
        people = make_people(rng, args.people, first_id, org_id, now)
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        with conn.cursor().copy(f"COPY people ({', '.join(PEOPLE_COLUMNS)}) FROM STDIN") as copy:
            for row in people:
                copy.write_row(row)
        last_id = first_id + args.people - 1
        conn.execute("SELECT setval('people_id_seq', (SELECT max(id) FROM people))")
        conn.execute(
            "INSERT INTO reference_counters (series, last_number) VALUES ('person', %s) "
            "ON CONFLICT (series) DO UPDATE SET last_number = "
            "greatest(reference_counters.last_number, excluded.last_number)", (last_id,))
        # ~6% of people have one or two structured vulnerabilities.
        conn.execute(
            """INSERT INTO person_vulnerabilities (person_id, kind)
               SELECT DISTINCT p.id, (%s::text[])[1 + floor(random() * %s)::int]
               FROM people p, generate_series(1, 1 + (random() < 0.3)::int)
               WHERE p.id BETWEEN %s AND %s AND random() < 0.06""",
            (VULNERABILITY_KINDS, len(VULNERABILITY_KINDS), first_id, last_id))
        print(f"people: {args.people:,} built in Python in {t_build:.1f} s "
              f"(keys by sara.people.matching), COPY in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        counts = incident_counts(rng, args.people, args.incidents)
        print(describe_counts(counts))
        conn.execute("CREATE TEMP TABLE bench_counts (person_id int, n int)")
        with conn.cursor().copy("COPY bench_counts (person_id, n) FROM STDIN") as copy:
            for i, n in enumerate(counts):
                copy.write_row((first_id + i, n))
        base = conn.execute("SELECT coalesce(max(id), 0) FROM incidents").fetchone()[0]
        window = YEARS * 365 * 86400 - 60
        conn.execute(
            # The random draws are made in a subquery: beside row_number() OVER (ORDER BY
            # random()) in one select list, PostgreSQL gave every random() the same value, which
            # tied each incident's date, ASB flag, role, category and place together.
            """CREATE TEMP TABLE bench_stage AS
               SELECT %(base)s + row_number() OVER (ORDER BY r.shuffle) AS id,
                      r.person_id, r.is_asb, r.r_role, r.r_cat, r.r_place, r.occurred_dt
               FROM (SELECT c.person_id, random() AS shuffle,
                            random() < 0.4 AS is_asb,
                            random() AS r_role, random() AS r_cat, random() AS r_place,
                            -- evenly over the last 3 years
                            %(now)s::timestamp
                              - make_interval(secs => floor(random() * %(window)s))
                              AS occurred_dt
                     FROM bench_counts c, generate_series(1, c.n)) r""",
            {"base": base, "now": now.replace(tzinfo=None), "window": window})
        conn.execute(
            """INSERT INTO incidents (id, source, source_key, organisation_id, occurred_dt,
                   occurred_precision, category, is_asb, location_text, postcode, latitude,
                   longitude, lsoa_code, lsoa_name, outcome, description, import_id, created_dt)
               SELECT s.id, 'cad', 'BENCH-' || lpad(s.id::text, 8, '0'), %(org)s,
                      s.occurred_dt, 'exact',
                      CASE WHEN s.is_asb THEN (%(asb)s::text[])[1 + floor(s.r_cat * 4)::int]
                           ELSE (%(crime)s::text[])[1 + floor(s.r_cat * 10)::int] END,
                      s.is_asb,
                      CASE WHEN s.r_place < 0.7 THEN coalesce(p.address, '') ELSE 'Near '
                           || split_part(coalesce(p.address, 'High Street, Lincoln'), ', ', 2)
                      END,
                      CASE WHEN s.r_place < 0.7 THEN p.postcode END,
                      52.6 + s.r_place * 0.9, -0.8 + s.r_cat * 1.1,
                      'E0' || (1026000 + floor(s.r_place * 420)::int)::text, NULL, NULL, '', NULL,
                      s.occurred_dt + interval '20 minutes'
               FROM bench_stage s JOIN people p ON p.id = s.person_id""",
            {"org": org_id, "asb": ASB_CATEGORIES, "crime": CRIME_CATEGORIES})
        conn.execute(
            """INSERT INTO incident_people (incident_id, person_id, role, occurred_dt, is_asb)
               SELECT id, person_id,
                      CASE WHEN r_role < 0.55 THEN 'victim' WHEN r_role < 0.90 THEN 'reporter'
                           WHEN r_role < 0.97 THEN 'witness' ELSE 'other' END,
                      occurred_dt, is_asb
               FROM bench_stage ORDER BY id""")
        conn.execute("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))")
        conn.execute("SELECT setval('incident_people_id_seq', "
                     "(SELECT max(id) FROM incident_people))")
        conn.commit()
        print(f"incidents: {args.incidents:,} + {args.incidents:,} incident_people rows in "
              f"{time.perf_counter() - t:.1f} s (INSERT ... SELECT)")

    t = time.perf_counter()
    with connect(autocommit=True) as conn:
        for table in ("people", "person_vulnerabilities", "incidents", "incident_people"):
            conn.execute(f"VACUUM ANALYZE {table}")
    print(f"VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")

    with connect() as conn:
        stats = conn.execute(
            """SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM incidents),
                      (SELECT count(*) FROM incident_people),
                      (SELECT avg(is_asb::int) FROM incidents),
                      (SELECT min(occurred_dt) FROM incidents),
                      (SELECT max(occurred_dt) FROM incidents),
                      (SELECT count(*) FROM person_vulnerabilities)""").fetchone()
        top = conn.execute(
            "SELECT count(*) FROM incident_people GROUP BY person_id ORDER BY 1 DESC LIMIT 5"
        ).fetchall()
    print(f"people {stats[0]:,}, incidents {stats[1]:,}, incident_people {stats[2]:,}, "
          f"ASB share {stats[3]:.1%}, {stats[4]:%Y-%m-%d} .. {stats[5]:%Y-%m-%d}, "
          f"vulnerabilities {stats[6]:,}; busiest people: {[r[0] for r in top]}")
    print(f"generation took {time.perf_counter() - started:.1f} s in all")
    dist = Counter(min(c, 10) for c in counts)
    print("people by incident count (10 = 10+):",
          ", ".join(f"{k}: {dist[k]}" for k in sorted(dist)))


if __name__ == "__main__":
    main()
