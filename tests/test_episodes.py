"""One episode reported twice counts once: "same incident as" proposals from the CAD import and
the form, their window as a rule setting, confirmation and rejection, and who the caller was
(caller_type) in the CAD format. The web queue is tested in test_same_incident_ui.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sara.extensions import db
from sara.flags.models import FlagRule
from sara.flags.status import people_status
from sara.incidents import episodes, importer
from sara.incidents.models import Incident, IncidentPerson, SameIncidentLink
from sara.people.models import Person

CAD_HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
              "caller_name,caller_phone,caller_address,caller_dob,description")


def _write(tmp_path, lines, name="cad.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _incident(ref) -> Incident:
    return db.session.scalar(sa.select(Incident).where(Incident.source_key == ref))


def _person(name) -> Person:
    return db.session.scalar(sa.select(Person).where(Person.name == name))


def _pairs(status="open") -> set[tuple[str, str]]:
    return {(link.incident.source_key, link.other.source_key)
            for link in db.session.scalars(sa.select(SameIncidentLink)
                                           .where(SameIncidentLink.status == status))}


def _calls(tmp_path, police, *rows, header=CAD_HEADER):
    return importer.import_file(_write(tmp_path, [header, *rows], f"{len(rows)}.csv"), "cad",
                                police.id)


AMIRA = "Amira Larkspur,07700 900777,,"


def test_a_caller_ringing_again_minutes_later_is_proposed_as_the_same_incident(tmp_path, police,
                                                                               officer):
    """Two calls 12 minutes apart by one caller, and the council's line passing the same
    episode on about the same place: proposed, for a person to confirm. A call two hours
    later, and another place and caller, are not. Until confirmed, both count."""
    result = _calls(
        tmp_path, police,
        f"C-1,2026-05-02 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,{AMIRA},Youths",
        f"C-2,2026-05-02 21:42,Rowdy behaviour,yes,Outside the shops,,,,{AMIRA},Still there",
        "C-3,2026-05-02 21:55,Rowdy behaviour,yes,Ermine Parade,LN2 2AB,,,"
        "Council ASB line,01522 000000,,,Passed on",
        f"C-4,2026-05-02 23:50,Rowdy behaviour,yes,Ermine parade,LN2 2XX,,,{AMIRA},Back again",
        "C-5,2026-05-02 21:35,Rowdy behaviour,yes,Birchwood,LN6 0AA,,,"
        "Someone Else,07700 900888,,,Elsewhere",
    )
    assert result.possible_same_incidents == 2
    assert _pairs() == {("C-2", "C-1"), ("C-3", "C-1")}
    reasons = {link.incident.source_key + link.other.source_key: link.reasons
               for link in episodes.open_proposals(police.id)}
    assert reasons["C-2C-1"] == ["same caller"] and reasons["C-3C-1"] == ["same place"]
    amira = _person("Amira Larkspur")
    assert people_status([amira.id])[amira.id].repeat_victim["count"] == 3

    episodes.confirm(next(p for p in episodes.open_proposals(police.id)
                          if p.incident.source_key == "C-2"), officer)
    episodes.confirm(next(p for p in episodes.open_proposals(police.id)
                          if p.incident.source_key + p.other.source_key == "C-3C-1"), officer)
    assert episodes.open_proposals(police.id) == [] and episodes.count_open(police.id) == 0
    first = _incident("C-1")
    assert {_incident(r).same_as_id for r in ("C-2", "C-3")} == {first.id}
    assert set(db.session.scalars(sa.select(IncidentPerson.same_as_id).where(
        IncidentPerson.incident_id.in_([_incident("C-2").id, _incident("C-3").id])))) == {first.id}
    evidence = people_status([amira.id])[amira.id].repeat_victim
    assert evidence["count"] == 2
    assert [i["reference"] for i in evidence["incidents"]] == ["C-1", "C-4"]
    assert [r.source_key for r in episodes.reports_of(first)] == ["C-2", "C-3"]


def test_a_rejected_pair_is_never_proposed_again(tmp_path, police, officer):
    _calls(tmp_path, police,
           f"R-1,2026-05-02 21:30,Noise,yes,1 Monks Road,LN2 5AB,,,{AMIRA},",
           f"R-2,2026-05-02 21:50,Noise,yes,1 Monks Road,LN2 5AB,,,{AMIRA},")
    [link] = episodes.open_proposals(police.id)
    episodes.reject(link, officer)
    assert episodes.propose_for([_incident("R-1").id, _incident("R-2").id]) == 0
    assert _pairs() == set() and _pairs("rejected") == {("R-2", "R-1")}
    with pytest.raises(episodes.EpisodeError, match="already decided"):
        episodes.confirm(link, officer)
    amira = _person("Amira Larkspur")
    assert people_status([amira.id])[amira.id].repeat_victim["count"] == 2


def test_the_window_is_each_forces_rule_setting(tmp_path, police, make_org):
    """A force that narrows the window to 10 minutes is no longer offered calls 20 minutes
    apart; another force, on the default of 60, is; forces never pair each other's calls."""
    other = make_org("Other Constabulary")
    db.session.add(FlagRule(organisation_id=police.id, kind="same_incident", version=2,
                            params={"window_minutes": 10}))
    db.session.flush()
    rows = [f"W-1,2026-05-02 21:30,Noise,yes,Here,,,,{AMIRA},",
            f"W-2,2026-05-02 21:50,Noise,yes,Here,,,,{AMIRA},"]
    assert _calls(tmp_path, police, *rows).possible_same_incidents == 0
    theirs = importer.import_file(_write(tmp_path, [CAD_HEADER, *rows], "theirs.csv"), "cad",
                                  other.id)
    assert theirs.possible_same_incidents == 1
    assert episodes.open_proposals(police.id) == []
    assert [p.organisation_id for p in episodes.open_proposals(other.id)] == [other.id]


def test_asb_and_a_crime_at_one_place_are_not_proposed(tmp_path, police):
    result = _calls(tmp_path, police,
                    "K-1,2026-05-02 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,,,,,",
                    "K-2,2026-05-02 21:40,Criminal damage,no,Ermine parade,LN2 2AB,,,,,,,")
    assert result.possible_same_incidents == 0


def test_recording_by_hand_joins_two_episodes_into_one(tmp_path, police, officer):
    _calls(tmp_path, police,
           f"H-1,2026-05-01 10:00,Noise,yes,A,,,,{AMIRA},",
           f"H-2,2026-05-03 10:00,Noise,yes,B,,,,{AMIRA},",
           f"H-3,2026-05-05 10:00,Noise,yes,C,,,,{AMIRA},")
    episodes.record_same(_incident("H-3"), _incident("H-2"), officer)
    episodes.record_same(_incident("H-2"), _incident("H-1"), officer)
    first = _incident("H-1")
    assert [_incident(r).same_as_id for r in ("H-1", "H-2", "H-3")] == [None, first.id, first.id]
    with pytest.raises(episodes.EpisodeError, match="already recorded"):
        episodes.record_same(_incident("H-3"), first, officer)
    amira = _person("Amira Larkspur")
    assert people_status([amira.id])[amira.id].repeat_victim is None


def test_the_cad_caller_type_column_is_optional_and_checked(tmp_path, police):
    """Without the column every caller is a member of the public; with it, a professional's
    calls are theirs but never make them a victim; a value that is neither is a row error."""
    header = CAD_HEADER + ",caller_type"
    result = _calls(
        tmp_path, police,
        "P-1,2026-05-01 10:00,Noise,yes,A,,,,Pat Warden,01522 111111,,,,professional",
        "P-2,2026-05-03 10:00,Noise,yes,B,,,,Pat Warden,01522 111111,,,,Professional",
        "P-3,2026-05-04 10:00,Noise,yes,C,,,,Rita Resident,07700 900999,,,,",
        "P-4,2026-05-05 10:00,Noise,yes,D,,,,Rita Resident,07700 900999,,,,public",
        header=header)
    assert result.imported == 4
    warden, resident = _person("Pat Warden"), _person("Rita Resident")
    status = people_status([warden.id, resident.id])
    assert status[warden.id].repeat_victim is None
    assert status[resident.id].repeat_victim["count"] == 2
    assert set(db.session.scalars(sa.select(IncidentPerson.caller_type).where(
        IncidentPerson.person_id == warden.id))) == {"professional"}
    with pytest.raises(importer.ImportRefused) as refused:
        _calls(tmp_path, police, "P-9,2026-05-06 10:00,Noise,yes,E,,,,Pat,,,,,warden",
               header=header)
    [error] = refused.value.result.errors
    assert (error.line, error.column) == (2, "caller_type")
    assert "'warden' is not public or professional" in error.reason


def test_a_later_files_call_is_proposed_against_the_earlier_files(tmp_path, police, officer):
    _calls(tmp_path, police,
           f"S-1,2026-05-02 21:30,Noise,yes,1 Monks Road,,,,{AMIRA},",
           f"S-2,2026-05-02 21:40,Noise,yes,1 Monks Road,,,,{AMIRA},")
    rows = [CAD_HEADER, f"S-3,2026-05-02 21:45,Noise,yes,1 Monks Road,,,,{AMIRA},"]
    result = importer.import_file(_write(tmp_path, rows, "later.csv"), "cad", police.id)
    assert result.possible_same_incidents == 2
    assert _pairs() == {("S-2", "S-1"), ("S-3", "S-1"), ("S-3", "S-2")}
    # Importing the file again proposes nothing new.
    again = importer.import_file(_write(tmp_path, rows, "again.csv"), "cad", police.id)
    assert again.possible_same_incidents == 0 and episodes.count_open(police.id) == 3
    # Once S-2 and S-3 are both S-1's episode, the S-3/S-2 pair has nothing left to decide.
    for link in list(episodes.open_proposals(police.id)):
        if link.other.source_key == "S-1":
            episodes.confirm(link, officer)
    assert episodes.open_proposals(police.id) == []


def test_data_police_uk_rows_are_never_proposed(tmp_path, police):
    """Its rows give only the month and an anonymised place: two ASB rows "On or near Monson
    Street" in one month are not one episode."""
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
              "LSOA name,Crime type,Last outcome category,Context")
    row = (",2026-05,Lincolnshire Police,Lincolnshire Police,-0.54,53.23,On or near Monson "
           "Street,E01026100,Lincoln 001A,Anti-social behaviour,,{}")
    path = _write(tmp_path, [header, row.format("one"), row.format("two")], "street.csv")
    result = importer.import_file(path, "police-uk", police.id)
    assert result.imported == 2 and result.possible_same_incidents == 0
