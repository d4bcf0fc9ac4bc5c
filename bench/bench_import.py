"""Time the police.uk CSV import through the application's importer (hand-run, not a test).

    PYTHONPATH=/work/main DATABASE_URL=postgresql://127.0.0.1:5432/sara_bench \
        .venv/bin/python bench/bench_import.py [--reset] [--cli] [DIR]

Imports every *.csv in DIR (default /work/shared/data/police-uk/lincolnshire: 61 files, ~320k
rows) for the police organisation "Lincolnshire Police (bench)", one transaction (commit) per
file, exactly as `flask --app wsgi sara import-incidents PATH... --format police-uk --org NAME`
does: in-process through sara.incidents.service.import_incidents by default, or by running that
CLI command itself with --cli. Then checks the incidents count against the files, counted
independently (a Crime ID is one incident; a row without one, ASB for instance, is one incident
each), and imports everything again: the re-import must add 0 rows; it is timed too.

Refuses when incidents from police.uk are already there, unless --reset, which deletes them
first. Runs in the bench database next to the 1,000,000 generated incidents, if present.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import connect, flask_cli, make_app  # noqa: E402

DEFAULT_DIR = Path("/work/shared/data/police-uk/lincolnshire")
ORG = "Lincolnshire Police (bench)"
RESULTS = Path(__file__).resolve().parent / "results"


def expected_incidents(paths) -> tuple[int, int, int]:
    """(data rows, distinct Crime IDs, rows without a Crime ID), read with the csv module alone."""
    rows, without, ids = 0, 0, set()
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader)]
            crime_id = header.index("Crime ID")
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                rows += 1
                if values[crime_id].strip():
                    ids.add(values[crime_id].strip())
                else:
                    without += 1
    return rows, len(ids), without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--reset", action="store_true",
                        help="delete the police.uk incidents already imported first")
    parser.add_argument("--cli", action="store_true",
                        help="run `flask --app wsgi sara import-incidents` instead of in-process")
    parser.add_argument("--experiment-files", type=int, default=8,
                        help="files to import again with the current and an array-based batch "
                             "insert, rolled back (0: skip)")
    parser.add_argument("--experiment-only", action="store_true",
                        help="skip the import and re-import (the data must be there)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    paths = sorted(args.directory.glob("*.csv"))
    if not paths:
        sys.exit(f"no CSV files in {args.directory}")

    app = make_app()
    import sqlalchemy as sa

    from sara.extensions import db
    from sara.incidents import service as incident_service
    from sara.incidents.models import Incident
    from sara.orgs.models import Organisation

    report: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORG))
        if org is None:
            flask_cli("sara", "create-org", ORG, "--kind", "police")
            org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORG))

        def imported_count() -> int:
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Incident).where(
                Incident.source == "police_uk", Incident.organisation_id == org.id))
            db.session.rollback()
            return count

        already = imported_count()
        if args.experiment_only:
            if not already:
                sys.exit("--experiment-only needs the files imported: run without it first")
            with connect(autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE incidents")
            say(f"# police.uk import experiment only, {date.today()}; load average "
                f"{os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
            experiment(say, db, sa, importer_module(), org, paths, args.experiment_files or 8)
            say(f"load average at end {os.getloadavg()[0]:.2f}")
            (RESULTS / "import_experiment.md").write_text("\n".join(report) + "\n")
            return
        if already and not args.reset:
            sys.exit(f"{already:,} police.uk incidents are already there: run with --reset to "
                     "delete them and import again")
        if already:
            db.session.execute(sa.delete(Incident).where(Incident.source == "police_uk"))
            db.session.commit()
            print(f"--reset: deleted {already:,} police.uk incidents")
        with connect(autocommit=True) as conn:  # autovacuum is off on this server
            conn.execute("VACUUM ANALYZE incidents")
        others = db.session.scalar(sa.select(sa.func.count()).select_from(Incident))
        db.session.rollback()

        rows, crime_ids, without_id = expected_incidents(paths)
        size = sum(p.stat().st_size for p in paths) / 1e6
        say(f"# police.uk import, {date.today()}: {len(paths)} files, {size:.0f} MB, "
            f"{rows:,} rows ({crime_ids:,} distinct Crime IDs + {without_id:,} rows without "
            f"one = {crime_ids + without_id:,} incidents expected), into a table already holding "
            f"{others:,} incidents; {'CLI' if args.cli else 'in-process importer'}, one commit "
            f"per file; load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")

        def import_all():
            totals = {"imported": 0, "duplicates": 0, "invalid": 0}
            slowest = (0.0, "")
            start = time.perf_counter()
            if args.cli:
                out = flask_cli("sara", "import-incidents", *map(str, paths), "--format",
                                "police-uk", "--org", ORG)
                for line in out.stdout.splitlines():
                    # "<path>: N imported, M already there, K invalid"
                    parts = line.rsplit(": ", 1)[-1].replace(",", "").split()
                    totals["imported"] += int(parts[0])
                    totals["duplicates"] += int(parts[2])
                    totals["invalid"] += int(parts[5])
            else:
                for path in paths:
                    file_start = time.perf_counter()
                    result = incident_service.import_incidents(path, "police-uk", org)
                    db.session.commit()
                    took = time.perf_counter() - file_start
                    slowest = max(slowest, (took, path.name))
                    totals["imported"] += result.imported
                    totals["duplicates"] += result.duplicates
                    totals["invalid"] += result.invalid
            return time.perf_counter() - start, totals, slowest

        first_time, first, slowest = import_all()
        count = imported_count()
        second_time, second, _ = import_all()
        count_after = imported_count()

        say()
        say("| run | time | rows/s | imported | already there | invalid | incidents after |")
        say("|---|---|---|---|---|---|---|")
        say(f"| first import | {first_time:.1f} s | {rows / first_time:,.0f} | "
            f"{first['imported']:,} | {first['duplicates']:,} | {first['invalid']:,} | "
            f"{count:,} |")
        say(f"| re-import | {second_time:.1f} s | {rows / second_time:,.0f} | "
            f"{second['imported']:,} | {second['duplicates']:,} | {second['invalid']:,} | "
            f"{count_after:,} |")
        say()
        if slowest[1]:
            say(f"slowest file: {slowest[1]} in {slowest[0]:.1f} s")
        say(f"incidents count matches the files: {count == crime_ids + without_id} "
            f"({count:,} in the table, {crime_ids + without_id:,} expected); "
            f"re-import added {count_after - count} rows")
        if rows != crime_ids + without_id:
            say(f"note: {rows - crime_ids - without_id} rows share a Crime ID with an earlier row "
                "(police.uk data: sometimes a different crime type or place under the same ID); "
                "the importer keeps the first and counts the others as 'already there'")
        if args.experiment_files and not args.cli:
            experiment(say, db, sa, importer_module(), org, paths, args.experiment_files)
        say(f"load average at end {os.getloadavg()[0]:.2f}")
    (RESULTS / ("import_cli.md" if args.cli else "import.md")).write_text("\n".join(report) + "\n")


# --- experiment: where the import's time goes -------------------------------------------------

def importer_module():
    from sara.incidents import importer

    return importer


#: incidents columns an import row carries, and their PostgreSQL array types
ARRAY_COLUMNS = (("source", "text"), ("source_key", "text"), ("organisation_id", "int"),
                 ("occurred_dt", "timestamp"), ("occurred_precision", "text"),
                 ("category", "text"), ("is_asb", "bool"), ("location_text", "text"),
                 ("postcode", "text"), ("latitude", "float8"), ("longitude", "float8"),
                 ("lsoa_code", "text"), ("lsoa_name", "text"), ("outcome", "text"),
                 ("description", "text"), ("import_id", "int"))


def array_insert_batch(importer, db):
    """A drop-in for importer._insert_batch on PostgreSQL: the batch goes as one array per
    column through unnest(), so the statement text is ~1 kB whatever the batch size (the
    current insertmanyvalues statement is 1,000 x 19 named placeholders, which psycopg has to
    re-parse for every batch)."""
    from datetime import UTC

    from sara.core.types import utcnow

    names = ", ".join(c for c, _ in ARRAY_COLUMNS)
    arrays = ", ".join(f"%s::{t}[]" for _, t in ARRAY_COLUMNS)
    statement = (f"INSERT INTO incidents ({names}, created_dt) "
                 f"SELECT u.*, %s FROM unnest({arrays}) AS u({names}) "
                 "ON CONFLICT (source, source_key) DO NOTHING RETURNING id, source_key")

    def insert_batch(batch, import_id, result):
        columns = [[] for _ in ARRAY_COLUMNS]
        for row in batch:
            for values, (name, _) in zip(columns, ARRAY_COLUMNS, strict=True):
                value = import_id if name == "import_id" else row[name]
                if name == "occurred_dt":
                    value = value.astimezone(UTC).replace(tzinfo=None)
                values.append(value)
        created = utcnow().replace(tzinfo=None)
        inserted = {key: id_ for id_, key in db.session.connection().exec_driver_sql(
            statement, (created, *columns)).all()}
        result.imported += len(inserted)
        result.duplicates += len(batch) - len(inserted)
        callers = [(inserted[r["source_key"]], r) for r in batch
                   if r.get("_caller") and r["source_key"] in inserted]
        if callers:
            importer._link_callers(callers, result)

    return insert_batch


def experiment(say, db, sa, importer, org, paths, count):
    """Import `count` files again, each into a transaction that first deletes that file's
    incidents and is then rolled back: once with the importer as it is, once with the batch
    insert swapped for array_insert_batch. Also times the two validation passes alone."""
    import cProfile
    import pstats

    chosen = paths[-count:]
    months = [p.name[:7] for p in chosen]

    def run(label, profile=False):
        total, rows, imported = 0.0, 0, 0
        profiler = cProfile.Profile() if profile else None
        for path, month in zip(chosen, months, strict=True):
            db.session.execute(sa.text(
                "DELETE FROM incidents WHERE source = 'police_uk' AND occurred_dt = :month"),
                {"month": f"{month}-01"})
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            result = importer.import_file(path, "police-uk", org.id)
            if profiler:
                profiler.disable()
            total += time.perf_counter() - start
            rows += result.rows
            imported += result.imported
            db.session.rollback()
        if not profile:
            say(f"| {label} | {total:.1f} s | {rows / total:,.0f} | {imported:,} |")
        return profiler

    say()
    say(f"## Experiment: the last {count} files again ({months[0]}..{months[-1]}), each in a "
        "transaction rolled back (no commit)")
    say("| batch insert | time | rows/s | imported |")
    say("|---|---|---|---|")
    run("as the application does it (SQLAlchemy insertmanyvalues)")
    original = importer._insert_batch
    importer._insert_batch = array_insert_batch(importer, db)
    try:
        run("one array per column through unnest() (prototype)")
    finally:
        importer._insert_batch = original
    start = time.perf_counter()
    for path in chosen:
        for _ in importer._validated(path, "police-uk", org.id, importer.ImportResult()):
            pass
    say(f"(one validation pass over these files alone: {time.perf_counter() - start:.1f} s; "
        "import_file makes two)")
    profiler = run("profiled, not reported", profile=True)
    stats = pstats.Stats(profiler)
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:6]
    total = sum(v[2] for v in stats.stats.values())
    say()
    say("Largest own-time functions in the current import (a separate cProfile run):")
    for (filename, line, name), (_, _, own, cumulative, _) in top:
        say(f"  {own:6.2f} s own ({own / total:.0%}), {cumulative:6.2f} s cumulative  "
            f"{Path(filename).parent.name}/{Path(filename).name}:{line} {name}")


if __name__ == "__main__":
    main()
