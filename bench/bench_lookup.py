"""Time the call-handler lookup, sara.people.lookup.lookup (hand-run, not a test).

    PYTHONPATH=/work/main DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench \
        .venv/bin/python bench/bench_lookup.py [--lookups 1000] [--no-experiments]

Needs the data of bench/generate.py (and, for flags in the hits, bench_repeat_victims.py run
once). Builds --lookups realistic criteria from people actually in the database, the way a caller
gives them: phone in another format than stored (30%), a name or name prefix (30%: full name,
first name + start of the surname, or first name only), a postcode typed carelessly (20%), name +
postcode (20%); about 1 in 12 is somebody not on file. Each lookup() runs in a fresh session, as
a request would. Reports p50/p95/p99 overall and by kind, plus 100 address-prefix lookups apart
(not in the brief's mix). EXPLAIN (ANALYZE, BUFFERS) of the statements one lookup of each kind
issues goes to bench/results/explain_lookup.txt. The experiment (rolled back) times the people
query of the name lookups alone, ordered by id or by name, with name_key as migrated and in the
"C" collation.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_ORG, StatementCapture, connect, make_app, percentile  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MIX = (("phone", 0.30), ("name", 0.30), ("postcode", 0.20), ("name+postcode", 0.20))


def reformat_phone(rng: random.Random, phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    style = rng.random()
    if style < 0.4:
        return digits
    if style < 0.7:
        return f"{digits[:5]} {digits[5:]}"
    if style < 0.85:
        return f"+44 {digits[1:5]} {digits[5:]}"
    return f"({digits[:5]}) {digits[5:8]}-{digits[8:]}"


def name_criterion(rng: random.Random, name: str) -> str:
    words = [w for w in re.split(r"\s+", name) if w and not w.endswith(".")]
    first, last = words[0], words[-1]
    shape = rng.random()
    if shape < 0.4:
        text = f"{first} {last}"
    elif shape < 0.8:
        text = f"{first} {last[:rng.randint(1, 3)]}"
    else:
        text = first
    return text.lower() if rng.random() < 0.5 else text


def postcode_criterion(rng: random.Random, postcode: str) -> str:
    shape = rng.random()
    if shape < 0.5:
        return postcode
    if shape < 0.8:
        return postcode.lower()
    return postcode.replace(" ", "")


def build_criteria(rng, people, count):
    """(kind, kwargs for lookup) drawn from real people; ~8% are callers not on file."""
    with_phone = [p for p in people if p.phone]
    with_postcode = [p for p in people if p.postcode]
    criteria = []
    for _ in range(count):
        kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        unknown = rng.random() < 0.08
        if kind == "phone":
            phone = (f"07{rng.randint(100, 999)} {rng.randint(0, 999999):06d}" if unknown
                     else reformat_phone(rng, rng.choice(with_phone).phone))
            criteria.append((kind, {"phone": phone}))
        elif kind == "name":
            name = "Xavier Quint" if unknown else rng.choice(people).name
            criteria.append((kind, {"name": name_criterion(rng, name)}))
        elif kind == "postcode":
            postcode = "LN9 9ZZ" if unknown else rng.choice(with_postcode).postcode
            criteria.append((kind, {"postcode": postcode_criterion(rng, postcode)}))
        else:
            person = rng.choice(with_postcode)
            name = "Xavier Quint" if unknown else person.name
            criteria.append((kind, {"name": name_criterion(rng, name),
                                    "postcode": postcode_criterion(rng, person.postcode)}))
    return criteria


def address_criteria(rng, people, count):
    with_address = [p for p in people if p.address]
    out = []
    for _ in range(count):
        address = rng.choice(with_address).address
        number_and_street = address.split(",")[-2 if address.startswith("Flat") else 0].strip()
        words = number_and_street.split()
        out.append(("address", {"address": " ".join(words[:rng.randint(2, len(words))])}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-experiments", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    app = make_app()
    import sqlalchemy as sa

    from sara.extensions import db
    from sara.orgs.models import Organisation
    from sara.people.lookup import lookup
    from sara.people.models import Person

    report: list[str] = []
    explains: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    rng = random.Random(args.seed)
    with connect(autocommit=True) as conn:  # autovacuum is off on this server: do its work
        for table in ("people", "person_vulnerabilities", "flags"):
            conn.execute(f"VACUUM ANALYZE {table}")
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.name == BENCH_ORG))
        if org_id is None:
            sys.exit("no bench organisation: run bench/generate.py first")
        sample_ids = rng.sample(range(1, db.session.scalar(sa.select(sa.func.max(Person.id))) + 1),
                                5000)
        people = db.session.execute(
            sa.select(Person.name, Person.phone, Person.postcode, Person.address)
            .where(Person.id.in_(sample_ids), Person.organisation_id == org_id)).all()
        total_people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        db.session.remove()
        criteria = build_criteria(rng, people, args.lookups)
        extra = address_criteria(rng, people, 100)

        def run(batch, fresh_session=True):
            """[(kind, ms, hits)]; each lookup in a fresh session, as in a request."""
            out = []
            for kind, kwargs in batch:
                start = time.perf_counter()
                hits = lookup(org_id, **kwargs)
                elapsed = (time.perf_counter() - start) * 1000
                out.append((kind, elapsed, len(hits)))
                if fresh_session:
                    db.session.remove()
            return out

        run(criteria[:50])  # warm up the pool and the caches, untimed
        results = run(criteria)
        extra_results = run(extra)

        say(f"# lookup, {date.today()}: {len(criteria)} lookups over {total_people:,} people; "
            f"load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        say()
        say("| criteria | lookups | p50 ms | p95 ms | p99 ms | max ms | median hits |")
        say("|---|---|---|---|---|---|---|")
        by_kind = defaultdict(list)
        for kind, ms, hits in results + extra_results:
            by_kind[kind].append((ms, hits))

        def row(label, rows):
            ms = [r[0] for r in rows]
            hits = sorted(r[1] for r in rows)
            say(f"| {label} | {len(rows)} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | "
                f"{percentile(ms, 99):.1f} | {max(ms):.1f} | {hits[len(hits) // 2]} |")

        row("**all (brief's mix)**", [(ms, h) for _, ms, h in results])
        for kind, _ in MIX:
            row(kind, by_kind[kind])
        row("address prefix (extra, not in the mix)", by_kind["address"])
        p95 = percentile([ms for _, ms, _ in results], 95)
        say()
        say(f"goal p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'} (p95 {p95:.1f} ms)")

        # --- EXPLAIN: which indexes each kind of lookup uses ------------------------------
        say()
        say("Indexes used (EXPLAIN ANALYZE of the people query of one lookup of each kind):")
        examples = {}
        for kind, kwargs in criteria + extra:
            examples.setdefault(kind, kwargs)
        examples["name (first name only)"] = {"name": "zainab"}
        examples["name (full name, rare)"] = {"name": "tomasz wright"}
        for kind, kwargs in examples.items():
            with StatementCapture(db.engine) as cap:
                lookup(org_id, **kwargs)
            db.session.remove()
            used = []
            for n, (statement, parameters, _) in enumerate(cap.statements):
                conn = db.session.connection()
                plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all())
                db.session.remove()
                explains.append(f"## {kind}: {kwargs} (statement {n + 1})\n{statement}\n"
                                f"-- parameters: {parameters}\n\n{plan}\n")
                if n == 0:
                    used = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan "
                                                 r"(?:Backward )?(?:using|on) (\w+)", plan)))
                    if "Seq Scan on people" in plan:
                        used.append("Seq Scan on people")
                    took = re.search(r"Execution Time: ([\d.]+)", plan).group(1)
                    cond = re.findall(r"(Index Cond|Filter): (.*)", plan)
            say(f"- {kind} {kwargs}: {', '.join(used)}; {took} ms; "
                + "; ".join(f"{k}: {v[:90]}" for k, v in cond[:2]))
        say(f"({len(cap.statements)} statements a lookup; all in bench/results/explain_lookup.txt)")

        if not args.no_experiments:
            experiments(say, explains, db, sa, lookup, org_id, criteria, run)

        say()
        say(f"load average at end {os.getloadavg()[0]:.2f}")
    (RESULTS / "explain_lookup.txt").write_text("\n\n".join(explains))
    (RESULTS / "lookup.md").write_text("\n".join(report) + "\n")
    print("\nreport written to bench/results/lookup.md")


PEOPLE_QUERY = ("SELECT * FROM people WHERE organisation_id = :org AND merged_into_id IS NULL "
                "AND name_key LIKE :prefix || '%' ESCAPE '/' {postcode} "
                "ORDER BY {order} LIMIT 25")


def experiments(say, explains, db, sa, lookup, org_id, criteria, run):
    """The people query of the name lookups alone, ordered by id (as lookup() does since
    11d485f) or alphabetically (as before), with the indexes as migrated and with name_key in
    the "C" collation (DDL inside a transaction that is rolled back)."""
    from sara.people import matching

    names = [kwargs for kind, kwargs in criteria if "name" in kwargs]
    say()
    say(f"## Experiment: the people query of the {len(names)} name lookups alone")
    say("| order | name_key column | p50 ms | p95 ms | p99 ms | max ms |")
    say("|---|---|---|---|---|---|")

    def time_queries(order):
        times = []
        for kwargs in names:
            prefix = matching.name_key(kwargs["name"]).replace("/", "//").replace(
                "%", "/%").replace("_", "/_")
            postcode = matching.postcode_key(kwargs.get("postcode", ""))
            sql = PEOPLE_QUERY.format(order=order, postcode="AND postcode_key = :postcode"
                                      if postcode else "")
            start = time.perf_counter()
            db.session.execute(sa.text(sql), {"org": org_id, "prefix": prefix,
                                              "postcode": postcode}).all()
            times.append((time.perf_counter() - start) * 1000)
        return times

    def line(order, column, times):
        say(f"| {order} | {column} | {percentile(times, 50):.1f} | {percentile(times, 95):.1f} | "
            f"{percentile(times, 99):.1f} | {max(times):.1f} |")

    def explain(label, order):
        for prefix in ("zainab", "sarah j"):
            plan = "\n".join(r[0] for r in db.session.execute(sa.text(
                "EXPLAIN ANALYZE " + PEOPLE_QUERY.format(order=order, postcode="")),
                {"org": org_id, "prefix": prefix}).all())
            explains.append(f"## experiment, {label}, ORDER BY {order}: {prefix!r}\n{plan}\n")

    for order in ("id", "name_key, id"):
        line(order, "as migrated", time_queries(order))
        explain("as migrated", order)
    db.session.rollback()
    db.session.execute(sa.text(
        'ALTER TABLE people ALTER COLUMN name_key TYPE varchar(200) COLLATE "C"'))
    db.session.execute(sa.text("ANALYZE people"))
    for order in ("id", "name_key, id"):
        line(order, 'COLLATE "C" (ALTER COLUMN, rolled back)', time_queries(order))
        explain('COLLATE "C"', order)
    db.session.rollback()


if __name__ == "__main__":
    main()
