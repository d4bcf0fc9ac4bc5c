"""Importing incidents from CSV: data.police.uk street-level files and command-and-control exports.

A file imports in one transaction, or not at all: every row is validated first (a report gives the
line, the column and the reason for each bad row), and only then are the rows inserted, in batches,
with INSERT ... ON CONFLICT DO NOTHING on (force, source, source_key), so importing the same file
again adds nothing, and another force's file with the same references adds its own. With
skip_invalid the good rows are imported and the bad ones still reported. New incidents that may
be another report of the same episode are proposed as "same incident as" links.

A CAD file may add a `caller_type` column (public, professional; empty is public): a
professional caller is linked to their profile but never counted as a victim. It may add
`reported_at` (when the complaint was made; empty is when it happened) and `reported_to` (the
name of the organisation it was made to; empty is the importing force): the ASB case review
counts complaints made to any body within a month of the behaviour. It may add `is_hate` (yes or
no; empty is no): a hate incident or crime, which meets the case review threshold on its own where
the area has turned that variant on.

data.police.uk publishes a crime again, under its Crime ID, when it is reclassified: the row from
the latest month gives the crime's type and outcome (and the import counts it as reclassified);
the earliest month stays when it happened.

LF and CRLF line endings are both accepted (the csv module reads both when the file is opened with
newline="").
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from sara.core.references import person_reference
from sara.core.sql import upsert_insert
from sara.core.types import local_zone
from sara.extensions import db
from sara.flags.rules import reported_in_time
from sara.incidents import episodes
from sara.incidents.models import Incident, IncidentImport, IncidentPerson, police_uk_number
from sara.orgs.models import Organisation
from sara.people import matching
from sara.people.models import Person

POLICE_UK_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                     "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                     "Context"]
CAD_COLUMNS = ["incident_ref", "occurred_at", "category", "is_asb", "location", "postcode",
               "latitude", "longitude", "caller_name", "caller_phone", "caller_address",
               "caller_dob", "description"]
#: How a CAD file's optional caller_type column may say who the caller was
#: (sara.incidents.models.CALLER_TYPES); without the column every caller is a member of the public
_CALLER_TYPES = {"": "public", "public": "public", "member of the public": "public",
                 "professional": "professional"}
ASB_CATEGORY = "Anti-social behaviour"
BATCH = 1000  # 1,000 rows x 23 columns stays under SQLite's 32,766 bound variables
MAX_ERRORS_KEPT = 1000


@dataclass
class RowError:
    line: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    #: Crimes already there whose type a later publication changed
    reclassified: int = 0
    #: Callers stored as a new profile that may be someone already held, for a person to decide
    possible_duplicates: int = 0
    #: Proposed "same incident as" links (sara.incidents.episodes), for a person to decide
    possible_same_incidents: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    aborted: bool = False
    new_person_ids: set[int] = field(default_factory=set)
    touched_person_ids: set[int] = field(default_factory=set)


class ImportRefused(Exception):
    """The file has bad rows and skip_invalid was not asked for: nothing was imported."""

    def __init__(self, result: ImportResult):
        super().__init__(f"{result.invalid} invalid rows")
        self.result = result


# --- reading -----------------------------------------------------------------------------------

def _open(path: str | Path) -> io.TextIOBase:
    # newline="" lets the csv module accept LF and CRLF alike; utf-8-sig drops a BOM.
    return open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by the caller


def _rows(source, expected: list[str]) -> Iterator[tuple[int, dict | None, RowError | None]]:
    """(line number, row, error) for each data row; a missing column is reported once."""
    handle = _open(source)
    try:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            yield 1, None, RowError(1, "(header)", "the file is empty")
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield 1, None, RowError(1, "(header)", f"not a readable CSV file: {exc}")
            return
        missing = [c for c in expected if c not in header]
        if missing:
            yield 1, None, RowError(1, ", ".join(missing), "missing from the header row")
            return
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                yield line, None, RowError(line, "(row)", f"cannot be read: {exc}")
                return
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield line, None, RowError(
                    line, "(row)", f"has {len(values)} values where the header has {len(header)}")
                continue
            yield line, dict(zip(header, values, strict=True)), None
    finally:
        handle.close()


def count_rows(source) -> int:
    """The data rows, for a progress bar; 0 for a file that is not readable CSV (the import
    then says why)."""
    with _open(source) as handle:
        try:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
        except (UnicodeDecodeError, csv.Error):
            return 0


# --- validating --------------------------------------------------------------------------------

class _Invalid(Exception):
    def __init__(self, column: str, reason: str):
        self.column, self.reason = column, reason


def _text(row: dict, column: str, limit: int, required: bool = False) -> str:
    value = (row.get(column) or "").strip()
    if "\x00" in value:
        raise _Invalid(column, "contains a NUL character")
    if required and not value:
        raise _Invalid(column, "is empty")
    if len(value) > limit:
        raise _Invalid(column, f"is longer than {limit} characters")
    return value


def _coordinates(row: dict, lat_col: str, lon_col: str) -> tuple[float | None, float | None]:
    lat_raw, lon_raw = (row.get(lat_col) or "").strip(), (row.get(lon_col) or "").strip()
    if not lat_raw and not lon_raw:
        return None, None
    if not lat_raw or not lon_raw:
        raise _Invalid(lat_col if not lat_raw else lon_col, "is empty while the other is given")
    try:
        lat, lon = float(lat_raw), float(lon_raw)
    except ValueError as exc:
        raise _Invalid(lat_col, f"{lat_raw!r} / {lon_raw!r} are not numbers") from exc
    if not -90 <= lat <= 90:
        raise _Invalid(lat_col, f"{lat} is not a latitude")
    if not -180 <= lon <= 180:
        raise _Invalid(lon_col, f"{lon} is not a longitude")
    return lat, lon


def _police_uk(line: int, row: dict, organisation_id: int, bodies: dict[str, int]) -> dict:
    month = _text(row, "Month", 7, required=True)
    try:
        occurred = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise _Invalid("Month", f"{month!r} is not a month like 2015-06") from exc
    category = _text(row, "Crime type", 80, required=True)
    lat, lon = _coordinates(row, "Latitude", "Longitude")
    crime_id = _text(row, "Crime ID", 80)
    # ASB rows (and every 2010-12..2011-11 row) have no Crime ID: the row's own content and its
    # line in the file are stable, so a re-import produces the same key.
    key = crime_id or "row:" + hashlib.sha256(
        f"{line}|{'|'.join(row[c] for c in POLICE_UK_COLUMNS)}".encode()).hexdigest()[:40]
    return {
        "source": "police_uk", "source_key": key, "organisation_id": organisation_id,
        "occurred_dt": occurred, "occurred_precision": "month", "category": category,
        "is_asb": category == ASB_CATEGORY,
        "location_text": _text(row, "Location", 300), "postcode": None,
        "latitude": lat, "longitude": lon,
        "lsoa_code": _text(row, "LSOA code", 12) or None,
        "lsoa_name": _text(row, "LSOA name", 100) or None,
        "outcome": _text(row, "Last outcome category", 120) or None,
        "description": _text(row, "Context", 2000),
        # data.police.uk publishes crimes recorded by the force, in the month they happened.
        "reported_dt": occurred, "reported_to_id": organisation_id, "is_reported_in_time": True,
    }


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def _cad_datetime(value: str, column: str = "occurred_at") -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        # Command-and-control times are local (UK) times.
        return parsed.replace(tzinfo=local_zone()).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Invalid(column, f"{value!r} is not a date and time like "
                               "2026-03-14 21:30") from exc
    if parsed.tzinfo is None:
        raise _Invalid(column, f"{value!r} is not a date and time like 2026-03-14 21:30")
    return parsed.astimezone(UTC)


def _cad_date(value: str) -> date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            born = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not date(1900, 1, 1) <= born <= date.today():
            raise _Invalid("caller_dob", f"{value} is not a plausible date of birth")
        return born
    raise _Invalid("caller_dob", f"{value!r} is not a date like 1987-03-27")


def _cad(line: int, row: dict, organisation_id: int, bodies: dict[str, int]) -> dict:
    ref = _text(row, "incident_ref", 80, required=True)
    if police_uk_number(ref) is not None:
        # Would read as another incident's reference (data.police.uk rows are shown so).
        raise _Invalid("incident_ref", f"{ref!r} has the form of a data.police.uk reference "
                                       "(PUK- and a number)")
    occurred = _cad_datetime(_text(row, "occurred_at", 40, required=True))
    is_asb_raw = _text(row, "is_asb", 10).lower()
    if is_asb_raw not in _TRUE | _FALSE:
        raise _Invalid("is_asb", f"{is_asb_raw!r} is not yes or no")
    is_hate_raw = _text(row, "is_hate", 10).lower()
    if is_hate_raw not in _TRUE | _FALSE:
        raise _Invalid("is_hate", f"{is_hate_raw!r} is not yes or no")
    lat, lon = _coordinates(row, "latitude", "longitude")
    caller_type = _text(row, "caller_type", 40).lower()
    if caller_type not in _CALLER_TYPES:
        raise _Invalid("caller_type", f"{caller_type!r} is not public or professional")
    caller = {
        "name": _text(row, "caller_name", 200),
        "phone": _text(row, "caller_phone", 40),
        "address": _text(row, "caller_address", 300),
        "date_of_birth": _cad_date(_text(row, "caller_dob", 20)),
    }
    postcode = _text(row, "postcode", 10)
    reported_raw = _text(row, "reported_at", 40)
    reported = _cad_datetime(reported_raw, "reported_at") if reported_raw else occurred
    if reported < occurred:
        raise _Invalid("reported_at", f"{reported_raw!r} is before the incident happened")
    body = _text(row, "reported_to", 200)
    if body and body.casefold() not in bodies:
        raise _Invalid("reported_to", f"{body!r} is not the name of an organisation in SARA")
    return {
        "reported_dt": reported,
        "reported_to_id": bodies[body.casefold()] if body else organisation_id,
        "is_reported_in_time": reported_in_time(occurred, reported),
        "source": "cad", "source_key": ref, "organisation_id": organisation_id,
        "occurred_dt": occurred, "occurred_precision": "exact",
        "category": _text(row, "category", 80, required=True),
        "is_asb": is_asb_raw in _TRUE, "is_hate": is_hate_raw in _TRUE,
        "location_text": _text(row, "location", 300), "postcode": postcode or None,
        "latitude": lat, "longitude": lon, "lsoa_code": None, "lsoa_name": None,
        "outcome": None, "description": _text(row, "description", 20_000),
        "_caller": caller if caller["name"] else None,
        "_caller_type": _CALLER_TYPES[caller_type],
    }


FORMATS: dict[str, tuple[list[str], Callable]] = {
    "police-uk": (POLICE_UK_COLUMNS, _police_uk),
    "cad": (CAD_COLUMNS, _cad),
}


def _validated(source, fmt: str, organisation_id: int, result: ImportResult):
    columns, parse = FORMATS[fmt]
    bodies = {name.casefold(): id_ for id_, name in
              db.session.execute(sa.select(Organisation.id, Organisation.name))}
    for line, row, error in _rows(source, columns):
        if error is None:
            result.rows += 1
            try:
                yield parse(line, row, organisation_id, bodies)
                continue
            except _Invalid as bad:
                error = RowError(line, bad.column, bad.reason)
        elif line == 1:
            result.aborted = True  # a header problem: no row can be read
        else:
            result.rows += 1
        result.invalid += 1
        if len(result.errors) < MAX_ERRORS_KEPT:
            result.errors.append(error)


# --- writing -----------------------------------------------------------------------------------

def _insert_batch(batch: list[dict], import_id: int | None, result: ImportResult) -> None:
    rows = [{k: v for k, v in r.items() if not k.startswith("_")} | {"import_id": import_id}
            for r in batch]
    # One statement, many parameter sets: SQLAlchemy batches them ("insertmanyvalues") without
    # compiling a new statement per batch.
    statement = (upsert_insert(Incident.__table__)
                 .on_conflict_do_nothing(index_elements=["organisation_id", "source",
                                                         "source_key"])
                 .returning(Incident.id, Incident.source_key))
    inserted = {key: id_ for id_, key in
                db.session.connection().execute(statement, rows).all()}
    result.imported += len(inserted)
    # The rows that found their incident there already (in the database, or earlier in the file).
    first: set[str] = set()
    again = []
    for row in batch:
        if row["source_key"] in inserted and row["source_key"] not in first:
            first.add(row["source_key"])
        else:
            again.append(row)
    crimes = [row for row in again
              if row["source"] == "police_uk" and not row["source_key"].startswith("row:")]
    reclassified = _published_again(crimes, result) if crimes else 0
    result.reclassified += reclassified
    result.duplicates += len(again) - reclassified
    callers = [(inserted[r["source_key"]], r) for r in batch
               if r.get("_caller") and r["source_key"] in inserted]
    if callers:
        _link_callers(callers, result)
    if inserted:
        result.possible_same_incidents += episodes.propose_for(inserted.values())


def _published_again(crimes: list[dict], result: ImportResult) -> int:
    """data.police.uk crimes already stored, seen again: a later month's publication gives the
    type and outcome, an earlier month's the date. Updates the changed incidents (and their
    people's denormalised date and ASB mark) in one statement each; returns how many changed
    type."""
    state = {key: [id_, category, occurred, classified, outcome, is_asb]
             for id_, key, category, occurred, classified, outcome, is_asb in db.session.execute(
                 sa.select(Incident.id, Incident.source_key, Incident.category,
                           Incident.occurred_dt, Incident.classified_dt, Incident.outcome,
                           Incident.is_asb)
                 .where(Incident.organisation_id == crimes[0]["organisation_id"],
                        Incident.source == "police_uk",
                        Incident.source_key.in_({row["source_key"] for row in crimes})))}
    changed: set[str] = set()
    reclassified = 0
    for row in crimes:
        crime = state[row["source_key"]]
        _, category, occurred, classified, _, _ = crime
        latest = classified or occurred
        if row["occurred_dt"] > latest:
            reclassified += row["category"] != category
            crime[1:] = [row["category"], occurred, row["occurred_dt"], row["outcome"],
                         row["is_asb"]]
            changed.add(row["source_key"])
        elif row["occurred_dt"] < occurred:
            crime[2:4] = [row["occurred_dt"], latest]
            changed.add(row["source_key"])
    if not changed:
        return 0
    db.session.execute(sa.update(Incident), [
        {"id": id_, "category": category, "occurred_dt": occurred, "classified_dt": classified,
         "outcome": outcome, "is_asb": is_asb}
        for id_, category, occurred, classified, outcome, is_asb in
        (state[key] for key in sorted(changed))])
    ids = [state[key][0] for key in changed]
    incident = sa.select(Incident).where(Incident.id == IncidentPerson.incident_id)
    db.session.execute(
        sa.update(IncidentPerson).where(IncidentPerson.incident_id.in_(ids))
        .values(is_asb=incident.with_only_columns(Incident.is_asb).scalar_subquery(),
                occurred_dt=incident.with_only_columns(Incident.occurred_dt).scalar_subquery())
        .execution_options(synchronize_session=False))
    result.touched_person_ids.update(db.session.scalars(
        sa.select(IncidentPerson.person_id).where(IncidentPerson.incident_id.in_(ids))))
    return reclassified


def _link_callers(callers: list[tuple[int, dict]], result: ImportResult) -> None:
    """Link each caller to the profile the matching rule finds on strong evidence, or create a
    profile (proposing any weaker matches as possible duplicates), and record them as the
    incident's reporter."""
    links = []
    for incident_id, row in callers:
        caller = row["_caller"]
        match = matching.find_person(row["organisation_id"], **caller)
        person = match.person
        if person is None:
            # The row's postcode is where it happened, not where the caller lives: none is given.
            person = Person(reference=person_reference(), organisation_id=row["organisation_id"],
                            name=caller["name"], phone=caller["phone"] or None,
                            address=caller["address"] or None,
                            date_of_birth=caller["date_of_birth"])
            matching.fill_keys(person)
            db.session.add(person)
            db.session.flush()
            result.new_person_ids.add(person.id)
            result.possible_duplicates += matching.propose(person, match.possible)
        result.touched_person_ids.add(person.id)
        links.append({"incident_id": incident_id, "person_id": person.id, "role": "reporter",
                      "occurred_dt": row["occurred_dt"], "is_asb": row["is_asb"],
                      "caller_type": row.get("_caller_type", "public")})
    db.session.execute(
        upsert_insert(IncidentPerson).values(links).on_conflict_do_nothing(
            index_elements=["incident_id", "person_id", "role"]))


def import_file(source, fmt: str, organisation_id: int, *, skip_invalid: bool = False,
                import_row: IncidentImport | None = None,
                progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate, then insert. Raises ImportRefused (nothing written) when rows are invalid and
    skip_invalid is off. Flushes; the caller commits, so the whole file is one transaction."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    checked = ImportResult()
    for _ in _validated(source, fmt, organisation_id, checked):
        pass
    if checked.aborted or (checked.invalid and not skip_invalid):
        raise ImportRefused(checked)
    result = ImportResult(rows=checked.rows, invalid=checked.invalid, errors=checked.errors)
    batch: list[dict] = []
    done = 0
    import_id = import_row.id if import_row is not None else None
    for row in _validated(source, fmt, organisation_id, ImportResult()):
        batch.append(row)
        if len(batch) >= BATCH:
            _insert_batch(batch, import_id, result)
            done += len(batch)
            batch = []
            if progress:
                progress(done)
    if batch:
        _insert_batch(batch, import_id, result)
        done += len(batch)
        if progress:
            progress(done)
    return result
