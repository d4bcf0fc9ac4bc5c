"""Importing incidents from CSV: validation report, one transaction, idempotency, line endings."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sara.extensions import db
from sara.incidents import importer
from sara.incidents.models import Incident, IncidentPerson
from sara.people.models import Person, PossibleDuplicate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
CAD_HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
              "caller_name,caller_phone,caller_address,caller_dob,description")


def _write(tmp_path, name: str, lines: list[str], newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


def _count(model=Incident) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _police_uk_rows():
    return [
        HEADER,
        ",2015-06,Lincolnshire Police,Lincolnshire Police,-0.54,53.23,On or near High Street,"
        "E01026100,Lincoln 001A,Anti-social behaviour,,",
        "abc123,2015-06,Lincolnshire Police,Lincolnshire Police,-0.55,53.22,On or near Park,"
        "E01026101,Lincoln 001B,Burglary,Under investigation,",
        ",2015-06,Lincolnshire Police,Lincolnshire Police,,,No location,,,Anti-social behaviour,,",
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_police_uk_import_and_reimport_creates_no_duplicates(tmp_path, police, newline):
    path = _write(tmp_path, "june.csv", _police_uk_rows(), newline)
    result = importer.import_file(path, "police-uk", police.id)
    db.session.commit()
    assert (result.rows, result.imported, result.duplicates, result.invalid) == (3, 3, 0, 0)
    asb = db.session.scalars(sa.select(Incident).where(Incident.is_asb.is_(True))).all()
    assert len(asb) == 2
    assert {i.occurred_precision for i in asb} == {"month"}
    assert asb[0].occurred_dt.day == 1 and asb[0].occurred_dt.month == 6
    again = importer.import_file(path, "police-uk", police.id)
    db.session.commit()
    assert (again.imported, again.duplicates) == (0, 3)
    assert _count() == 3


def test_same_rows_with_other_line_endings_are_the_same_incidents(tmp_path, police):
    importer.import_file(_write(tmp_path, "a.csv", _police_uk_rows(), "\n"), "police-uk", police.id)
    again = importer.import_file(_write(tmp_path, "b.csv", _police_uk_rows(), "\r\n"),
                                 "police-uk", police.id)
    assert again.imported == 0 and _count() == 3


def test_a_bad_row_refuses_the_whole_file_with_line_column_and_reason(tmp_path, police):
    rows = _police_uk_rows() + [
        ",2015-13,Lincolnshire Police,Lincolnshire Police,-0.5,53.2,Somewhere,E1,X,Burglary,,",
        ",2015-06,Lincolnshire Police,Lincolnshire Police,-0.5,,Somewhere,E1,X,Burglary,,",
        ",2015-06,Lincolnshire Police,Lincolnshire Police,-0.5,53.2,Somewhere,E1,X,,,",
        "too,few,values",
    ]
    path = _write(tmp_path, "bad.csv", rows)
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(path, "police-uk", police.id)
    errors = [(e.line, e.column) for e in refused.value.result.errors]
    assert errors == [(5, "Month"), (6, "Latitude"), (7, "Crime type"), (8, "(row)")]
    assert "is not a month" in refused.value.result.errors[0].reason
    assert _count() == 0


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(tmp_path, police):
    rows = _police_uk_rows() + [
        ",2015-06,Lincolnshire Police,Lincolnshire Police,999,53.2,Somewhere,E1,X,Burglary,,"]
    result = importer.import_file(_write(tmp_path, "mixed.csv", rows), "police-uk", police.id,
                                  skip_invalid=True)
    assert (result.imported, result.invalid) == (3, 1)
    assert [(e.line, e.column) for e in result.errors] == [(5, "Longitude")]
    assert _count() == 3


def test_missing_columns_and_empty_files_are_refused(tmp_path, police):
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(_write(tmp_path, "h.csv", ["Month,Crime type", "2015-01,Burglary"]),
                             "police-uk", police.id)
    assert refused.value.result.errors[0].line == 1
    assert "Crime ID" in refused.value.result.errors[0].column
    with pytest.raises(importer.ImportRefused):
        importer.import_file(_write(tmp_path, "e.csv", [""]), "police-uk", police.id)


@pytest.mark.skipif(not DATA.is_dir(), reason="shared/data is not beside this checkout")
def test_real_police_uk_file_imports(police):
    path = DATA / "city-of-london" / "2017-05-city-of-london-street.csv"
    result = importer.import_file(path, "police-uk", police.id)
    assert result.invalid == 0 and result.imported > 100
    # City of London has no ASB rows in 2017-05: that gap is in the source data.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)
                             .where(Incident.is_asb.is_(True))) == 0


def _cad_rows():
    return [
        CAD_HEADER,
        "CAD-1,2026-03-01 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,53.25,-0.53,"
        "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Youths shouting",
        "CAD-2,2026-03-08 22:10,Rowdy behaviour,Y,Ermine parade,LN2 2AB,,,"
        "ANN SMITH,,\"12 Ermine Rd, Lincoln\",,Again",
        "CAD-3,02/04/2026 20:00,Criminal damage,no,Shop,LN2 2AC,,,"
        "Bob Jones,+44 7700 900456,,,Window",
    ]


def test_cad_import_matches_callers_to_people(tmp_path, police):
    result = importer.import_file(_write(tmp_path, "cad.csv", _cad_rows()), "cad", police.id)
    db.session.commit()
    assert result.imported == 3
    people = db.session.scalars(sa.select(Person).order_by(Person.id)).all()
    # Ann Smith again at the same address, with no phone or date of birth, may be her or a
    # relative: a second profile and a possible duplicate for a supervisor, never a guess.
    assert [p.name for p in people] == ["Ann Smith", "ANN SMITH", "Bob Jones"]
    assert people[2].phone_key == "07700900456"
    assert result.possible_duplicates == 1
    pair = db.session.scalars(sa.select(PossibleDuplicate)).one()
    assert (pair.person_id, pair.other_id) == (people[0].id, people[1].id)
    assert pair.summary == "same name; same address and surname"
    links = db.session.scalars(sa.select(IncidentPerson).order_by(IncidentPerson.id)).all()
    assert [(link.person_id, link.role, link.is_asb) for link in links] == [
        (people[0].id, "reporter", True), (people[1].id, "reporter", True),
        (people[2].id, "reporter", False)]
    again = importer.import_file(_write(tmp_path, "cad2.csv", _cad_rows(), "\r\n"), "cad",
                                 police.id)
    assert again.imported == 0 and _count(Person) == 3 and _count(IncidentPerson) == 3


def test_cad_validation(tmp_path, police):
    rows = [CAD_HEADER,
            "CAD-9,yesterday,Noise,maybe,X,,,,A Person,,,,",
            "CAD-10,2026-03-01 21:30,Noise,yes,X,,,,A Person,,,2090-01-01,",
            ",2026-03-01 21:30,Noise,yes,X,,,,,,,,"]
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(_write(tmp_path, "bad.csv", rows), "cad", police.id)
    assert [(e.line, e.column) for e in refused.value.result.errors] == [
        (2, "occurred_at"), (3, "caller_dob"), (4, "incident_ref")]


def test_cli_import_reports_errors_and_exit_code(app, tmp_path, police):
    good = _write(tmp_path, "good.csv", _police_uk_rows())
    bad = _write(tmp_path, "bad.csv", [HEADER, ",2015-99,x,x,,,x,,,Burglary,,"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sara", "import-incidents", str(good), str(bad),
                                 "--format", "police-uk"])
    assert result.exit_code == 1
    assert "3 imported" in result.output
    assert "not imported: 1 invalid rows" in result.output
    assert "line 2, column Month" in result.output
