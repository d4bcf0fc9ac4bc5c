"""Time the repeat-ASB-victim scan against one hand-written SQL statement (hand-run, not a test).

    PYTHONPATH=/work/main DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench \
        .venv/bin/python bench/bench_repeat_victims.py [--runs 7] [--no-experiments]

Needs the data of bench/generate.py. Times, each --runs times (medians reported):

  hand       the hand-written statement (now() as in the brief)
  hand@now   the same with a fixed :now parameter (used to check the sets are equal)
  set        the application's repeat_victim_set() query alone
  (these three round-robin, so that the shared machine's load falls on all three alike)
  scan-1st   sara.flags.scan.scan_repeat_victims() + commit with no live flags (raises them all;
             the repeat_victim flags are deleted and the table VACUUM ANALYZEd, untimed, before
             each run: autovacuum is off on this server)
  scan       the same when the flags are already there (the steady-state nightly upsert)
  next       the scan a day later (now + 1 day), rolled back so that it repeats

and checks that the hand statement, the set query and the live flags give the same person ids
and counts. The EXPLAIN (ANALYZE, BUFFERS) of the hand statement, of the set query and of every
statement the scan issues (captured from the engine as the scan runs) goes to
bench/results/explain_repeat_victims.txt; the report to bench/results/repeat_victims.md.

Experiments (unless --no-experiments): variants of the set query (count(*), DISTINCT first,
work_mem, no parallel workers, a partial covering index that is created and dropped again), the
NOT IN work_mem cliff when the app's resolve step uses NOT IN, and ways to insert the new flags
with every flag live and with the flags table empty; all rolled back, flags restored.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    StatementCapture,
    connect,
    fmt_s,
    make_app,
    median,
)

RESULTS = Path(__file__).resolve().parent / "results"

HAND_SQL = (
    "SELECT person_id, count(DISTINCT incident_id) FROM incident_people "
    "WHERE is_asb AND role IN ('victim','reporter') "
    "AND occurred_dt >= {now} - interval '{window} days' AND occurred_dt <= {now} "
    "GROUP BY person_id HAVING count(DISTINCT incident_id) >= {threshold}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-experiments", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    app = make_app()
    import sqlalchemy as sa

    from sara.core.types import utcnow
    from sara.extensions import db
    from sara.flags.models import Flag
    from sara.flags.rules import current_rule
    from sara.flags.scan import repeat_victim_set, scan_repeat_victims

    report: list[str] = []
    explains: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    with app.app_context():
        if not db.session.scalar(sa.text("SELECT count(*) FROM incident_people")):
            sys.exit("no incident_people rows: run bench/generate.py first")
        now = utcnow()
        version, params = current_rule("repeat_victim", None)
        threshold, window = params["threshold"], params["window_days"]
        hand = HAND_SQL.format(now="now()", window=window, threshold=threshold)
        hand_at = HAND_SQL.format(now="CAST(:now AS timestamp)", window=window,
                                  threshold=threshold)
        naive_now = now.replace(tzinfo=None)
        settings = db.session.execute(sa.text(
            "SELECT current_setting('work_mem'), "
            "current_setting('max_parallel_workers_per_gather'),"
            " current_setting('server_version'), (SELECT count(*) FROM incident_people)")).one()
        db.session.rollback()
        say(f"# repeat-victim scan, {date.today()}, rule v{version} threshold {threshold} "
            f"window {window} days; PostgreSQL {settings[2]}, work_mem {settings[0]}, "
            f"max_parallel_workers_per_gather {settings[1]}, {settings[3]:,} incident_people rows;"
            f" load average at start {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")

        def timed(fn, runs=args.runs, before=None):
            times, out = [], None
            for _ in range(runs):
                if before:
                    before()
                start = time.perf_counter()
                out = fn()
                times.append(time.perf_counter() - start)
            return times, out

        def run_query(sql_or_select, **bind):
            def go():
                stmt = sa.text(sql_or_select) if isinstance(sql_or_select, str) else sql_or_select
                rows = db.session.execute(stmt, bind).all()
                db.session.rollback()
                return rows
            return go

        def reset_flags():
            db.session.execute(sa.delete(Flag).where(Flag.kind == "repeat_victim"))
            db.session.commit()
            with connect(autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE flags")

        last_statements: list = []

        def scan():
            with StatementCapture(db.engine) as cap:
                result = scan_repeat_victims(now=now)
                db.session.commit()
            last_statements[:] = cap.statements
            return result

        def next_night():
            """The scan a day later (some flags resolved, some counts change), rolled back so
            that it can be repeated."""
            result = scan_repeat_victims(now=now + timedelta(days=1))
            db.session.rollback()
            return result

        run_query(hand)()  # warm the cache once, untimed
        # The three read-only queries round-robin, so that a change in the machine's load
        # (it is shared) falls on all three alike.
        t_hand, t_hand_at, t_set = [], [], []
        for _ in range(args.runs):
            for times, query in ((t_hand, run_query(hand)),
                                 (t_hand_at, run_query(hand_at, now=naive_now)),
                                 (t_set, run_query(repeat_victim_set(now, threshold, window)))):
                elapsed, rows = timed(query, runs=1)
                times.extend(elapsed)
                if times is t_hand:
                    rows_hand = rows
                elif times is t_hand_at:
                    rows_hand_at = rows
                else:
                    rows_set = rows
        t_first, first = timed(scan, before=reset_flags)
        first_statements = list(last_statements)
        with connect(autocommit=True) as c:  # as autovacuum would have by the next night
            c.execute("VACUUM ANALYZE flags")
        t_steady, steady = timed(scan)
        steady_statements = list(last_statements)
        t_next, nxt = timed(next_night)

        # --- the sets agree -----------------------------------------------------------------
        ids_hand = {r[0] for r in rows_hand}
        ids_hand_at = {r[0]: r[1] for r in rows_hand_at}
        ids_set = {r[0]: r[1] for r in rows_set}
        live = dict(db.session.execute(
            sa.select(Flag.person_id, Flag.evidence).where(
                Flag.kind == "repeat_victim", Flag.resolved_dt.is_(None))).all())
        db.session.rollback()
        say()
        say(f"hand statement (now()): {len(ids_hand):,} people; hand @ fixed now: "
            f"{len(ids_hand_at):,}; repeat_victim_set(): {len(ids_set):,}; live flags after the "
            f"scan: {len(live):,}")
        same = (ids_hand_at == ids_set and set(live) == set(ids_set)
                # Each flag's evidence counts them and lists every incident it counted.
                and all(live[p]["count"] == n == len(live[p]["incidents"])
                        for p, n in ids_set.items()))
        say(f"same person ids and counts (hand @ now = set query = live flags): {same}")
        if ids_hand != set(ids_hand_at):
            say(f"  (now() vs fixed now differ by {len(ids_hand ^ set(ids_hand_at))} people: "
                "the window moved between the runs)")
        say(f"first scan raised {len(first.raised):,}, resolved {first.resolved}; steady-state "
            f"scan raised {len(steady.raised)}, resolved {steady.resolved}; next-night scan "
            f"raised {len(nxt.raised)}, resolved {nxt.resolved}")

        say()
        say("| what | median | min | max | ratio to hand | ratio to hand @ fixed now |")
        say("|---|---|---|---|---|---|")
        base = median(t_hand)
        base_at = median(t_hand_at)
        for label, times in (("hand-written statement", t_hand),
                             ("hand-written, fixed :now", t_hand_at),
                             ("app repeat_victim_set() query alone", t_set),
                             ("app scan, first run (raises all) + commit", t_first),
                             ("app scan, steady state + commit", t_steady),
                             ("app scan, next night (now + 1 day), no commit", t_next)):
            say(f"| {label} | {fmt_s(median(times))} | {fmt_s(min(times))} | "
                f"{fmt_s(max(times))} | {median(times) / base:.2f}x | "
                f"{median(times) / base_at:.2f}x |")

        say()
        say("Where the steady-state scan's time goes (one run, per statement):")
        for statement, _params, seconds in steady_statements:
            say(f"  {seconds * 1000:8.0f} ms  {' '.join(statement.split())[:110]}")
        say("Where the first scan's time goes:")
        for statement, _params, seconds in first_statements:
            say(f"  {seconds * 1000:8.0f} ms  {' '.join(statement.split())[:110]}")

        # --- EXPLAIN ANALYZE ------------------------------------------------------------------
        def explain_all(title, statements):
            """Run EXPLAIN (ANALYZE, BUFFERS) of the statements in order, in one savepoint
            rolled back at the end (so each sees the effects of the ones before, as in the
            scan, and nothing is left behind)."""
            conn = db.session.connection()
            with conn.begin_nested() as savepoint:
                for statement, parameters, _ in statements:
                    if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE",
                                                                  "DELETE", "WITH")):
                        # DDL such as a temporary table the scan works in: run it as it is
                        conn.exec_driver_sql(statement, parameters or {})
                        continue
                    plan = conn.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters or {}).all()
                    explains.append(f"## {title}\n{statement}\n-- parameters: {parameters}\n\n"
                                    + "\n".join(r[0] for r in plan) + "\n")
                savepoint.rollback()
            db.session.rollback()

        explain_all("hand-written statement", [(hand, None, 0)])
        with StatementCapture(db.engine) as cap:
            db.session.execute(repeat_victim_set(now, threshold, window)).all()
        explain_all("app: repeat_victim_set() alone", cap.statements)
        db.session.rollback()
        explain_all("app: scan_repeat_victims(), steady state", steady_statements)
        db.session.rollback()
        reset_flags()
        explain_all("app: scan_repeat_victims(), first run (no live flags)", first_statements)
        db.session.rollback()
        scan()  # leave the flags raised for bench_lookup.py
        with connect(autocommit=True) as c:
            c.execute("VACUUM ANALYZE flags")
        say()
        say("EXPLAIN (ANALYZE, BUFFERS) of every statement: bench/results/"
            "explain_repeat_victims.txt")

        if not args.no_experiments:
            experiments(say, explains, db, sa, now, naive_now, threshold, window, version,
                        args.runs, base, steady_statements)

    say(f"load average at end {os.getloadavg()[0]:.2f}")
    (RESULTS / "explain_repeat_victims.txt").write_text("\n\n".join(explains))
    (RESULTS / "repeat_victims.md").write_text("\n".join(report) + "\n")
    print("\nreport written to bench/results/repeat_victims.md")


# --- experiments: where does the time go, and what would fix it -------------------------------

def not_in_experiment(say, db, sa, resolve, resolve_params):
    """NOT IN (subquery) is only fast while the subquery's hash table fits in work_mem; below
    that the plan becomes a plain SubPlan, re-read for every live flag (quadratic)."""

    def hashed_at(kb: int) -> bool:
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{kb}kB'"))
        plan = "\n".join(r[0] for r in db.session.connection().exec_driver_sql(
            "EXPLAIN " + resolve, resolve_params).all())
        db.session.rollback()
        return "hashed SubPlan" in plan

    lo, hi = 64, 4096
    if hashed_at(lo):
        say("NOT IN stays hashed down to work_mem 64kB")
    else:
        while hi - lo > 16:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if hashed_at(mid) else (mid, hi)
        live = db.session.scalar(sa.text(
            "SELECT count(*) FROM flags WHERE kind = 'repeat_victim' AND resolved_dt IS NULL"))
        db.session.rollback()
        say()
        say(f"The resolve step's NOT IN (subquery) is planned as a hashed SubPlan only while "
            f"work_mem >= ~{hi} kB for {live:,} repeat victims; with the default 4 MB it turns "
            f"into a plain (per-row, quadratic) SubPlan at about {int(live * 4096 / hi):,} "
            "repeat victims.")
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{lo}kB'"))
        db.session.execute(sa.text("SET LOCAL statement_timeout = '60s'"))
        start = time.perf_counter()
        try:
            with db.session.connection().begin_nested() as savepoint:
                db.session.connection().exec_driver_sql(resolve, resolve_params)
                savepoint.rollback()
            outcome = f"took {time.perf_counter() - start:.1f} s"
        except sa.exc.OperationalError:
            outcome = "was cancelled by statement_timeout after 60 s"
        db.session.rollback()
        say(f"  Run at work_mem {lo} kB (the same as ~{int(live * 4096 / lo):,} repeat victims at "
            f"4 MB), the app's resolve statement {outcome} (it takes well under 1 s hashed).")


def experiments(say, explains, db, sa, now, naive_now, threshold, window, version, runs, base,
                steady_statements):
    say()
    say("## Experiments (same data; all writes rolled back)")

    where = ("is_asb AND role IN ('victim','reporter') "
             "AND occurred_dt >= CAST(:now AS timestamp) - make_interval(days => :window) "
             "AND occurred_dt <= CAST(:now AS timestamp)")
    variants = {
        "count(DISTINCT incident_id) [as the app]":
            f"SELECT person_id, count(DISTINCT incident_id) FROM incident_people WHERE {where} "
            "GROUP BY person_id HAVING count(DISTINCT incident_id) >= :threshold",
        "count(*) (wrong if one person is both victim and reporter of one incident)":
            f"SELECT person_id, count(*) FROM incident_people WHERE {where} "
            "GROUP BY person_id HAVING count(*) >= :threshold",
        "DISTINCT (person_id, incident_id) first, then count(*) (same result, hashable)":
            f"SELECT person_id, count(*) FROM (SELECT DISTINCT person_id, incident_id "
            f"FROM incident_people WHERE {where}) d GROUP BY person_id "
            "HAVING count(*) >= :threshold",
    }
    bind = {"now": naive_now, "window": window, "threshold": threshold}

    def time_sql(sql, settings=(), bind=bind, n=runs):
        times, rows = [], None
        for _ in range(n):
            for setting in settings:
                db.session.execute(sa.text(setting))
            start = time.perf_counter()
            rows = db.session.execute(sa.text(sql), bind).all()
            times.append(time.perf_counter() - start)
            db.session.rollback()
        return median(times), rows

    reference = None
    say("| variant of the set query | work_mem 4MB (default) | work_mem 64MB | "
        "no parallel workers | same set |")
    say("|---|---|---|---|---|")
    for label, sql in variants.items():
        t_default, rows = time_sql(sql)
        t_mem, _ = time_sql(sql, ["SET LOCAL work_mem = '64MB'"])
        t_serial, _ = time_sql(sql, ["SET LOCAL max_parallel_workers_per_gather = 0"])
        found = {r[0]: r[1] for r in rows}
        reference = reference or found
        say(f"| {label} | {fmt_s(t_default)} | {fmt_s(t_mem)} | {fmt_s(t_serial)} | "
            f"{found == reference} |")

    # A partial covering index in scan order: an index-only scan, already grouped by person.
    index = ("CREATE INDEX bench_ix_incident_people_asb_victim ON incident_people "
             "(person_id, occurred_dt) INCLUDE (incident_id) "
             "WHERE is_asb AND role IN ('victim', 'reporter')")
    with connect(autocommit=True) as conn:
        start = time.perf_counter()
        conn.execute(index)
        built = time.perf_counter() - start
        size = conn.execute("SELECT pg_size_pretty(pg_relation_size("
                            "'bench_ix_incident_people_asb_victim'))").fetchone()[0]
        conn.execute("VACUUM ANALYZE incident_people")
    try:
        sql = variants["count(DISTINCT incident_id) [as the app]"]
        t_idx, rows = time_sql(sql)
        t_idx_mem, _ = time_sql(sql, ["SET LOCAL work_mem = '64MB'"])
        found = {r[0]: r[1] for r in rows}
        plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql), bind).all()
        db.session.rollback()
        explains.append("## experiment: the set query with a partial covering index\n" + index
                        + "\n\n" + "\n".join(r[0] for r in plan))
        say(f"| count(DISTINCT) with a partial covering index ({size}, {built:.1f} s to build) | "
            f"{fmt_s(t_idx)} | {fmt_s(t_idx_mem)} | | {found == reference} |")
    finally:
        with connect(autocommit=True) as conn:
            conn.execute("DROP INDEX IF EXISTS bench_ix_incident_people_asb_victim")

    resolves = [(st, params) for st, params, _ in steady_statements
                if st.lstrip().startswith("UPDATE flags SET status")]
    if not resolves or " NOT IN " not in resolves[-1][0]:
        say()
        say("The app's resolve statement does not use NOT IN (subquery): the work_mem "
            "experiment is skipped.")
    else:
        not_in_experiment(say, db, sa, *resolves[-1])

    insert_experiment(say, explains, naive_now, threshold, window, version, min(runs, 3))


# --- the insert step: anti-join against the table being inserted into ------------------------

STAGE = """CREATE TEMP TABLE bench_found ON COMMIT DROP AS
SELECT 'person:' || person_id AS subject_key, NULL::int AS case_id, person_id,
       json_build_object('incidents', count(DISTINCT incident_id),
                         'threshold', %(threshold)s::int, 'window_days', %(window)s::int)
         AS evidence,
       false AS live
FROM incident_people
WHERE is_asb AND role IN ('victim', 'reporter')
  AND occurred_dt >= %(now)s::timestamp - make_interval(days => %(window)s)
  AND occurred_dt <= %(now)s::timestamp
GROUP BY person_id HAVING count(DISTINCT incident_id) >= %(threshold)s"""
LIVE = "flags.kind = 'repeat_victim' AND flags.resolved_dt IS NULL"
INSERT = ("INSERT INTO flags (kind, subject_key, case_id, person_id, status, evidence, "
          "rule_version, raised_dt) SELECT 'repeat_victim', f.subject_key, f.case_id, "
          "f.person_id, 'raised', f.evidence, %(version)s, %(now)s::timestamp "
          "FROM {source} f {where} "
          "ON CONFLICT (kind, subject_key) WHERE resolved_dt IS NULL DO NOTHING RETURNING id")
NOT_LIVE = (f"WHERE NOT EXISTS (SELECT 1 FROM flags WHERE {LIVE} "
            "AND flags.subject_key = f.subject_key)")
INSERT_VARIANTS = {
    "NOT EXISTS anti-join in the INSERT (as the app since 75968c8)": [
        INSERT.format(source="bench_found", where=NOT_LIVE)],
    "ON CONFLICT DO NOTHING alone (as before 75968c8)": [
        INSERT.format(source="bench_found", where="")],
    "mark subjects with a live flag in the temp table (UPDATE), then insert the rest": [
        f"UPDATE bench_found f SET live = true FROM flags WHERE {LIVE} "
        "AND flags.subject_key = f.subject_key",
        INSERT.format(source="bench_found", where="WHERE NOT f.live")],
    "select the new subjects into a second temp table, then insert those": [
        f"CREATE TEMP TABLE bench_new ON COMMIT DROP AS SELECT * FROM bench_found f {NOT_LIVE}",
        INSERT.format(source="bench_new", where="")],
}


def insert_experiment(say, explains, naive_now, threshold, window, version, runs):
    """Time ways to insert the new flags, (1) with every flag already live (the nightly
    steady state) and (2) with the flags table empty and just VACUUM ANALYZEd (a first scan
    after a big import, or after a rule change that raises many flags at once). Each run is in
    a transaction rolled back; the flags are restored afterwards."""
    bind = {"now": naive_now, "threshold": threshold, "window": window, "version": version}

    def measure(label, vacuum_each: bool):
        """Each run rolled back; with vacuum_each, flags is VACUUMed before every run, so that
        it is physically empty (0 pages) again, as the rolled-back inserts leave pages behind."""
        with connect() as conn:
            for name, statements in INSERT_VARIANTS.items():
                times = []
                for n in range(runs + 1):  # the last run is the EXPLAIN ANALYZE, untimed
                    if vacuum_each:
                        with connect(autocommit=True) as other:
                            other.execute("VACUUM ANALYZE flags")
                    conn.execute(STAGE, bind)
                    conn.execute("CREATE INDEX ON bench_found (subject_key)")
                    conn.execute("ANALYZE bench_found")
                    start = time.perf_counter()
                    for statement in statements:
                        if n == runs and statement.startswith("INSERT"):
                            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                bind).fetchall()
                            explains.append(f"## insert experiment, {label}: {name}\n{statement}"
                                            "\n\n" + "\n".join(r[0] for r in plan))
                        else:
                            conn.execute(statement, bind)
                    if n < runs:
                        times.append(time.perf_counter() - start)
                    conn.rollback()
                say(f"| {label} | {name} | {fmt_s(median(times))} |")

    say()
    say("Inserting the new flags (the set staged in a temp table first, untimed; rolled back):")
    say("| flags table | insert statement(s) | median |")
    say("|---|---|---|")
    with connect(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE flags")
    measure("all flags live, statistics current", vacuum_each=False)
    with connect(autocommit=True) as conn:
        saved = conn.execute("SELECT count(*) FROM flags WHERE kind = 'repeat_victim'"
                             ).fetchone()[0]
        conn.execute("CREATE TABLE bench_saved_flags AS SELECT * FROM flags")
        conn.execute("DELETE FROM flags")
        conn.execute("VACUUM ANALYZE flags")
    try:
        measure("empty (0 pages), just VACUUM ANALYZEd", vacuum_each=True)
    finally:
        with connect(autocommit=True) as conn:
            conn.execute("INSERT INTO flags SELECT * FROM bench_saved_flags")
            conn.execute("DROP TABLE bench_saved_flags")
            conn.execute("VACUUM ANALYZE flags")
            restored = conn.execute("SELECT count(*) FROM flags WHERE kind = 'repeat_victim'"
                                    ).fetchone()[0]
    assert restored == saved, (restored, saved)


if __name__ == "__main__":
    main()
