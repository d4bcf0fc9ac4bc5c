"""Recording incidents and running imports. Functions flush; callers commit."""

from __future__ import annotations

import codecs
import csv
import io
import os
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from sara import policy
from sara.audit import service as audit
from sara.cases import service as case_service
from sara.core import outbox
from sara.core.references import next_number
from sara.core.rules import RuleError
from sara.core.sql import dialect_name
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.checks import queue_person_checks
from sara.flags.rules import reported_in_time
from sara.incidents import episodes, importer
from sara.incidents.models import (
    CALLER_TYPES,
    CaseIncident,
    Incident,
    IncidentImport,
    IncidentPerson,
)
from sara.orgs.models import Organisation
from sara.people.models import Person


class IncidentError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


class DuplicateIncident(IncidentError):
    """The force already holds an incident with this source and reference."""

    MESSAGE = "This force has recorded an incident with this reference already"


def importing_organisation(name: str | None) -> Organisation:
    """The police force incidents are imported for: the one named, or the only one there is."""
    query = sa.select(Organisation).where(Organisation.kind == "police")
    if name:
        query = query.where(sa.func.lower(Organisation.name) == name.strip().lower())
    forces = db.session.scalars(query).all()
    if len(forces) != 1:
        raise IncidentError(
            f"No police organisation called {name!r}" if name else
            "Name the police organisation with --org: there is more than one, or none")
    return forces[0]


def import_incidents(path, fmt: str, organisation: Organisation, *, skip_invalid: bool = False,
                     import_row=None, progress=None) -> importer.ImportResult:
    result = importer.import_file(path, fmt, organisation.id, skip_invalid=skip_invalid,
                                  import_row=import_row, progress=progress)
    if result.touched_person_ids:
        queue_person_checks(result.touched_person_ids)
    return result


def reported_values(values: dict, organisation: Organisation, occurred: datetime) -> dict:
    """When and to whom the incident was reported ("reported_dt", "reported_to_id" in
    `values`; by default when it happened, to `organisation`), checked, and whether that was
    in time for the ASB case review."""
    reported = values.get("reported_dt") or occurred
    if reported > utcnow():
        raise IncidentError("When it was reported must be in the past", field="reported_dt")
    if reported < occurred:
        raise IncidentError("When it was reported must be the same as or after when it happened",
                            field="reported_dt")
    body = values.get("reported_to_id")
    body = organisation.id if body is None else body
    if not policy.is_an_id(body) or db.session.get(Organisation, body) is None:
        raise IncidentError("Choose the organisation it was reported to", field="reported_to_id")
    return {"reported_dt": reported, "reported_to_id": body,
            "is_reported_in_time": reported_in_time(occurred, reported)}


def record_incident(organisation, actor, values: dict, people: Sequence[tuple] = (),
                    source: str = "form") -> Incident:
    """Record one incident (from the form or the API) with the people involved, each as
    (person, role) or (person, role, caller_type) (a member of the public unless "professional"
    is said). Other reports that may be of the same episode are proposed as "same incident as"
    links. The repeat-victim and case-review checks for those people run in Celery as soon as
    this commits."""
    if not (values.get("category") or "").strip():
        raise IncidentError("Enter the category", field="category")
    occurred = values.get("occurred_dt")
    if occurred is None:
        raise IncidentError("Enter when it happened", field="occurred_dt")
    if occurred > utcnow():
        raise IncidentError("When it happened must be in the past", field="occurred_dt")
    reporting = reported_values(values, organisation, occurred)
    # Only this force's incidents count: another force may use the same reference, and is not
    # to be told that it does.
    if values.get("source_key") and db.session.scalar(sa.select(Incident.id).where(
            Incident.organisation_id == organisation.id, Incident.source == source,
            Incident.source_key == values["source_key"])):
        raise DuplicateIncident(DuplicateIncident.MESSAGE, field="source_key")
    incident = Incident(
        source=source, source_key=values.get("source_key") or f"SARA-{next_number('incident'):07d}",
        organisation_id=organisation.id, occurred_dt=occurred, occurred_precision="exact",
        category=values["category"].strip(), is_asb=bool(values.get("is_asb")),
        is_hate=bool(values.get("is_hate")),
        location_text=(values.get("location_text") or "").strip(),
        postcode=values.get("postcode") or None, latitude=values.get("latitude"),
        longitude=values.get("longitude"), lsoa_code=values.get("lsoa_code") or None,
        description=(values.get("description") or "").strip(), **reporting,
    )
    db.session.add(incident)
    db.session.flush()
    for person, role, *caller_type in people:
        caller = caller_type[0] if caller_type and caller_type[0] else "public"
        if caller not in CALLER_TYPES:
            raise IncidentError("Choose whether they are a member of the public or a "
                                "professional", field="caller_type")
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role=role,
                                      occurred_dt=incident.occurred_dt, is_asb=incident.is_asb,
                                      caller_type=caller))
    db.session.flush()
    episodes.propose_for([incident.id])
    audit.record("alteration", user=actor, record_type="incident",
                 record_ref=incident.reference,
                 summary=f"Recorded incident {incident.reference} ({incident.category})")
    if people:
        queue_person_checks({person.id for person, *_ in people})
    return incident


def link_incident(case, actor, incident: Incident) -> bool:
    """Link an incident to a case; False if it already was."""
    exists = db.session.scalar(sa.select(CaseIncident.id).where(
        CaseIncident.case_id == case.id, CaseIncident.incident_id == incident.id))
    if exists:
        return False
    db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id, created_by_id=actor.id))
    db.session.flush()
    case_service.record_event(case, actor, "incident_linked",
                              summary=f"Linked incident {incident.reference} "
                                      f"({incident.category}, {incident.occurred_dt:%d %b %Y})")
    person_ids = db.session.scalars(sa.select(IncidentPerson.person_id).where(
        IncidentPerson.incident_id == incident.id)).all()
    if person_ids:
        queue_person_checks(set(person_ids))
    return True


# --- the incident form ---------------------------------------------------------------------------

def person_for_incident(organisation_id: int, reference: str):
    """The force's person with this reference, for the incident form."""
    person = db.session.scalar(sa.select(Person).where(
        Person.organisation_id == organisation_id, Person.reference == reference.strip().upper()))
    if person is None:
        raise IncidentError(f"There is no person {reference} in this force",
                            field="person_reference")
    if person.merged_into_id is not None:
        kept = db.session.get_one(Person, person.merged_into_id)
        raise IncidentError(f"{person.reference} was merged into {kept.reference}: use that "
                            "reference", field="person_reference")
    return person


# --- links to cases ------------------------------------------------------------------------------

def link_incidents(case, actor, incidents) -> int:
    """Link each incident to the case (skipping those already linked); how many were new."""
    linked = [incident for incident in incidents if link_incident(case, actor, incident)]
    if linked:
        audit.record("alteration", user=actor, case=case,
                     summary=f"Linked {len(linked)} incident{'s' if len(linked) != 1 else ''}",
                     details={"incidents": [i.reference for i in linked]})
    return len(linked)


def unlink_incident(case, actor, incident_id: int) -> Incident:
    link = db.session.scalar(sa.select(CaseIncident).where(
        CaseIncident.case_id == case.id, CaseIncident.incident_id == incident_id))
    if link is None:
        raise IncidentError("That incident is not linked to this case")
    incident = link.incident
    db.session.delete(link)
    db.session.flush()
    summary = (f"Unlinked incident {incident.reference} "
               f"({incident.category}, {incident.occurred_dt:%d %b %Y})")
    case_service.record_event(case, actor, "incident_unlinked", summary=summary)
    audit.record("alteration", user=actor, case=case, summary=summary,
                 details={"incidents": [incident.reference]})
    # The case-review count for these people may have fallen below its threshold.
    person_ids = db.session.scalars(sa.select(IncidentPerson.person_id).where(
        IncidentPerson.incident_id == incident.id)).all()
    if person_ids:
        queue_person_checks(set(person_ids))
    return incident


# --- uploaded files, imported by the worker ------------------------------------------------------

#: The files an upload may be, as the form offers them (keys of importer.FORMATS)
IMPORT_FORMATS = {
    "cad": "Command and control export",
    "police-uk": "data.police.uk street-level file",
}
UPLOADS = "uploads"
_READ_CHUNK = 64 * 1024
_HEAD_CHARS = 64 * 1024


def uploads_dir() -> Path:
    return Path(current_app.instance_path) / UPLOADS


def store_upload(stream, filename: str | None, fmt: str) -> str:
    """Check an uploaded file is a readable CSV of the chosen kind and keep it under
    instance/uploads/ with a random name, for the worker. Returns its path relative to the
    instance folder (the web and the workers may mount that folder at different places).
    Raises IncidentError(field="file") with what is wrong; nothing is kept then."""
    name = (filename or "").strip()
    if not name:
        raise IncidentError("Select a CSV file", field="file")
    if not name.lower().endswith(".csv"):
        raise IncidentError("The selected file must be a CSV file (ending .csv)", field="file")
    if fmt not in importer.FORMATS:
        raise IncidentError("Choose what kind of file it is", field="format")
    folder = uploads_dir()
    # Uploads hold personal data: only the service's own user may read them, whatever the umask,
    # and a folder left open by an older release is closed.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    relative = f"{UPLOADS}/{secrets.token_hex(16)}.csv"
    target = Path(current_app.instance_path) / relative
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    head, size = "", 0
    try:
        # O_EXCL as "xb" did: never write into a file that is already there.
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := stream.read(_READ_CHUNK):
                size += len(chunk)
                if b"\x00" in chunk:
                    raise IncidentError("The selected file is not a CSV file: it holds binary "
                                        "data", field="file")
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise IncidentError("The selected file is not UTF-8 text: save it as CSV "
                                        "UTF-8 and upload it again", field="file") from exc
                if len(head) < _HEAD_CHARS:
                    head += text
                out.write(chunk)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise IncidentError("The selected file is not UTF-8 text: save it as CSV UTF-8 "
                                    "and upload it again", field="file") from exc
        if size == 0 or not head.strip():
            raise IncidentError("The selected file is empty", field="file")
        _check_header(head, fmt)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return relative


def _check_header(head: str, fmt: str) -> None:
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(head, newline="")))]
    except (csv.Error, StopIteration) as exc:
        raise IncidentError("The selected file is not a readable CSV file", field="file") from exc
    expected, _ = importer.FORMATS[fmt]
    missing = [c for c in expected if c not in header]
    if missing:
        raise IncidentError(
            f"The selected file is not a {IMPORT_FORMATS[fmt].lower()}: its first row has no "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''} column"
            f"{'s' if len(missing) > 1 else ''}", field="file")


def create_import(organisation: Organisation, actor, filename: str, fmt: str,
                  stored_path: str, skip_invalid: bool) -> IncidentImport:
    job = IncidentImport(filename=Path(filename).name[:255], format=fmt,
                         organisation_id=organisation.id, created_by_id=actor.id,
                         state="queued", skip_invalid=skip_invalid, stored_path=stored_path)
    db.session.add(job)
    db.session.flush()
    audit.record("alteration", user=actor, record_type="incident",
                 record_ref=f"import:{job.id}",
                 summary=f"Uploaded {job.filename} ({fmt}) for import")
    # Handed to the worker when this commits: the row is there for it, and a broker that is
    # down only delays the import (its page says it is queued).
    outbox.defer("worker.tasks.import_incidents_file", job.id)
    return job


def _stored_file(job: IncidentImport) -> Path | None:
    return Path(current_app.instance_path) / job.stored_path if job.stored_path else None


def start_import(import_id: int) -> IncidentImport | None:
    """Mark an upload as running and count its rows; None if there is nothing to run (it was
    done already: a redelivered task). A `running` one is run again: a worker that died mid-way
    rolled its import back, and importing is idempotent anyway."""
    job = db.session.get(IncidentImport, import_id)
    if job is None or job.state not in ("queued", "running"):
        return None
    path = _stored_file(job)
    if path is None or not path.is_file():
        _fail(job, [importer.RowError(0, "(file)", "the uploaded file was not found by the "
                                                   "worker: it may have been removed, or the "
                                                   "worker cannot see the web server's "
                                                   "instance/uploads folder")])
        return None
    job.state = "running"
    job.rows_total = importer.count_rows(path)
    job.rows_done = 0
    return job


def progress_writer(import_id: int) -> Callable[[int], None] | None:
    """Record rows_done as the import goes, each time in a short transaction of its own, so the
    status page sees it while the import's own transaction is still open. PostgreSQL only: SQLite
    has one writer at a time and the import holds it, so there the counts appear at the end."""
    if dialect_name() != "postgresql":
        return None
    engine = db.engine
    broken: list[int] = []

    def write(done: int) -> None:
        if broken:
            return
        try:
            with engine.begin() as connection:
                # Progress is a courtesy: never wait long for it.
                connection.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
                connection.execute(sa.update(IncidentImport)
                                   .where(IncidentImport.id == import_id)
                                   .values(rows_done=done))
        except sa.exc.DBAPIError:
            broken.append(done)

    return write


def run_import(job: IncidentImport) -> importer.ImportResult:
    """Import the stored file in the current transaction (ImportRefused: nothing written)."""
    organisation = db.session.get_one(Organisation, job.organisation_id)
    return import_incidents(_stored_file(job), job.format, organisation,
                            skip_invalid=job.skip_invalid, import_row=job,
                            progress=progress_writer(job.id))


def finish_import(job: IncidentImport, result: importer.ImportResult) -> None:
    job.state = "done"
    job.rows_total = job.rows_done = result.rows
    job.rows_imported, job.rows_duplicate = result.imported, result.duplicates
    job.rows_reclassified = result.reclassified
    job.rows_possible_duplicates = result.possible_duplicates
    job.rows_possible_same_incidents = result.possible_same_incidents
    job.errors = [e.as_dict() for e in result.errors]
    job.finished_dt = utcnow()


def refuse_import(job: IncidentImport, result: importer.ImportResult) -> None:
    job.rows_total = result.rows
    _fail(job, result.errors)


def _fail(job: IncidentImport, errors) -> None:
    job.state = "failed"
    job.rows_done = job.rows_imported = job.rows_duplicate = job.rows_reclassified = 0
    job.rows_possible_duplicates = job.rows_possible_same_incidents = 0
    job.errors = [e.as_dict() for e in errors]
    job.finished_dt = utcnow()


def abandon_import(import_id: int, reason: str) -> None:
    """The import broke off unexpectedly: say so on its page (nothing was imported)."""
    job = db.session.get(IncidentImport, import_id)
    if job is not None and job.state in ("queued", "running"):
        _fail(job, [importer.RowError(0, "(file)", reason)])


def discard_upload(import_id: int) -> None:
    """Remove the stored file once its import is over, whatever the outcome."""
    job = db.session.get(IncidentImport, import_id)
    if job is None or job.state not in ("done", "failed") or not job.stored_path:
        return
    discard_stored_file(job.stored_path)
    job.stored_path = None


def discard_stored_file(stored_path: str) -> None:
    (Path(current_app.instance_path) / stored_path).unlink(missing_ok=True)


def import_summary(job: IncidentImport) -> dict:
    """The counts an upload's status page shows."""
    errors = job.errors or []
    if job.state == "done":
        invalid = (job.rows_total - job.rows_imported - job.rows_duplicate
                   - job.rows_reclassified)
    else:
        # Row problems only: a header problem (line 1) or a lost file (line 0) is not a row.
        invalid = len([e for e in errors if (e.get("line") or 0) > 1])
    return {
        "imported": job.rows_imported, "duplicates": job.rows_duplicate,
        "reclassified": job.rows_reclassified, "invalid": invalid,
        "possible_duplicates": job.rows_possible_duplicates,
        "possible_same_incidents": job.rows_possible_same_incidents,
        "errors_truncated": len(errors) >= importer.MAX_ERRORS_KEPT,
        "percent": (100 * job.rows_done // job.rows_total) if job.rows_total else 0,
    }
