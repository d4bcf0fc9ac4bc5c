"""Demo data for `flask --app wsgi sara seed-demo`: a police force, partners, users and cases.

Everything is described as data at module level (ORGANISATIONS, DEMO_USERS, CASES,
CALLER_INCIDENTS) and applied by a small loop through the same service functions the web pages
use, so every case has the timeline it would have had if people had done the work. seed() only
flushes; the caller commits.

To add a case, append a dict to CASES. Its keys:

- the fields a case is opened with: title, problem_type, neighbourhood, location_text, latitude,
  longitude, description;
- owner (an email from DEMO_USERS); optionally opened_by, when someone else logged it and a
  supervisor then handed it over, and review_cadence_days;
- stage: how far the case goes forward through SARA, one stage at a time. On the way the owner does
  the work of each stage passed: "scanning" (scan_* fields) in Scanning, "analysis" (analysis_*
  fields, keyed without the prefix) in Analysis, "objectives" and "tactics" in Response;
- then: later steps, applied in order, each done by the owner unless it names "by":
  {"back_to": stage, "reason": ...}, {"forward_to": stage}, {"edit": {field: value}},
  {"objective": text}, {"tactic": (category, triangle side, description)},
  {"close": closure reason, "note": ...}, {"reopen": reason};
- optionally people: dicts of name, role (victim, reporter, offender, witness or other),
  date_of_birth ("YYYY-MM-DD" or None), phone, address, postcode and vulnerabilities (a list of
  sara.people.models.VULNERABILITIES keys). The owner adds them as soon as the case is theirs,
  before the stage work;
- optionally incidents: the calls about the problem, each recorded as an incident by the owner
  (sara.incidents.service.record_incident) and linked to the case once every case is in place. A
  dict of days_ago (1 or more: the day is counted back from today, so the repeat-victim and case
  review flags hold whenever the seed runs) and optionally time ("HH:MM" local, default 21:00);
  category, is_asb, location, lsoa (the LSOA code), optionally postcode, and description; person,
  the name of one of the case's people or, for a caller not on the case, a dict like theirs; and
  role ("victim" or "reporter"). A caller given again is found by the duplicate rule
  (sara.people.matching), so the same dict in several incidents is one person calling again.
  The incident lies at the case's latitude and longitude, nudged a little so the incidents do not
  sit on one point, unless it gives its own;
- optionally shares: (recipient, level) pairs, where the recipient is an organisation name from
  ORGANISATIONS or, to share with one person only, an email from DEMO_USERS, and the level is "view"
  or "contribute". The owner shares the case once it has reached its stage (a case with actions
  that goes beyond Response: on reaching Response, where the actions are allocated), before the
  `then` steps;
- optionally personal_details_shared: True when the owner has decided partners may see the
  people's details; applied just after the shares. Without it they are withheld from partners.
- optionally actions: work allocated straight after the shares, so in Response (or at the case's
  own stage if that is earlier: a quick win during Analysis) and before the case moves on or the
  `then` steps close it. Each is a dict of title, optional description, tactic (a
  TACTIC_CATEGORIES key and a TRIANGLE_SIDES key), to (an organisation name from ORGANISATIONS,
  which the case must be shared with unless it is the owning force, or an email from DEMO_USERS),
  due (days from today; negative for a date in the past), priority (low, normal, high or urgent;
  default normal), by (the allocator's email; default the owner) and optionally steps, applied in
  order: (status, text) with status "in_progress", "done" (text: the result), "cancelled" (text:
  the reason) or "open" (text optional), and ("note", text). Each step is done by the allocated
  person, or for an organisation by its first user in DEMO_USERS, unless a third element gives an
  email. A live action with a past due date is overdue; seed() runs the overdue scan at the end,
  so it carries its flag and its notifications.
- optionally evaluation, for a case whose stage is "assessment": written by the owner once the case
  reaches Assessment, after the shares and actions and before the `then` steps (so before any
  close step: a case is closed as resolved or reduced only once its evaluation is approved). A dict
  of measure; before and after, each (first day, last day, count) with the days counted from today
  (negative: in the past); optionally comparison: (area, count before, count after); optionally
  displacement: (the kinds looked for, sara.evaluation.models.DISPLACEMENT_TYPES keys, and what
  was found), which also marks displacement as checked, and diffusion: True; outcome (an OUTCOMES
  key), lessons, and good_practice: the supervisor's summary of why it is good practice, which
  marks the case as good practice, with case_study: the case study the good-practice library
  publishes (a dict of title, problem, analysis, response, assessment and lessons, written in
  general terms: approving the evaluation checks it against the case's people and publishes it);
  tactics: one (delivery, note, effectiveness) per planned tactic, by
  position, or None for one not yet assessed; objectives: one OBJECTIVE_RESULTS key (or None) per
  objective, by position; and status: "draft" (the default), "submitted" (by the owner),
  "returned" (submitted, then returned to draft by SUPERVISOR, Helen Marsh, with
  return_comments) or "approved" (submitted, then approved by SUPERVISOR, with optional
  approval_comments). Every key but measure is optional, so a draft can be half written.
  submitted_days_ago (demo data) moves the submission into the past, so that an evaluation left
  awaiting sign-off for more than 14 days carries its flag;
- optionally reviews: supervisors' reviews, each (outcome, comments, days until the next review),
  recorded by SUPERVISOR after the `then` steps; the case must still be open;
- optionally opened_days_ago (demo data, not with reviews): the case is made to have been opened
  that many days ago and never reviewed, its next review date being its opening date plus its
  review cadence, so one open for longer than its cadence is overdue for review;
- optionally began_days_ago (demo data, not with opened_days_ago) and ended_days_ago (default 1):
  the case was opened began_days_ago days ago and everything on its timeline, in order, happened
  evenly between then and ended_days_ago days ago (a closed case closed on its last day), except a
  supervisor's review and what followed it, which stay at the day the demo is loaded. An open case
  with no review that began more than 28 days ago is due for review. This is what spreads the
  openings, stage moves and closures over the dashboard's months.

CALLER_INCIDENTS are incidents linked to no case, as the call handler recorded them: the same keys,
the person always a dict, and latitude and longitude always given. Some go back more than a year,
so the repeat-victim flags they raised have been resolved since (seed() replays the rule over
time).

Behind them lie the real data.police.uk anti-social behaviour rows for the demo's areas
(sara/demo/data, made by sara/demo/extract_police_uk.py; Open Government Licence v3.0), moved
forward by whole years to end last month, so every dashboard chart has at least 18 months.

seed() runs the flag scans at the end, as the scheduled jobs would, so the supervisors' queue starts
with cases overdue for review, an evaluation awaiting sign-off and a case closed without an approved
evaluation (closed as "not_evaluated"), and the call-handler lookup finds repeat ASB victims and
people whose complaints reach the ASB case review threshold (community trigger), one of them
vulnerable and on no case.

All the people, organisations and addresses below are fictional; the streets and places are real so
the map views look right. Phone numbers are in Ofcom's 07700 900xxx range for drama, which is
never allocated.
"""

from __future__ import annotations

import csv
import os
import secrets
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from sara.actions import service as action_service
from sara.actions.models import Action
from sara.asb_reviews import service as asb_review_service
from sara.audit import service as audit
from sara.auth import service as auth_service
from sara.auth.models import User
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.core.references import person_reference
from sara.core.rules import RuleError
from sara.core.types import local_zone, today, utcnow
from sara.evaluation import service as evaluation_service
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags import jobs as flag_jobs
from sara.flags import scan as flag_scan
from sara.flags.rules import rule_defaults
from sara.incidents import service as incident_service
from sara.incidents.importer import ASB_CATEGORY, POLICE_UK_COLUMNS, import_file
from sara.incidents.models import IncidentPerson
from sara.library import service as library_service
from sara.orgs import service as org_service
from sara.orgs.models import Organisation
from sara.partners import service as partner_service
from sara.people import matching
from sara.people import service as people_service
from sara.people.models import VULNERABILITIES, Person, PersonVulnerability

# --- organisations -----------------------------------------------------------------------------

POLICE_FORCE = "Lincolnshire Police"
COUNCIL = "City of Lincoln Council"
HOUSING = "Longwater Homes"
PROBATION = "Probation Service – Lincolnshire"

LINCOLN_CENTRAL = "Lincoln Central"
ERMINE_ABBEY = "Lincoln Ermine and Abbey"
BOSTON_TOWN = "Boston Town"

ORGANISATIONS = [
    {"name": POLICE_FORCE, "kind": "police",
     "neighbourhoods": [LINCOLN_CENTRAL, ERMINE_ABBEY, BOSTON_TOWN]},
    {"name": COUNCIL, "kind": "local_authority"},
    {"name": HOUSING, "kind": "housing"},
    {"name": PROBATION, "kind": "probation"},
]


# --- users -------------------------------------------------------------------------------------

class DemoUser(NamedTuple):
    email: str
    name: str
    role: str
    organisation: str
    #: Granted from the CLI in real life; the demo's police admin has it, to show both kinds
    is_system_admin: bool = False


OFFICER_A = "sarah.whitfield@lincs-police.example.org"
OFFICER_B = "daniel.okafor@lincs-police.example.org"
SUPERVISOR = "helen.marsh@lincs-police.example.org"
CALL_HANDLER = "gareth.pryce@lincs-police.example.org"
COUNCIL_OFFICER = "tom.ashworth@lincoln-council.example.org"
HOUSING_OFFICER = "joanne.fletcher@longwater-homes.example.org"
PROBATION_OFFICER = "marcus.bell@lincs-probation.example.org"
COUNCIL_ADMIN = "rachel.ibbotson@lincoln-council.example.org"

#: The demo accounts, documented in the README. Passwords are generated afresh on every seed.
DEMO_USERS = [
    DemoUser(OFFICER_A, "Sarah Whitfield", "officer", POLICE_FORCE),
    DemoUser(OFFICER_B, "Daniel Okafor", "officer", POLICE_FORCE),
    DemoUser(SUPERVISOR, "Helen Marsh", "supervisor", POLICE_FORCE),
    DemoUser(CALL_HANDLER, "Gareth Pryce", "call_handler", POLICE_FORCE),
    DemoUser("priya.chauhan@lincs-police.example.org", "Priya Chauhan", "admin", POLICE_FORCE,
             is_system_admin=True),
    DemoUser(COUNCIL_OFFICER, "Tom Ashworth", "partner", COUNCIL),
    DemoUser(HOUSING_OFFICER, "Joanne Fletcher", "partner", HOUSING),
    DemoUser(PROBATION_OFFICER, "Marcus Bell", "partner", PROBATION),
    DemoUser(COUNCIL_ADMIN, "Rachel Ibbotson", "admin", COUNCIL),
]

#: The file in instance/ that keeps the demo users' passwords, readable only by its owner
PASSWORDS_FILENAME = "demo-passwords.txt"



# --- problem cases -----------------------------------------------------------------------------

CASES = [
    # ---- Scanning ----
    {
        "title": "Cycle thefts from the racks at Lincoln Central station",
        "problem_type": "other",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Cycle racks, Lincoln Central railway station, St Mary's Street, Lincoln",
        "latitude": 53.2263, "longitude": -0.5400,
        "description": "Repeated thefts of pedal cycles from the open racks on the station "
                       "forecourt, mostly cable-locked bikes left by commuters for the day.",
        "owner": OFFICER_B,
        "began_days_ago": 20,
        "stage": "scanning",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "23 cycle thefts recorded at the station racks in the last three "
                            "months against 9 in the same period last year. Almost all were taken "
                            "on weekdays between 08:00 and 18:00, and the cable lock was cut.",
        },
        # Crimes, not ASB: they count towards no ASB flag.
        "incidents": [
            {"days_ago": 40, "time": "17:55", "category": "Theft of pedal cycle", "is_asb": False,
             "location": "Cycle racks, Lincoln Central railway station", "lsoa": "E01026176",
             "description": "Commuter came back from work to find his bike gone and the cut "
                            "cable lock left on the rack.",
             "person": {"name": "Owen Lindridge", "date_of_birth": "1990-02-17",
                        "phone": "07700 900274", "address": "5 Sibthorp Street, Lincoln",
                        "postcode": "LN5 7SQ"},
             "role": "victim"},
            {"days_ago": 12, "time": "18:20", "category": "Theft of pedal cycle", "is_asb": False,
             "location": "Cycle racks, Lincoln Central railway station", "lsoa": "E01026176",
             "description": "Bike taken from the racks during the day; the cable lock was cut. "
                            "The caller has the frame number.",
             "person": {"name": "Chloe Haverholme", "date_of_birth": "1997-09-04",
                        "phone": "07700 900283", "address": "22 Ripon Street, Lincoln",
                        "postcode": "LN5 7NF"},
             "role": "victim"},
        ],
    },
    {
        "title": "Fly-tipping in the back lanes behind the Sincil Bank terraces",
        "problem_type": "fly_tipping",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Rear access lanes between Hood Street and Kirkby Street, Sincil Bank, "
                         "Lincoln",
        "latitude": 53.2208, "longitude": -0.5357,
        "description": "Household waste, mattresses and builders' rubble dumped in the shared "
                       "back lanes, blocking access, attracting rats and fuelling small fires.",
        "owner": OFFICER_A,
        "began_days_ago": 25,
        "stage": "scanning",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by the council's public protection team: 41 fly-tipping "
                            "reports in the lanes last quarter, and two deliberate fires in dumped "
                            "waste attended by the fire service.",
            "scan_baseline": "41 fly-tipping reports and 2 deliberate fires in the last quarter. "
                             "Success: the lanes stay passable and reports fall below 10 a "
                             "quarter.",
        },
        "people": [
            {"name": "Pauline Hartsgrove", "role": "reporter", "date_of_birth": "1968-09-14",
             "phone": "07700 900112", "address": "27 Hood Street, Lincoln", "postcode": "LN5 7BS",
             "vulnerabilities": []},
        ],
        # Referred by the council, whose enforcement officers work the case with us.
        "shares": [(COUNCIL, "contribute")],
        "incidents": [
            {"days_ago": 74, "time": "07:50", "category": "Fly-tipping", "is_asb": True,
             "location": "Back lane behind Hood Street, Lincoln", "lsoa": "E01026177",
             "description": "A mattress, bags of household waste and a broken wardrobe dumped "
                            "across the back lane overnight; residents cannot get their bins "
                            "out.",
             "person": "Pauline Hartsgrove", "role": "reporter"},
            {"days_ago": 29, "time": "22:10", "category": "Arson", "is_asb": False,
             "location": "Back lane off Kirkby Street, Lincoln", "lsoa": "E01026177",
             "description": "Dumped rubbish set alight in the lane behind the houses; the fire "
                            "service put it out.",
             "person": "Pauline Hartsgrove", "role": "reporter"},
        ],
    },
    {
        "title": "Shed break-ins at the allotments off Tattershall Road",
        "problem_type": "burglary",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Allotment gardens off Tattershall Road, Boston",
        "latitude": 52.9872, "longitude": -0.0398,
        "description": "Allotment holders report sheds being forced overnight and power tools, "
                       "strimmers and fuel being taken.",
        "owner": OFFICER_B,
        "stage": "scanning",
        # Logged six weeks ago and not moved on or reviewed since: due for review.
        "opened_days_ago": 41,
    },

    # ---- Analysis ----
    {
        "title": "Graffiti tagging in the pedestrian underpass below Wigford Way",
        "problem_type": "graffiti",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Pedestrian underpass below Wigford Way, near Brayford Pool, Lincoln",
        "latitude": 53.2277, "longitude": -0.5425,
        "description": "Repeated tagging of the underpass walls and lighting columns, some of it "
                       "offensive. Users say the underpass feels neglected and avoid it after "
                       "dark.",
        "owner": OFFICER_A,
        "began_days_ago": 75,
        "stage": "analysis",
        "scanning": {
            "scan_source": "resident_complaint",
            "scan_summary": "18 reports to the council and police in two months. The same five or "
                            "six tags recur, so a small number of people are responsible. Two "
                            "light fittings have been damaged, leaving the middle section dark.",
            "scan_baseline": "Graffiti cleaned off 11 times last quarter at a cost of about "
                             "£1,900. Success: new tags removed within 48 hours, fewer than 3 "
                             "cleans a quarter, and all lighting working.",
        },
        "analysis": {
            "offender": "The recurring tags match those on railway property nearby; British "
                        "Transport Police believe two or three young men aged 17 to 20 are "
                        "responsible.",
            "location": "Pale, smooth walls and an unlit middle section; nothing overlooks the "
                        "underpass and CCTV covers only the approach from the Brayford.",
            "when": "New tags mostly appear on Friday and Saturday nights.",
        },
        # The council cleans the underpass and repairs the lights; it follows the case.
        "shares": [(COUNCIL, "view")],
        "actions": [
            {"title": "Remove the offensive tags, apply anti-graffiti coating, repair the lights",
             "description": "A quick win while the analysis goes on: offensive tags off within 24 "
                            "hours, anti-graffiti coating on the lower walls, and the two damaged "
                            "light fittings repaired.",
             "tactic": ("environmental", "location"), "to": COUNCIL, "due": 10,
             "steps": [
                 ("in_progress", "Offensive tags removed the day after the referral."),
                 ("note", "Coating booked for the week after next, once the walls are dry. The "
                          "lighting repair is waiting for a part."),
             ]},
        ],
        "reviews": [
            ("on_track", "A good quick win with the council. Finish the analysis with British "
                         "Transport Police before planning the response.", 28),
        ],
    },
    {
        "title": "Street drinking in St Botolph's churchyard",
        "problem_type": "asb_street_drinking",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "St Botolph's churchyard and Church Street, Boston",
        "latitude": 52.9786, "longitude": -0.0264,
        "description": "Groups drinking in the churchyard during the day, with litter, urination "
                       "and verbal abuse of visitors, churchgoers and staff.",
        "owner": OFFICER_B,
        "began_days_ago": 24,
        "stage": "analysis",
        "scanning": {
            "scan_source": "community_meeting",
            "scan_summary": "Top priority at the last two Boston Town PACT meetings. 27 ASB "
                            "incidents logged at the churchyard in three months; church staff "
                            "clear cans and bottles every morning.",
            "scan_baseline": "27 ASB incidents in three months and daily clear-ups. Success: fewer "
                             "than 10 incidents a quarter and visitors using the churchyard "
                             "without complaint.",
        },
        "analysis": {
            "victim": "Church staff and volunteers, visitors to the church and market traders on "
                      "Church Street. Older visitors say they now avoid the churchyard path.",
            "offender": "A core group of about eight adults, several alcohol-dependent and some "
                        "with no fixed address; two are supervised by the Probation Service.",
            "location": "Benches screened from the Market Place by the churchyard wall, with "
                        "cheap high-strength alcohol on sale within 100 metres.",
            "guardian": "Vergers are present in the daytime but do not feel able to challenge the "
                        "group.",
        },
        "people": [
            {"name": "Geoffrey Pennyworth", "role": "reporter", "date_of_birth": "1955-02-03",
             "phone": "07700 900245", "address": "14 Wormgate, Boston", "postcode": "PE21 6NP",
             "vulnerabilities": []},
            {"name": "Darren Cobbleditch", "role": "offender", "date_of_birth": "1979-11-21",
             "phone": None, "address": None, "postcode": None,  # no fixed address
             "vulnerabilities": ["mental_health"]},
        ],
        # Two of the group are under probation supervision.
        "shares": [(PROBATION, "view")],
        "incidents": [
            {"days_ago": 71, "time": "13:20", "category": "Street drinking", "is_asb": True,
             "location": "St Botolph's churchyard, Boston", "lsoa": "E01026006",
             "description": "Group of six drinking on the benches by the south porch and "
                            "shouting at visitors; one man urinating against the churchyard "
                            "wall.",
             "person": "Geoffrey Pennyworth", "role": "reporter"},
            {"days_ago": 33, "time": "11:45", "category": "Rowdy or inconsiderate behaviour",
             "is_asb": True, "location": "Church Street, Boston", "lsoa": "E01026006",
             "description": "A church volunteer who asked the group to move their cans off the "
                            "path was sworn at and followed to the door.",
             "person": "Geoffrey Pennyworth", "role": "reporter"},
            {"days_ago": 18, "time": "16:05", "category": "Street drinking", "is_asb": True,
             "location": "St Botolph's churchyard, Boston", "lsoa": "E01026006",
             "description": "Broken bottles and cans on the path to the south porch, and a "
                            "visitor sworn at by the group on the benches.",
             "person": {"name": "Margaret Tidswell", "date_of_birth": "1961-07-08",
                        "phone": "07700 900253", "address": "6 Red Lion Street, Boston",
                        "postcode": "PE21 6NY"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Late-night noise from a house in multiple occupation on Monks Road",
        "problem_type": "noise",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Monks Road, Lincoln (licensed HMO; address on the council's HMO "
                         "register)",
        "latitude": 53.2318, "longitude": -0.5283,
        "description": "Loud music and parties at a shared house several nights a week; "
                       "neighbours, including a family with a baby, are losing sleep.",
        "owner": OFFICER_A,
        "stage": "analysis",
        "scanning": {
            "scan_source": "resident_complaint",
            "scan_summary": "Nine households have complained in six weeks and the council's noise "
                            "team has witnessed statutory nuisance twice. Tenants change every few "
                            "months, so warnings given to one group do not reach the next.",
            "scan_baseline": "14 noise complaints to the council and 6 calls to police in six "
                             "weeks. Success: no substantiated noise nuisance for three months.",
        },
        "analysis": {
            "manager": "A letting agent manages the house for the landlord and, under the HMO "
                       "licence conditions, must deal with anti-social behaviour by tenants.",
            "why": "The tenancy agreements have no clear anti-social behaviour clause and the "
                   "agent has not acted on earlier complaints.",
        },
        "people": [
            {"name": "Amira Larkspur", "role": "victim", "date_of_birth": "1994-06-30",
             "phone": "07700 900318", "address": "112 Monks Road, Lincoln",
             "postcode": "LN2 5PG", "vulnerabilities": ["repeat_victimisation"]},
            {"name": "Frank Oddington", "role": "reporter", "date_of_birth": "1949-01-08",
             "phone": "07700 900327", "address": "118 Monks Road, Lincoln",
             "postcode": "LN2 5PG", "vulnerabilities": ["age"]},
        ],
        # A privately let HMO: the council's noise team and HMO licensing hold the levers.
        "shares": [(COUNCIL, "contribute")],
        "opened_days_ago": 34,
        # Amira Larkspur has complained on four days in three months: the ASB case review
        # threshold (3 complaints in 6 months) is reached.
        "incidents": [
            {"days_ago": 96, "time": "23:40", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Loud music from the shared house next door until gone 2am, for the "
                            "second weekend running.",
             "person": "Amira Larkspur", "role": "victim"},
            {"days_ago": 44, "time": "23:30", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Music and shouting from the shared house; the older caller "
                            "living two doors away cannot sleep.",
             "person": "Frank Oddington", "role": "reporter"},
            {"days_ago": 41, "time": "23:55", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Noise from HMO party: about thirty people in the garden and the "
                            "street, and music shaking the walls.",
             "person": "Amira Larkspur", "role": "victim"},
            {"days_ago": 30, "time": "23:20", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "A party at the shared house woke the caller's baby twice; she "
                            "asked them to turn it down and was sworn at.",
             "person": {"name": "Hannah Coldridge", "date_of_birth": "1992-05-21",
                        "phone": "07700 900336", "address": "106 Monks Road, Lincoln",
                        "postcode": "LN2 5PG"},
             "role": "victim"},
            {"days_ago": 23, "time": "22:30", "category": "Rowdy or inconsiderate behaviour",
             "is_asb": True, "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Guests leaving a party shouted in the street, kicked the caller's "
                            "wheelie bin over and banged on her door.",
             "person": "Amira Larkspur", "role": "victim"},
            {"days_ago": 16, "time": "21:50", "category": "Rowdy or inconsiderate behaviour",
             "is_asb": True, "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Car doors slamming and engines revving outside the shared house as "
                            "guests arrived, then music until the early hours.",
             "person": "Frank Oddington", "role": "reporter"},
            {"days_ago": 9, "time": "23:15", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Music and shouting from the house again. The caller has not slept "
                            "properly for a month and is afraid to complain to the tenants.",
             "person": "Amira Larkspur", "role": "victim"},
            # She rang again twelve minutes later about the same party: proposed to the
            # supervisor as the same incident, so that it counts once when confirmed.
            {"days_ago": 9, "time": "23:27", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "The caller rang back: the music is still going and guests are in "
                            "the street.",
             "person": "Amira Larkspur", "role": "victim"},
            # The council's out-of-hours noise officer, reporting for the residents: a
            # professional caller, never counted as a victim or complainant.
            {"days_ago": 37, "time": "00:20", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Council noise officer on a visit heard amplified music from the "
                            "shared house at 00:15 and asks for police attendance next time.",
             "person": {"name": "Martin Hollis", "phone": "01632 960451",
                        "address": "City Hall, Beaumont Fee, Lincoln", "postcode": "LN1 1DF"},
             "role": "reporter", "caller_type": "professional"},
            {"days_ago": 16, "time": "23:05", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Council noise officer passing on a resident's complaint about "
                            "music from the shared house.",
             "person": {"name": "Martin Hollis", "phone": "01632 960451",
                        "address": "City Hall, Beaumont Fee, Lincoln", "postcode": "LN1 1DF"},
             "role": "reporter", "caller_type": "professional"},
            # Last winter's calls, before this case: neighbours whose profiles the matching
            # rule must keep apart (sara.people.matching). A household with no phone or date
            # of birth and a shared landline are each two people, proposed to a supervisor as
            # possible duplicates, never merged; the double-barrelled surnames at one address
            # (Nowak-Okafor, Pritchard-Okafor) are not even proposed.
            {"days_ago": 262, "time": "23:05", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Music from the shared house through the party wall after midnight.",
             "person": {"name": "Dennis Wragby", "address": "120 Monks Road, Lincoln",
                        "postcode": "LN2 5PG"}, "role": "reporter"},
            {"days_ago": 248, "time": "22:40", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Shouting in the street outside the shared house as a party ended.",
             "person": {"name": "Irene Wragby", "address": "120 Monks Road, Lincoln",
                        "postcode": "LN2 5PG"}, "role": "reporter"},
            {"days_ago": 241, "time": "23:50", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Bass from the shared house keeping the children awake.",
             "person": {"name": "Priya Nowak-Okafor", "address": "124 Monks Road, Lincoln",
                        "postcode": "LN2 5PG"}, "role": "reporter"},
            {"days_ago": 226, "time": "00:15", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Fireworks let off in the back garden of the shared house.",
             "person": {"name": "Tom Pritchard-Okafor",
                        "address": "124 Monks Road, Lincoln", "postcode": "LN2 5PG"},
             "role": "reporter"},
            {"days_ago": 219, "time": "22:55", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Loud music and a car alarm left going outside the shared house.",
             "person": {"name": "Keith Ulceby", "phone": "01632 960117",
                        "address": "126 Monks Road, Lincoln", "postcode": "LN2 5PG"},
             "role": "reporter"},
            {"days_ago": 204, "time": "23:35", "category": "Noise nuisance", "is_asb": True,
             "location": "Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "People from a party at the shared house sitting on her garden wall, "
                            "shouting.",
             "person": {"name": "Joan Ulceby", "phone": "+44 1632 960117",
                        "address": "126 Monks Road, Lincoln", "postcode": "LN2 5PG"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Neighbour nuisance in a Longwater Homes block on Lamb Gardens",
        "problem_type": "asb_neighbour",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Lamb Gardens, Ermine, Lincoln",
        "latitude": 53.2522, "longitude": -0.5318,
        "description": "A long-running dispute between tenants in a block of flats: shouting, "
                       "banging on walls, and damage to one tenant's front door and car.",
        "owner": OFFICER_B,
        "stage": "analysis",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by Longwater Homes' tenancy enforcement officer after 12 "
                            "reports from four households in two months. Each side says the other "
                            "started it; one of the tenants is disabled and lives alone.",
            "scan_baseline": "12 reports to the landlord and 5 calls to police in two months. "
                             "Success: no further incidents for three months and both households "
                             "say they feel safe at home.",
        },
        "analysis": {
            "victim": "An older tenant with a physical disability who lives alone; her door and "
                      "car have been damaged and she is afraid to go out after dark.",
            "handler": "Longwater Homes can enforce the tenancy conditions; adult social care "
                       "already supports one of the households.",
        },
        "people": [
            {"name": "Winifred Gorseway", "role": "victim", "date_of_birth": "1944-04-17",
             "phone": "07700 900401", "address": "Flat 2, 9 Lamb Gardens, Lincoln",
             "postcode": "LN2 2EX",
             "vulnerabilities": ["age", "disability", "isolation", "repeat_victimisation"]},
            {"name": "Lee Brackenridge", "role": "offender", "date_of_birth": "1987-08-02",
             "phone": "07700 900415", "address": "Flat 4, 9 Lamb Gardens, Lincoln",
             "postcode": "LN2 2EX", "vulnerabilities": []},
        ],
        # Both households are Longwater Homes tenants; the landlord needs to know who they are.
        "shares": [(HOUSING, "contribute")],
        "personal_details_shared": True,
        "opened_days_ago": 47,
        # Three complaints in two months from an older, disabled tenant: the ASB case review
        # threshold is reached for her too.
        "incidents": [
            {"days_ago": 58, "time": "20:40", "category": "Neighbour nuisance", "is_asb": True,
             "location": "Lamb Gardens, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "Banging on the ceiling and shouting from the flat above most of "
                            "the evening; the caller is frightened.",
             "person": "Winifred Gorseway", "role": "victim"},
            {"days_ago": 44, "time": "22:15", "category": "Criminal damage", "is_asb": False,
             "location": "Lamb Gardens, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "The caller's front door kicked and the letterbox forced during the "
                            "night; she believes it was her neighbour.",
             "person": "Winifred Gorseway", "role": "victim"},
            {"days_ago": 31, "time": "19:30", "category": "Intimidation", "is_asb": True,
             "location": "Lamb Gardens, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "Neighbour shouted abuse at the caller on the stairs and blocked "
                            "her way with his bike.",
             "person": "Winifred Gorseway", "role": "victim"},
            {"days_ago": 12, "time": "21:05", "category": "Neighbour nuisance", "is_asb": True,
             "location": "Lamb Gardens, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "Loud music and banging on the walls late into the night. The "
                            "caller lives alone and did not feel safe going out to her car.",
             "person": "Winifred Gorseway", "role": "victim"},
            # A second crime against her in the year: a repeat victim of crime as well as of
            # ASB, each its own rule (HMIC 004, recommendation 7).
            {"days_ago": 6, "time": "08:10", "category": "Theft", "is_asb": False,
             "location": "Lamb Gardens, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "A parcel of the caller's medication taken from outside her door "
                            "minutes after it was delivered.",
             "person": "Winifred Gorseway", "role": "victim"},
        ],
    },

    # ---- Response ----
    {
        "title": "Off-road motorbikes on Witham Way Country Park",
        "problem_type": "nuisance_vehicles",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Witham Way Country Park and the river path, Boston",
        "latitude": 52.9935, "longitude": -0.0450,
        "description": "Off-road motorbikes and quad bikes ridden across the park and the river "
                       "path, churning up the grass and endangering walkers and dog owners.",
        "owner": OFFICER_B,
        "began_days_ago": 120,
        "stage": "response",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "34 calls in three months, mostly in the evenings and at weekends, "
                            "and two near-misses with children. The riders come in from the river "
                            "path and are gone before officers arrive.",
            "scan_baseline": "34 calls about off-road bikes in three months. Success: calls at "
                             "least halved over the next three months and nobody hurt.",
        },
        "analysis": {
            "victim": "Walkers, families and dog owners using the park, and residents whose "
                      "gardens back onto it.",
            "offender": "Three or four local teenagers and young men on bikes believed to be "
                        "unregistered and uninsured; two bikes match reports of thefts from "
                        "sheds.",
            "location": "Open access from the river path and a gap in the fence by the car park "
                        "let bikes in and out quickly.",
            "guardian": "Park rangers, who are on site only during the day.",
            "when": "Mostly 17:00 to 21:00 on weekdays and on Sunday afternoons, spring to "
                    "autumn.",
            "how": "Riders escape along the river path, where police vehicles cannot follow.",
            "root_causes": "Nowhere legal to ride nearby, easy access, and little chance of being "
                           "caught.",
        },
        "objectives": [
            "Reduce calls about off-road bikes at the park by 50% over the next three months, "
            "compared with the last three (baseline 34).",
        ],
        "tactics": [
            ("enforcement", "offender",
             "Section 59 warnings and seizure of bikes ridden anti-socially, with the drone team "
             "following riders so that no pursuit is needed."),
            ("situational", "location",
             "Council parks team to fit A-frame barriers at the river path and close the gap in "
             "the fence by the car park."),
        ],
        "actions": [
            {"title": "Targeted patrol plan for the park and the river path",
             "description": "Patrols on weekday evenings, 17:00 to 21:00, and on Sunday "
                            "afternoons, with the drone team booked for two Sundays a month so "
                            "that riders can be followed without a pursuit.",
             "tactic": ("enforcement", "offender"), "to": POLICE_FORCE, "due": -4,
             "priority": "high",
             "steps": [
                 ("in_progress", "Plan on the Boston Town tasking sheet; waiting for the drone "
                                 "team to confirm Sunday cover.", OFFICER_B),
                 ("note", "The drone team can do only one Sunday this month. Two evening patrols "
                          "done so far: one rider seen, who left along the river path.",
                  OFFICER_B),
             ]},
            {"title": "Section 59 warnings for the riders of the two identified bikes",
             "description": "Two bikes identified from residents' doorbell footage. Warn the "
                            "riders, or the registered keepers, and record the warnings.",
             "tactic": ("enforcement", "offender"), "to": OFFICER_B, "due": 10,
             "steps": [
                 ("done", "Warning given in person to one rider, and by letter to the registered "
                          "keeper of the other bike."),
                 ("open", "The letter came back marked 'not known at this address'. Find the "
                          "keeper and give the warning in person."),
             ]},
        ],
        "reviews": [
            ("needs_attention", "The patrol plan is overdue and only one drone Sunday is booked. "
                                "Agree cover with the drone team lead, and find the second "
                                "keeper, before the next review.", 14),
        ],
        "incidents": [
            {"days_ago": 66, "time": "18:20", "category": "Vehicle nuisance", "is_asb": True,
             "location": "River path, Witham Way Country Park, Boston", "lsoa": "E01026038",
             "description": "Two off-road bikes and a quad riding at speed along the river "
                            "path; a dog walker had to pull her dog out of the way.",
             "person": {"name": "Sandra Quickfall", "date_of_birth": "1972-12-09",
                        "phone": "07700 900262", "address": "27 Witham Bank East, Boston",
                        "postcode": "PE21 9JU"},
             "role": "reporter"},
            {"days_ago": 24, "time": "15:30", "category": "Vehicle nuisance", "is_asb": True,
             "location": "Witham Way Country Park, Boston", "lsoa": "E01026038",
             "description": "Off-road bikes on the field by the play area on a Sunday "
                            "afternoon, churning up the grass and riding close to children.",
             "person": {"name": "Malcolm Trusthorpe", "date_of_birth": "1956-03-30",
                        "phone": "07700 900279", "address": "3 Tattershall Road, Boston",
                        "postcode": "PE21 9LN"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Drug dealing from a flat in a Longwater Homes block on Fenside Road",
        "problem_type": "asb_drugs",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Fenside Road, Boston (Longwater Homes block)",
        "latitude": 52.9878, "longitude": -0.0182,
        "description": "Residents report visitors calling at a flat at all hours, drug litter in "
                       "the stairwell and intimidation of neighbours who challenge them.",
        "opened_by": OFFICER_B,
        "owner": OFFICER_A,
        "began_days_ago": 150,
        "review_cadence_days": 14,
        "stage": "response",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by Longwater Homes after complaints from residents. "
                            "Intelligence shows a pattern of street-level dealing, and the tenant "
                            "is believed to be vulnerable and exploited (cuckooing).",
            "scan_baseline": "19 intelligence reports and 11 ASB reports in two months; needles "
                             "found in the stairwell six times. Success: the dealing stops, the "
                             "tenant is safeguarded and neighbours say they feel safe.",
        },
        "analysis": {
            "victim": "The tenant, an adult with a learning disability and a history of substance "
                      "misuse, and the other residents, including families with young children.",
            "offender": "Non-residents, some from outside the county, using the flat as a base; "
                        "a county-lines link is suspected.",
            "location": "The communal door entry system is broken, so anyone can get into the "
                        "stairwell.",
            "manager": "Longwater Homes, which owns the block, can repair the entrance and take "
                       "tenancy action.",
            "guardian": "The tenant's support worker and the neighbours.",
            "why": "A vulnerable tenant, an insecure building and ready local demand.",
            "root_causes": "Exploitation of a vulnerable adult, and an insecure communal "
                           "entrance.",
        },
        "objectives": [
            "Stop the flat being used for dealing within 8 weeks, measured by intelligence and "
            "residents' reports.",
            "Make a safeguarding referral and agree a support plan for the tenant within 2 weeks.",
        ],
        "tactics": [
            ("support", "victim",
             "Joint visit with Longwater Homes and adult social care: safeguarding referral and "
             "the offer of a move away from the people exploiting the tenant."),
            ("situational", "location",
             "Longwater Homes to repair the door entry system and fit a fob-controlled communal "
             "door."),
            ("enforcement", "offender",
             "Misuse of Drugs Act warrant, then a closure order application if the dealing "
             "continues."),
        ],
        "actions": [
            {"title": "Repair the door entry system and fit a fob-controlled communal door",
             "description": "The communal door has not locked for months, so anyone can get into "
                            "the stairwell. Repair the entry system now and replace the door with "
                            "a fob-controlled one.",
             "tactic": ("situational", "location"), "to": HOUSING, "due": -6,
             "priority": "urgent",
             "steps": [
                 ("in_progress", "Contractor instructed. The fob-controlled door is on a "
                                 "four-week lead time, so a temporary repair to the existing lock "
                                 "is booked for this week."),
                 ("note", "Temporary repair done on Tuesday; the lock was forced again within two "
                          "days."),
                 ("note", "Chased the Longwater Homes repairs manager: the new door is now due at "
                          "the end of next week. Needles found in the stairwell again on Sunday.",
                  OFFICER_A),
             ]},
            {"title": "Joint safeguarding visit to the tenant with adult social care",
             "description": "Visit with adult social care, make a safeguarding referral and offer "
                            "the tenant a management transfer away from the people using the "
                            "flat.",
             "tactic": ("support", "victim"), "to": HOUSING_OFFICER, "due": -9,
             "priority": "urgent",
             "steps": [
                 ("done", "Visited with PC Whitfield and an adult social care worker. "
                          "Safeguarding referral accepted; the tenant has agreed to a management "
                          "transfer and is on the priority list for a one-bedroom flat across "
                          "town."),
             ]},
            {"title": "Intelligence package for a Misuse of Drugs Act warrant",
             "description": "Bring together the residents' reports, the intelligence and the "
                            "needle finds for a warrant application for the flat.",
             "tactic": ("enforcement", "offender"), "to": OFFICER_A, "due": 4,
             "priority": "high", "by": SUPERVISOR,
             "steps": [
                 ("in_progress", "Package drafted; two more intelligence reports to develop "
                                 "before it goes to the inspector."),
             ]},
            {"title": "Prepare a partial closure order application for the flat",
             "description": "If the dealing continues after the warrant, apply to the "
                            "magistrates for a closure order that lets the tenant stay but bars "
                            "everyone else, with statements from residents and Longwater Homes.",
             "tactic": ("enforcement", "location"), "to": OFFICER_A, "due": 21,
             "by": SUPERVISOR},
        ],
        "people": [
            {"name": "Ryan Fallowfield", "role": "victim", "date_of_birth": "1991-12-05",
             "phone": "07700 900502", "address": "Flat 6, 40 Fenside Road, Boston",
             "postcode": "PE21 8JU", "vulnerabilities": ["disability", "isolation"]},
            {"name": "Shirley Tumbleton", "role": "reporter", "date_of_birth": "1963-07-22",
             "phone": "07700 900517", "address": "Flat 2, 40 Fenside Road, Boston",
             "postcode": "PE21 8JU", "vulnerabilities": []},
        ],
        # Safeguarding the tenant is a joint job with the landlord.
        "shares": [(HOUSING, "contribute")],
        "personal_details_shared": True,
        "reviews": [
            ("escalate", "The communal door is still insecure after six weeks and needles are "
                         "still being found. Escalated to Longwater Homes' head of housing "
                         "management and to the inspector; the warrant package goes to the "
                         "inspector this week.", 7),
        ],
        # Five different residents have complained in two months: the ASB case review threshold
        # (5 people in 6 months) is reached.
        "incidents": [
            {"days_ago": 52, "time": "15:10", "category": "Drug dealing", "is_asb": True,
             "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "Drug dealing seen from window: cars pulling up outside the block "
                            "and people going in for a minute or two, a dozen times in an "
                            "afternoon.",
             "person": "Shirley Tumbleton", "role": "reporter"},
            {"days_ago": 45, "time": "21:30", "category": "Intimidation", "is_asb": True,
             "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "The caller challenged two men propping the communal door open and "
                            "was threatened.",
             "person": {"name": "Tariq Hollingbrook", "date_of_birth": "1986-11-02",
                        "phone": "07700 900531", "address": "Flat 5, 40 Fenside Road, Boston",
                        "postcode": "PE21 8JU"},
             "role": "victim"},
            {"days_ago": 37, "time": "23:40", "category": "Intimidation", "is_asb": True,
             "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "Support worker calling for the tenant: men he does not know are in "
                            "and out of his flat at all hours and will not leave.",
             "person": "Ryan Fallowfield", "role": "victim"},
            {"days_ago": 26, "time": "18:45", "category": "Drug dealing", "is_asb": True,
             "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "Strong smell of cannabis in the stairwell and strangers knocking on "
                            "the wrong doors asking for 'the flat upstairs'.",
             "person": {"name": "Jolene Staithes", "date_of_birth": "1999-03-27",
                        "phone": "07700 900544", "address": "Flat 8, 40 Fenside Road, Boston",
                        "postcode": "PE21 8JU"},
             "role": "victim"},
            {"days_ago": 19, "time": "08:20", "category": "Drug-related litter", "is_asb": True,
             "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "Needles and foil left in the communal stairwell again; the "
                            "caller's grandchildren visit at weekends.",
             "person": "Shirley Tumbleton", "role": "reporter"},
            {"days_ago": 8, "time": "22:50", "category": "Rowdy or inconsiderate behaviour",
             "is_asb": True, "location": "Fenside Road, Boston", "lsoa": "E01026021",
             "description": "Cars revving in the car park behind the block and men shouting up "
                            "at a first-floor window late at night.",
             "person": {"name": "Norman Fairbrass", "date_of_birth": "1958-08-14",
                        "phone": "07700 900559", "address": "36 Fenside Road, Boston",
                        "postcode": "PE21 8JR"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Catalytic converter thefts in the Tentercroft Street car park",
        "problem_type": "vehicle_crime",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Long-stay car park, Tentercroft Street, Lincoln",
        "latitude": 53.2218, "longitude": -0.5445,
        "description": "Catalytic converters cut from parked vehicles, mostly hybrids and older "
                       "vans, during the working day.",
        "owner": OFFICER_B,
        "began_days_ago": 60,
        "stage": "response",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "14 catalytic converter thefts recorded in the car park in ten weeks, "
                            "against one in the whole of last year. Nine of the vehicles were "
                            "hybrids of the same make.",
            "scan_baseline": "14 thefts in ten weeks. Success: no more than 2 thefts in the next "
                             "three months.",
        },
        "analysis": {
            "victim": "Commuters and workers who park all day; hybrid owners are targeted because "
                      "their converters hold more precious metal.",
            "offender": "A travelling group working across the East Midlands with a battery "
                        "cutter; they are under a vehicle for less than two minutes.",
            "location": "No barrier and no staff on site; CCTV covers the entrance but not the "
                        "far rows.",
            "manager": "The council, which runs the car park.",
            "when": "Weekdays between 10:00 and 15:00.",
            "how": "Two offenders arrive in a car on false plates; one keeps watch.",
            "root_causes": "The high scrap value of the metals, and a car park with little natural "
                           "surveillance.",
        },
        "objectives": [
            "No more than 2 catalytic converter thefts in the car park in the three months after "
            "the response starts (baseline 14 in ten weeks).",
        ],
        "tactics": [
            ("situational", "victim",
             "Free forensic marking of converters for hybrid owners at two pop-up events in the "
             "car park."),
            ("situational", "location",
             "Council to extend CCTV to the far rows and put up signs saying the car park is "
             "watched."),
        ],
        "actions": [
            {"title": "Forensic marking events for hybrid owners in the car park",
             "description": "Two pop-up events in the car park, marking catalytic converters free "
                            "of charge and putting warning stickers on the marked vehicles.",
             "tactic": ("situational", "victim"), "to": OFFICER_B, "due": -2,
             "steps": [
                 ("in_progress", "First event held: 38 converters marked, 21 of them on "
                                 "hybrids."),
                 ("note", "Second date not agreed yet: the car park manager wants a weekday when "
                          "the car park is quieter."),
             ]},
            {"title": "Ask the council's CCTV manager to extend coverage to the far rows",
             "tactic": ("situational", "location"), "to": OFFICER_B, "due": 12,
             "priority": "low"},
            {"title": "Visits to scrap metal dealers with the council's licensing team",
             "description": "Check the dealers' records for converters bought for cash.",
             "tactic": ("enforcement", "offender"), "to": POLICE_FORCE, "due": 14,
             "steps": [
                 ("cancelled", "A regional operation against the group now covers the scrap "
                               "metal dealers; the visits are part of that.", OFFICER_B),
             ]},
        ],
        "reviews": [
            ("on_track", "The first marking event went well. Agree the second date and chase "
                         "the CCTV request.", 28),
        ],
        "incidents": [
            {"days_ago": 21, "time": "14:30", "category": "Theft from motor vehicle",
             "is_asb": False, "location": "Long-stay car park, Tentercroft Street, Lincoln",
             "lsoa": "E01026132",
             "description": "Catalytic converter cut from the caller's hybrid while it was "
                            "parked for the day.",
             "person": {"name": "Rebecca Saltfleet", "date_of_birth": "1981-06-25",
                        "phone": "07700 900291", "address": "14 Doddington Road, Lincoln",
                        "postcode": "LN6 7HD"},
             "role": "victim"},
        ],
    },
    {
        "title": "Damage and anti-social behaviour in Lincoln Arboretum after dark",
        "problem_type": "vandalism",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "The Arboretum, Monks Road, Lincoln",
        "latitude": 53.2310, "longitude": -0.5310,
        "description": "Benches, bins and the bandstand damaged, fires lit in litter bins and "
                       "broken glass left on the paths after the park closes.",
        "owner": OFFICER_A,
        "began_days_ago": 95,
        "stage": "response",
        "scanning": {
            "scan_source": "patrol_observation",
            "scan_summary": "PCSOs and park staff find damage most mornings after warm evenings: "
                            "16 reports of damage and 9 ASB calls in two months.",
            "scan_baseline": "16 damage reports and repairs costing about £3,200 in two months. "
                             "Success: damage reports down by 60% over the next three months.",
        },
        "analysis": {
            "offender": "Groups of 15 to 18 year-olds meeting after dark, some from other parts of "
                        "the city, drawn by gatherings advertised on social media.",
            "location": "The gates are not locked and the upper terraces are dark and out of sight "
                        "of Monks Road.",
            "manager": "The council's parks team.",
            "guardian": "Nobody is on site once the park keeper leaves at dusk.",
            "when": "Friday and Saturday evenings, 20:00 to 00:30, in warm weather.",
        },
        "objectives": [
            "Reduce damage reports in the Arboretum by 60% over the next three months compared "
            "with the last two (baseline 16).",
        ],
        "tactics": [
            ("diversion", "offender",
             "Youth service to run detached youth work on Friday evenings and a pop-up activity "
             "session nearby."),
            ("situational", "location",
             "Council to lock the upper gates at dusk and repair the lighting on the terraces."),
        ],
        "actions": [
            {"title": "Environmental visual audit of the upper terraces after dark",
             "description": "Walk the park at dusk with the parks manager and record the "
                            "lighting, sightlines, gates and hiding places.",
             "tactic": ("environmental", "location"), "to": OFFICER_A, "due": -12,
             "steps": [
                 ("done", "Audit done at dusk with the parks manager: 9 of the 14 lamps on the "
                          "upper terraces out, neither upper gate can be locked, and a gap in the "
                          "railings on Monks Road. Report and photos sent to the parks team."),
             ]},
            {"title": "Youth service referrals for the young people identified in the park",
             "description": "Refer the young people spoken to in the park to the youth service's "
                            "Friday detached sessions and the pop-up activity nights.",
             "tactic": ("diversion", "offender"), "to": OFFICER_A, "due": 6,
             "steps": [
                 ("in_progress", "Five referrals made so far."),
                 ("note", "The youth service says three of the five have been to a Friday "
                          "session. Two more names from last weekend to refer."),
             ]},
            {"title": "PCSO door-knocking on Arboretum Avenue and Monks Road",
             "description": "Ask the residents who overlook the park what they see after dark, and "
                            "give them the neighbourhood team's direct number.",
             "tactic": ("engagement", "victim"), "to": POLICE_FORCE, "due": -1},
        ],
        "reviews": [
            ("needs_attention", "The door-knocking is overdue. The parks team have had the audit "
                                "report for two weeks: get a date for the gate locks and the "
                                "lighting repairs.", 14),
        ],
        "incidents": [
            {"days_ago": 27, "time": "22:40", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Arboretum Avenue, Lincoln", "lsoa": "E01026122",
             "description": "Youths throwing stones at windows of the houses backing onto the "
                            "Arboretum, then running back into the park.",
             "person": {"name": "Graham Ellerby", "date_of_birth": "1966-10-12",
                        "phone": "07700 900347", "address": "15 Arboretum Avenue, Lincoln",
                        "postcode": "LN2 5RL"},
             "role": "victim"},
            {"days_ago": 14, "time": "23:10", "category": "Criminal damage", "is_asb": False,
             "location": "The Arboretum, Monks Road, Lincoln", "lsoa": "E01026122",
             "description": "Litter bin set on fire by the bandstand and a bench kicked over; a "
                            "group seen leaving by the Lindum Road gate.",
             "person": {"name": "Olivia Rushworth", "date_of_birth": "1984-01-19",
                        "phone": "07700 900352", "address": "4 Lindum Terrace, Lincoln",
                        "postcode": "LN2 5RT"},
             "role": "reporter"},
        ],
    },
    {
        # Went to Assessment, back to Analysis when the problem moved, and forward again.
        "title": "Youths gathering and intimidating shoppers at the Laughton Way parade",
        "problem_type": "asb_youth",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Shopping parade, Laughton Way, Ermine, Lincoln",
        "latitude": 53.2538, "longitude": -0.5322,
        "description": "A group of young people gathering outside the shops in the evenings, "
                       "blocking doorways, swearing at shoppers and staff and throwing things at "
                       "passing cars.",
        "owner": OFFICER_A,
        "began_days_ago": 230,
        "stage": "assessment",
        "scanning": {
            "scan_source": "community_meeting",
            "scan_summary": "Raised at the Ermine PACT meeting and by shop staff. 31 ASB calls in "
                            "three months; the convenience store has reported two assaults on "
                            "staff.",
            "scan_baseline": "31 ASB calls in three months. Success: fewer than 12 calls a quarter "
                             "and shop staff say they feel safe at work.",
        },
        "analysis": {
            "victim": "Shop staff, especially on late shifts, and older residents using the shops "
                      "and the pharmacy.",
            "offender": "A group of about ten 13 to 16 year-olds from the estate; four are "
                        "involved in most incidents.",
            "location": "Benches and a covered walkway outside the shops, free wi-fi from the "
                        "takeaway, and no lighting behind the parade.",
            "handler": "Parents, and the two schools the young people attend.",
            "guardian": "Shop staff and the ward PCSO.",
            "manager": "Longwater Homes, which owns the parade and the flats above it.",
            "when": "16:00 to 21:00 on weekdays, later on Fridays.",
            "why": "There is little else for young people to do on the estate in the evenings.",
            "root_causes": "No youth provision on the estate, and a parade with sheltered spots "
                           "out of sight of the road.",
        },
        "objectives": [
            "Reduce ASB calls at the parade by 50% over three months (baseline 31).",
            "Shop staff report feeling safer in a follow-up survey at the end of the three "
            "months.",
        ],
        "tactics": [
            ("engagement", "offender",
             "Home visits with the parents of the four most involved young people; Acceptable "
             "Behaviour Contracts where appropriate."),
            ("diversion", "offender",
             "Youth service evening sessions at the community centre on Tuesdays and "
             "Thursdays."),
            ("situational", "location",
             "Longwater Homes to remove the benches and light the rear of the parade."),
        ],
        "actions": [
            {"title": "Remove the benches and light the rear of the parade",
             "tactic": ("situational", "location"), "to": HOUSING, "due": -30,
             "priority": "high",
             "steps": [
                 ("in_progress", "Benches removed; lighting contractor booked."),
                 ("note", "The contractor needs a second visit: the lights need a new supply run "
                          "from the landlord's cupboard."),
                 ("done", "Benches removed and four LED bulkhead lights fitted behind the parade "
                          "on a dusk-to-dawn sensor."),
             ]},
            {"title": "Tenancy warnings for the two households of young people most involved",
             "description": "Two of the four young people live with their families in the "
                            "Longwater Homes flats above the parade. Warn the tenants that "
                            "anti-social behaviour by their household breaches the tenancy.",
             "tactic": ("enforcement", "offender"), "to": HOUSING, "due": -24,
             "steps": [
                 ("done", "Warning letters served on both tenants and explained at a joint visit "
                          "with PC Whitfield."),
             ]},
            {"title": "Home visits to the parents of the four most involved young people",
             "tactic": ("engagement", "offender"), "to": OFFICER_A, "due": -28,
             "steps": [
                 ("done", "All four families visited with the school liaison officer. Three "
                          "Acceptable Behaviour Contracts signed; the fourth family declined and "
                          "the school is following it up."),
             ]},
            {"title": "Youth service referrals to the Tuesday and Thursday sessions",
             "tactic": ("diversion", "offender"), "to": OFFICER_B, "due": -21,
             "steps": [("done", "Eight referrals made; six of the group now go most weeks.")]},
        ],
        # Drafted in Assessment, before the supervisor sent the case back: the figures showed the
        # group had moved rather than stopped.
        "evaluation": {
            "measure": "ASB calls about the Laughton Way shopping parade",
            "before": (-200, -111, 31), "after": (-110, -21, 19),
            "comparison": ("The rest of the Ermine estate", 64, 61),
            "displacement": (("spatial", "temporal"),
                             "The group has moved to the recreation ground behind the parade and "
                             "the library car park: 11 calls there in the after period against 2 "
                             "before. No shift to other times."),
            "outcome": "displaced",
            "lessons": "Removing the benches and lighting the parade worked at the parade itself, "
                       "but nothing was done at the nearby open spaces the group could move to.",
            "tactics": [
                ("fully", "All four families visited; three contracts signed.", "partly"),
                ("fully", "Six of the group go to most sessions.", "effective"),
                ("fully", "Benches removed and four lights fitted.", "effective"),
            ],
            "objectives": ["partly_met", None],
        },
        "then": [
            {"back_to": "analysis", "by": SUPERVISOR,
             "reason": "Calls at the parade are down by 40%, but the group has moved to the "
                       "recreation ground and the library car park. Analyse the new locations "
                       "before changing the plan."},
            {"edit": {
                "analysis_where": "Now mainly the recreation ground behind the parade and the "
                                  "library car park on Laughton Way, as well as the parade.",
                "analysis_location": "The recreation ground and the library car park are unlit "
                                     "after 18:00 and cannot be seen from the houses; the parade "
                                     "itself is now lit and the benches have gone.",
            }},
            {"forward_to": "response"},
            {"tactic": ("situational", "location",
                        "Council to review lighting and sightlines at the recreation ground and "
                        "the library car park.")},
            {"objective": "Keep ASB calls across the parade, recreation ground and library car "
                          "park below 12 a quarter in total."},
        ],
        "people": [
            {"name": "Sunita Marlowgate", "role": "victim", "date_of_birth": "1985-03-11",
             "phone": "07700 900608", "address": "Flat 1, 88 Laughton Way, Lincoln",
             "postcode": "LN2 2HB", "vulnerabilities": ["hate_related", "repeat_victimisation"]},
        ],
        # Longwater Homes owns the parade and the flats above it.
        "shares": [(HOUSING, "view")],
        "incidents": [
            {"days_ago": 188, "time": "17:40", "category": "Hate incident", "is_asb": True,
             "location": "Laughton Way, Ermine, Lincoln", "lsoa": "E01026168",
             "description": "Youths shouted racist abuse at the caller outside her flat above "
                            "the parade and threw a drink at her window.",
             "person": "Sunita Marlowgate", "role": "victim"},
            {"days_ago": 132, "time": "19:15", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Shopping parade, Laughton Way, Lincoln",
             "lsoa": "E01026168",
             "description": "About ten youths on the benches outside the shops, swearing at "
                            "shoppers; the caller did not feel able to go down to the shop.",
             "person": "Sunita Marlowgate", "role": "victim"},
            {"days_ago": 47, "time": "20:30", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Recreation ground behind Laughton Way, Lincoln",
             "lsoa": "E01026168",
             "description": "Youths throwing stones at windows of the flats above the parade; "
                            "one hit the caller's bedroom window.",
             "person": "Sunita Marlowgate", "role": "victim"},
        ],
    },

    # ---- Assessment ----
    {
        "title": "Burglaries of student houses in the West Parade area",
        "problem_type": "burglary",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "West Parade, Carholme Road and the streets between, Lincoln",
        "latitude": 53.2335, "longitude": -0.5482,
        "description": "Burglaries of shared student houses, mostly through insecure ground-floor "
                       "windows and back doors; laptops and phones taken.",
        "owner": OFFICER_B,
        "began_days_ago": 26,
        "stage": "assessment",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "22 burglaries at student houses in the autumn term against 12 the "
                            "year before; 15 were through unlocked doors or open windows.",
            "scan_baseline": "22 burglaries in one term. Success: at least 30% fewer next term.",
        },
        "analysis": {
            "victim": "Students in shared houses, many living away from home for the first time, "
                      "who leave doors unlocked and windows open.",
            "offender": "Local adult offenders trying door handles at night; two are on licence "
                        "after burglary sentences.",
            "location": "Terraced houses with rear alleys and unlit back gates.",
            "handler": "The probation officers supervising the two offenders on licence.",
            "guardian": "Housemates, and the universities' community wardens.",
            "manager": "Landlords and letting agents, who are responsible for locks and lighting.",
            "when": "Overnight, 23:00 to 05:00, mostly at weekends and in the first weeks of "
                    "term.",
            "how": "Opportunist entry through unlocked doors and open windows; items near the door "
                   "are taken.",
            "root_causes": "Low security awareness among students and insecure rear access.",
        },
        "objectives": [
            "Reduce student house burglaries in the area by 30% next term compared with this term "
            "(baseline 22).",
            "Give crime prevention advice to every student house on the eight target streets in "
            "the first three weeks of term.",
        ],
        "tactics": [
            ("engagement", "victim",
             "Door-to-door crime prevention visits with the universities' community team in the "
             "first weeks of term."),
            ("situational", "location",
             "Landlords asked, through the council's HMO licensing team, to fit window "
             "restrictors, rear lighting and gate locks."),
            ("enforcement", "offender",
             "Probation to review licence conditions and curfews for the two offenders on "
             "licence; targeted overnight patrols."),
            ("support", "victim",
             "Property marking kits handed out at the freshers' fairs."),
        ],
        "actions": [
            {"title": "Exclusion zone and curfew conditions for the two burglars on licence",
             "description": "Apply to vary both licences: an exclusion zone covering West Parade, "
                            "Carholme Road and the streets between, and an electronically "
                            "monitored overnight curfew.",
             "tactic": ("enforcement", "offender"), "to": PROBATION, "due": -35,
             "priority": "high",
             "steps": [
                 ("in_progress", "Variation requests sent to the Public Protection Casework "
                                 "Section."),
                 ("note", "First variation approved; the second needs a fresh risk assessment, "
                          "booked for next week."),
                 ("done", "Both licences varied: an exclusion zone over the eight target streets "
                          "and a 21:00 to 07:00 curfew, electronically monitored."),
             ]},
            {"title": "Agree how curfew breach alerts reach the neighbourhood team",
             "description": "Breach alerts from the monitoring service go to probation. Agree how "
                            "the neighbourhood team hears about a breach within 24 hours.",
             "tactic": ("enforcement", "offender"), "to": PROBATION_OFFICER, "due": -3,
             "steps": [
                 ("in_progress", "Process drafted with the monitoring service."),
                 ("note", "Waiting for sign-off from our area manager before alerts can be passed "
                          "on."),
             ]},
            {"title": "Door-to-door crime prevention visits on the eight target streets",
             "tactic": ("engagement", "victim"), "to": OFFICER_B, "due": -40,
             "steps": [
                 ("done", "212 houses visited with the universities' community team in the first "
                          "three weeks of term: advice given in person at 164 and left in writing "
                          "at the rest."),
             ]},
            {"title": "Property marking event at the freshers' fairs",
             "tactic": ("support", "victim"), "to": POLICE_FORCE, "due": -45,
             "steps": [
                 ("done", "340 property marking kits handed out at the two universities' "
                          "freshers' fairs.", OFFICER_B),
             ]},
            {"title": "Targeted overnight patrols at weekends, 23:00 to 05:00",
             "tactic": ("enforcement", "offender"), "to": POLICE_FORCE, "due": -30,
             "steps": [
                 ("cancelled", "No overtime budget this term. The streets were added to the "
                               "night-time response tasking instead.", SUPERVISOR),
             ]},
        ],
        "people": [
            {"name": "Ellie Brambleworth", "role": "victim", "date_of_birth": "2004-10-19",
             "phone": "07700 900713", "address": "63 West Parade, Lincoln", "postcode": "LN1 1NW",
             "vulnerabilities": ["repeat_victimisation"]},
            {"name": "Wayne Gristlethorpe", "role": "offender", "date_of_birth": "1984-05-27",
             "phone": "07700 900726", "address": "17 Burton Road, Lincoln", "postcode": "LN1 3LB",
             "vulnerabilities": []},
        ],
        # Two prolific burglars on licence: probation reviews their conditions and curfews.
        "shares": [(PROBATION, "contribute")],
        "evaluation": {
            "measure": "Burglaries of student houses on the eight target streets",
            "before": (-240, -151, 22), "after": (-150, -61, 13),
            "comparison": ("Student houses in the Monks Road and Lindum area", 14, 15),
            "displacement": (("spatial", "target"),
                             "No rise in the streets around the target area, and two burglaries "
                             "of family homes inside it, as in the term before."),
            "outcome": "reduced",
            "lessons": "Visits in the first three weeks of term reached students before their "
                       "habits set. Landlords were slow to fit window restrictors without a "
                       "licensing condition behind the request; ask HMO licensing to make it one.",
            "case_study": {
                "title": "Burglaries of shared student houses at the start of term",
                "problem": "Burglaries of shared student houses in a city-centre area of terraced "
                           "streets nearly doubled in the autumn term: 22 against 12 the year "
                           "before. Most were opportunist entries at night through unlocked doors "
                           "or open ground-floor windows; laptops and phones were taken.",
                "analysis": "Many of the victims were students living away from home for the "
                            "first time, who left doors unlocked and windows open. The houses "
                            "have rear alleys and unlit back gates. Most burglaries were "
                            "overnight at weekends in the first weeks of term, and two local "
                            "adult offenders on licence after burglary sentences were thought "
                            "responsible for many. Landlords, who are responsible for locks and "
                            "lighting, had not been asked to act.",
                "response": "Officers and the universities' community team visited every student "
                            "house on the eight worst-affected streets in the first three weeks "
                            "of term, and property marking kits were handed out at the freshers' "
                            "fairs. The council's HMO licensing team asked landlords to fit "
                            "window restrictors, rear lighting and gate locks. Probation varied "
                            "the licences of the two offenders to add an exclusion zone and an "
                            "electronically monitored overnight curfew. Planned overnight patrols "
                            "were cancelled for lack of overtime.",
                "assessment": "Burglaries of student houses on the target streets fell from 22 "
                              "to 13 the next term (41%), while a comparable student area saw a "
                              "slight rise (14 to 15). No displacement to the surrounding streets "
                              "was found. Advice was given in person at 164 of 212 houses; "
                              "restrictors and lighting were fitted at 31 of 58.",
                "lessons": "Visits in the first three weeks of term reached students before their "
                           "habits set. Landlords were slow to act on a request alone: ask the "
                           "HMO licensing team to make window restrictors a licensing condition.",
            },
            "good_practice": "Student house burglaries fell by 41% (22 to 13) in a term, while "
                             "they rose slightly in a comparable student area, after door-to-door "
                             "crime prevention visits to 212 houses in the first weeks of term, "
                             "property marking at the freshers' fairs, and exclusion zones and "
                             "monitored curfews for the two prolific burglars on licence.",
            "tactics": [
                ("fully", "212 houses visited; advice given in person at 164.", "effective"),
                ("partly", "Restrictors and rear lighting fitted at 31 of 58 houses; several "
                           "landlords did not reply.", "partly"),
                ("partly", "Both licences varied. The overnight patrols were cancelled for lack "
                           "of overtime.", "effective"),
                ("fully", "340 kits handed out at the two freshers' fairs.", "unknown"),
            ],
            "objectives": ["met", "met"],
            "status": "submitted",
            # Demo data: submitted long enough ago to be flagged as awaiting sign-off.
            "submitted_days_ago": 18,
        },
    },
    {
        "title": "Anti-social behaviour around the play area in Central Park",
        "problem_type": "asb_youth",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Children's play area, Central Park, Boston",
        "latitude": 52.9803, "longitude": -0.0205,
        "description": "Older teenagers taking over the children's play area in the evenings, "
                       "damaging equipment, drinking and leaving broken glass.",
        "owner": OFFICER_A,
        "began_days_ago": 27,
        "stage": "assessment",
        "scanning": {
            "scan_source": "resident_complaint",
            "scan_summary": "Parents and park staff find broken glass in the play area most "
                            "mornings: 20 calls in three months, and a child cut by glass.",
            "scan_baseline": "20 calls and 12 glass clear-ups in three months. Success: no glass "
                             "found on morning checks, and calls halved.",
        },
        "analysis": {
            "victim": "Young children and their parents using the play area in the daytime.",
            "offender": "A changing group of 15 to 18 year-olds who drink in the park before "
                        "going into town.",
            "location": "The play area is fenced but never locked, and shrubs hide it from the "
                        "road.",
            "manager": "The borough council's parks team.",
            "when": "Friday and Saturday evenings from 19:00.",
            "root_causes": "An unlocked, screened play area, and alcohol bought for under-18s by "
                           "adults.",
        },
        "objectives": [
            "No glass found on the morning play-area checks for four weeks running.",
            "Halve ASB calls about the play area over three months (baseline 20).",
        ],
        "tactics": [
            ("environmental", "location",
             "Council to cut back the shrubs and lock the play-area gate at dusk."),
            ("enforcement", "offender",
             "Confiscate alcohol under the town centre Public Spaces Protection Order on Friday "
             "and Saturday evenings."),
            ("engagement", "offender",
             "Schools officer to talk to Year 10 and 11 students at the two nearest schools."),
        ],
        "actions": [
            {"title": "Alcohol confiscation patrols on Friday and Saturday evenings",
             "tactic": ("enforcement", "offender"), "to": POLICE_FORCE, "due": -14,
             "steps": [
                 ("done", "Six evenings patrolled under the Public Spaces Protection Order: 54 "
                          "containers confiscated and the names of 19 young people passed to the "
                          "schools officer."),
             ]},
            {"title": "Talks to Year 10 and 11 at the two nearest schools",
             "tactic": ("engagement", "offender"), "to": OFFICER_A, "due": 9, "priority": "low",
             "steps": [
                 ("in_progress", "First school done: assemblies for both year groups. The second "
                                 "school has offered a date after half term."),
             ]},
        ],
        "evaluation": {
            "measure": "ASB calls about the Central Park play area",
            "before": (-120, -31, 20), "after": (-30, -1, 7),
            "outcome": "resolved",
            "lessons": "Cutting back the shrubs made the play area visible from the road, and the "
                       "patrols found far fewer young people there afterwards.",
            "tactics": [
                ("fully", "Shrubs cut back; the gate is locked at dusk by the park staff.",
                 "effective"),
                ("fully", "Six evenings patrolled; 54 containers confiscated.", "effective"),
                ("partly", "One school of the two done so far.", "unknown"),
            ],
            "objectives": ["met", "met"],
            "status": "returned",
            "return_comments": "Not yet. The after period is one month against a three-month "
                               "before period, so the counts do not compare, and the morning "
                               "glass checks (the first objective) are not reported. Let the full "
                               "quarter run, add the park staff's check figures and a comparison "
                               "area, and look again at the outcome: 'reduced' may be fairer than "
                               "'resolved'.",
        },
        "incidents": [
            {"days_ago": 98, "time": "09:05", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Children's play area, Central Park, Boston",
             "lsoa": "E01026025",
             "description": "Broken glass and cans all over the play area after teenagers were "
                            "drinking there last night; the caller's child cut a hand.",
             "person": {"name": "Lauren Kirkstead", "date_of_birth": "1993-04-08",
                        "phone": "07700 900376", "address": "9 Carlton Road, Boston",
                        "postcode": "PE21 8LN"},
             "role": "victim"},
            {"days_ago": 19, "time": "20:50", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Children's play area, Central Park, Boston",
             "lsoa": "E01026025",
             "description": "Teenagers drinking on the climbing frame and throwing the swing "
                            "seats over the top bar.",
             "person": {"name": "Peter Wrangle", "date_of_birth": "1969-07-31",
                        "phone": "07700 900381", "address": "31 Norfolk Street, Boston",
                        "postcode": "PE21 6PP"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Fly-tipping at the garage blocks off Outer Circle Road",
        "problem_type": "fly_tipping",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Garage blocks off Outer Circle Road, Lincoln",
        "latitude": 53.2425, "longitude": -0.5165,
        "description": "Garage forecourts used as a dumping ground for household and trade waste, "
                       "including fridges and tyres.",
        "owner": OFFICER_B,
        "began_days_ago": 20,
        "stage": "assessment",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by the council: 26 fly-tips cleared from the forecourts in "
                            "three months. Two were trade waste, suggesting an unlicensed waste "
                            "carrier.",
            "scan_baseline": "26 fly-tips in three months, costing about £2,600 to clear. "
                             "Success: fewer than 8 in the next three months.",
        },
        "analysis": {
            "offender": "Some residents clearing houses, and at least one unlicensed 'man with a "
                        "van' advertising on social media.",
            "location": "Unlit forecourts out of sight of the houses, reached by a lane vans can "
                        "use at any time.",
            "manager": "The council's housing team, which owns the garages; several are empty.",
            "when": "Evenings and early mornings, peaking at month end when tenancies change.",
            "root_causes": "The cost of legal disposal, ignorance of the duty of care, and an "
                           "unsupervised site.",
        },
        "objectives": [
            "Fewer than 8 fly-tips at the garage blocks in three months (baseline 26).",
            "Identify, and take enforcement action against, any waste carrier responsible.",
        ],
        "tactics": [
            ("situational", "location",
             "Lockable barrier on the garage lane and a redeployable CCTV camera."),
            ("enforcement", "offender",
             "Council enforcement officers to search dumped waste for evidence and issue fixed "
             "penalty notices."),
            ("engagement", "offender",
             "Leaflets to residents about bulky waste collections and checking a waste carrier's "
             "licence."),
        ],
        "actions": [
            {"title": "Clear the forecourts and search the dumped waste for evidence",
             "tactic": ("environmental", "location"), "to": COUNCIL, "due": -20,
             "priority": "high",
             "steps": [
                 ("done", "Street scene cleared all six forecourts (4.2 tonnes). Enforcement "
                          "officers found paperwork in two loads, one linking the trade waste to "
                          "a man advertising house clearances online."),
             ]},
            {"title": "Interview the house-clearance waste carrier and serve a notice",
             "description": "Interview him under caution and serve a fixed penalty notice for the "
                            "duty of care offence, or a Community Protection Warning if the "
                            "evidence will not support one.",
             "tactic": ("enforcement", "offender"), "to": COUNCIL_OFFICER, "due": -5,
             "priority": "high",
             "steps": [
                 ("in_progress", "Letter sent inviting him to an interview under caution."),
                 ("note", "He did not come to the first interview. A second date is booked for "
                          "next Wednesday; if he misses it we will serve the notice by post."),
             ]},
            {"title": "Lockable barrier on the garage lane and a redeployable CCTV camera",
             "description": "Keys for the garage tenants; the camera to cover the two worst "
                            "forecourts.",
             "tactic": ("situational", "location"), "to": COUNCIL, "due": 14},
            {"title": "Leaflet the surrounding streets about bulky waste and waste carriers",
             "tactic": ("engagement", "offender"), "to": POLICE_FORCE, "due": -10,
             "steps": [
                 ("done", "PCSOs delivered 600 leaflets around the garage blocks, with the "
                          "council's bulky waste prices and how to check a carrier's licence.",
                  OFFICER_B),
             ]},
        ],
        # The council owns the garages and does the waste enforcement.
        "shares": [(COUNCIL, "contribute")],
        # Started, but the barrier is not in yet, so there are no 'after' figures.
        "evaluation": {
            "measure": "Fly-tips cleared from the garage forecourts by the council",
            "before": (-110, -21, 26),
            "tactics": [
                ("not", "Barrier and camera due in two weeks.", "unknown"),
                ("partly", "Evidence found in two loads; the interview is still to be held.",
                 "unknown"),
                ("fully", "600 leaflets delivered by PCSOs.", "unknown"),
            ],
        },
    },
    {
        "title": "Aggressive begging at cash machines on the lower High Street",
        "problem_type": "asb_street_drinking",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "High Street between the Stonebow and the level crossing, Lincoln",
        "latitude": 53.2268, "longitude": -0.5403,
        "description": "People begging at cash machines and shop doorways, some following "
                       "shoppers and asking for money aggressively.",
        "owner": OFFICER_A,
        "began_days_ago": 25,
        "stage": "assessment",
        "scanning": {
            "scan_source": "councillor_mp",
            "scan_summary": "A ward councillor passed on traders' complaints: 24 reports in two "
                            "months, most at three cash machines.",
            "scan_baseline": "24 reports in two months. Success: reports halved, and everyone "
                             "begging offered support.",
        },
        "analysis": {
            "victim": "People using the cash machines, particularly older people and women on "
                      "their own.",
            "offender": "Five regular individuals: three sleeping rough and two housed but "
                        "begging to pay for drugs.",
            "location": "Cash machines set into shop fronts with no staff nearby.",
            "handler": "The council's rough sleeping outreach team, and probation for one of the "
                       "five.",
            "why": "Begging pays for drug use; some of the five are not engaged with support.",
            "root_causes": "Addiction and homelessness, and a reliable income from busy cash "
                           "machines.",
        },
        "objectives": [
            "Offer every person begging a support assessment within four weeks.",
            "Halve begging reports on the lower High Street over three months (baseline 24).",
        ],
        "tactics": [
            ("support", "offender",
             "Joint outreach patrols with the rough sleeping team, offering accommodation and "
             "treatment referrals."),
            ("enforcement", "offender",
             "Community Protection Warnings, then Notices, for anyone who refuses support and "
             "keeps begging aggressively."),
            ("engagement", "victim",
             "Alternative giving campaign with traders, pointing donations to local homelessness "
             "charities."),
        ],
        "actions": [
            {"title": "Address the begging in supervision for the man on probation",
             "description": "Raise it at his supervision appointments, refer him for drug "
                            "treatment and consider asking the court for a further requirement.",
             "tactic": ("support", "offender"), "to": PROBATION, "due": 5,
             "steps": [
                 ("in_progress", "Discussed at supervision; referral made to the drug and alcohol "
                                 "service."),
                 ("note", "He went to his first assessment with the treatment service, but was "
                          "seen begging by the Stonebow again on Saturday."),
             ]},
            {"title": "Community Protection Warning for the man who refused support",
             "tactic": ("enforcement", "offender"), "to": OFFICER_A, "due": -8,
             "steps": [
                 ("done", "Warning served after he refused outreach support a third time. No "
                          "reports about him in the three weeks since."),
             ]},
        ],
        "people": [
            {"name": "Iris Pemberwick", "role": "victim", "date_of_birth": "1938-12-01",
             "phone": "07700 900804", "address": "8 Sincil Bank, Lincoln", "postcode": "LN5 7SF",
             "vulnerabilities": ["age", "isolation"]},
            {"name": "Kieran Dustby", "role": "offender", "date_of_birth": "1993-02-14",
             "phone": None, "address": None, "postcode": None,  # sleeping rough
             "vulnerabilities": ["mental_health"]},
        ],
        # One of the five is supervised by probation.
        "shares": [(PROBATION, "view")],
        "incidents": [
            {"days_ago": 63, "time": "11:10", "category": "Begging", "is_asb": True,
             "location": "Cash machine, High Street, Lincoln", "lsoa": "E01026176",
             "description": "A man followed the caller from the cash machine asking for money "
                            "and would not leave her alone until a shop worker came out.",
             "person": "Iris Pemberwick", "role": "victim"},
            {"days_ago": 36, "time": "14:25", "category": "Begging", "is_asb": True,
             "location": "Cash machine by the level crossing, High Street, Lincoln",
             "lsoa": "E01026176",
             "description": "Asked for money aggressively at the cash machine; the caller left "
                            "without her cash and is now afraid to go into town alone.",
             "person": "Iris Pemberwick", "role": "victim"},
        ],
    },

    # ---- Closed ----
    {
        "title": "Street drinking in the Stonebow and on Guildhall Street",
        "problem_type": "asb_street_drinking",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "The Stonebow and Guildhall Street, Lincoln",
        "latitude": 53.2297, "longitude": -0.5397,
        "description": "Groups drinking in the Stonebow archway and on nearby benches, with "
                       "shouting, litter and occasional fights.",
        "owner": OFFICER_A,
        "began_days_ago": 330, "ended_days_ago": 60,
        "stage": "assessment",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "37 street-drinking incidents in three months, clustered around the "
                            "archway benches in the afternoons.",
            "scan_baseline": "37 incidents in three months. Success: fewer than 15 a quarter.",
        },
        "analysis": {
            "offender": "Around a dozen dependent drinkers, most housed locally in supported "
                        "accommodation.",
            "location": "Sheltered benches under the archway, close to two off-licences.",
            "handler": "Support workers at the supported accommodation.",
            "root_causes": "Alcohol dependency and a comfortable, sheltered place to drink.",
        },
        "objectives": [
            "Fewer than 15 street-drinking incidents at the Stonebow a quarter (baseline 37).",
        ],
        "tactics": [
            ("enforcement", "offender",
             "Confiscate alcohol under the city centre Public Spaces Protection Order."),
            ("support", "offender",
             "Refer dependent drinkers to the local alcohol treatment service."),
            ("situational", "location",
             "Council to remove the two benches under the archway."),
        ],
        "actions": [
            {"title": "Remove the two benches under the Stonebow archway",
             "tactic": ("situational", "location"), "to": COUNCIL, "due": -60,
             "steps": [
                 ("done", "Both benches removed and the fixings made good; planters put in their "
                          "place."),
             ]},
            {"title": "Referrals to the alcohol treatment service",
             "tactic": ("support", "offender"), "to": OFFICER_A, "due": -55,
             "steps": [
                 ("done", "Nine of the group referred with their supported-housing workers; four "
                          "entered treatment."),
             ]},
        ],
        "evaluation": {
            "measure": "Street-drinking incidents recorded within 100 metres of the Stonebow "
                       "archway",
            "before": (-183, -92, 37), "after": (-91, -1, 11),
            "comparison": ("The rest of the city centre beat: Cornhill, Sincil Street and the "
                           "High Street south of the river", 41, 38),
            "displacement": (("spatial", "temporal"),
                             "Checked Cornhill, St Swithin's Square and the Brayford waterfront: "
                             "4 incidents before and 6 after, two involving members of the "
                             "group. No move to the evenings."),
            "outcome": "reduced",
            "lessons": "Removing the benches did more than enforcement alone: without somewhere "
                       "sheltered to sit, the group stopped settling there. Referrals worked when "
                       "they were made with the supported-housing workers present; cold referrals "
                       "were not taken up. Agree street furniture changes with the council's city "
                       "centre manager early, as they need a delegated decision.",
            "case_study": {
                "title": "Street drinking in a sheltered city-centre archway",
                "problem": "Groups of dependent drinkers gathered under a city-centre archway "
                           "and on the benches nearby in the afternoons, with shouting, litter "
                           "and occasional fights: 37 incidents in three months.",
                "analysis": "Around a dozen dependent drinkers, most living in local supported "
                            "accommodation, used sheltered benches under the archway, close to "
                            "two off-licences. Support workers at the accommodation were in "
                            "touch with most of them. The root causes were alcohol dependency "
                            "and a comfortable, sheltered place to drink.",
                "response": "Officers confiscated alcohol under the city centre Public Spaces "
                            "Protection Order. Nine of the group were referred to the alcohol "
                            "treatment service with their supported-housing workers present. The "
                            "council removed the two sheltered benches the group used.",
                "assessment": "Incidents fell from 37 to 11 a quarter, against a 7% fall in the "
                              "rest of the city centre. Four of the nine people referred entered "
                              "treatment. Checks of the nearby squares and the waterfront found "
                              "little displacement (4 incidents before, 6 after) and no move to "
                              "the evenings.",
                "lessons": "Removing the benches did more than enforcement alone: without "
                           "somewhere sheltered to sit, the group stopped settling there. "
                           "Referrals worked when they were made with support workers present; "
                           "cold referrals were not taken up. Agree changes to street furniture "
                           "with the council early, as they need a delegated decision.",
            },
            "good_practice": "A city-centre street-drinking hotspot fell from 37 to 11 incidents a "
                             "quarter, against a 7% fall in the rest of the city centre, by "
                             "combining alcohol confiscation under the Public Spaces Protection "
                             "Order, referrals to treatment made alongside supported-housing "
                             "workers, and the council removing the sheltered benches the group "
                             "used. Four of the nine people referred entered treatment, and "
                             "little displacement was found.",
            "tactics": [
                ("fully", "Alcohol confiscated on 41 occasions; the group moved on each time.",
                 "partly"),
                ("fully", "Nine referred with their support workers; four entered treatment.",
                 "effective"),
                ("fully", "Both benches removed in the second week.", "effective"),
            ],
            "objectives": ["met"],
            "status": "approved",
            "approval_comments": "A clear result, well evidenced. Share it with the Boston team "
                                 "for St Botolph's.",
        },
        "then": [
            {"close": "reduced", "by": SUPERVISOR,
             "note": "Incidents fell from 37 to 11 in the quarter after the response, and four of "
                     "the group entered treatment. Handed back to routine patrol."},
        ],
        "shares": [(COUNCIL, "view")],
        "incidents": [
            {"days_ago": 160, "time": "15:45", "category": "Street drinking", "is_asb": True,
             "location": "The Stonebow, Lincoln", "lsoa": "E01026122",
             "description": "Group drinking under the Stonebow arch, shouting at passers-by and "
                            "blocking the caller's shop doorway.",
             "person": {"name": "Deborah Quarmby", "date_of_birth": "1975-11-03",
                        "phone": "07700 900395", "address": "18 Steep Hill, Lincoln",
                        "postcode": "LN2 1LT"},
             "role": "reporter"},
            {"days_ago": 70, "time": "12:30", "category": "Street drinking", "is_asb": True,
             "location": "Guildhall Street, Lincoln", "lsoa": "E01026122",
             "description": "Two men drinking cider on the benches and asking shoppers for "
                            "money.",
             "person": {"name": "Leonard Pashley", "date_of_birth": "1950-02-22",
                        "phone": "07700 900423", "address": "2 Saltergate, Lincoln",
                        "postcode": "LN2 1DH"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Off-road bikes on West Common",
        "problem_type": "nuisance_vehicles",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "West Common, Carholme Road, Lincoln",
        "latitude": 53.2385, "longitude": -0.5595,
        "description": "Off-road motorbikes ridden across the common, damaging the turf and "
                       "frightening walkers and grazing livestock.",
        "owner": OFFICER_B,
        "began_days_ago": 300, "ended_days_ago": 75,
        "stage": "assessment",
        "scanning": {
            "scan_source": "resident_complaint",
            "scan_summary": "22 calls in two months, mostly on weekend afternoons.",
            "scan_baseline": "22 calls in two months. Success: fewer than 5 calls in the next two "
                             "months.",
        },
        "analysis": {
            "offender": "Two riders identified from video posted online.",
            "location": "Unfenced access from the Carholme Road side of the common.",
            "manager": "The council, with the common's freemen and graziers.",
            "when": "Saturday and Sunday afternoons.",
        },
        "objectives": [
            "Fewer than 5 calls about off-road bikes on West Common in two months (baseline 22).",
        ],
        "tactics": [
            ("enforcement", "offender",
             "Section 59 warnings for both identified riders; one bike seized on a second "
             "offence."),
            ("situational", "location",
             "Council to fit motorcycle barriers at the Carholme Road entrances."),
        ],
        "actions": [
            {"title": "Fit motorcycle barriers at the Carholme Road entrances",
             "tactic": ("situational", "location"), "to": COUNCIL, "due": -70,
             "steps": [
                 ("note", "Barriers ordered; the freemen and the graziers have agreed where they "
                          "go."),
                 ("done", "K-frame barriers fitted at both Carholme Road entrances, wide enough "
                          "for pushchairs and mobility scooters."),
             ]},
        ],
        "evaluation": {
            "measure": "Calls about off-road bikes on West Common",
            "before": (-130, -71, 22), "after": (-70, -11, 2),
            "comparison": ("Hartsholme Country Park and Boultham Park", 9, 8),
            "displacement": (("spatial", "temporal"),
                             "Checked Hartsholme, Skellingthorpe Road and the Fossdyke towpath: "
                             "no rise in calls about off-road bikes, and none on weekday "
                             "evenings."),
            "diffusion": True,
            "outcome": "resolved",
            "lessons": "The riders posted videos of themselves online, which identified them "
                       "faster than patrols could. Agreeing the barrier positions with the "
                       "freemen and graziers first avoided objections, and K-frames kept the "
                       "common open to pushchairs and mobility scooters.",
            "case_study": {
                "title": "Off-road bikes on an open common",
                "problem": "Off-road motorbikes were ridden across an open common on the edge of "
                           "the city, damaging the turf and frightening walkers and grazing "
                           "livestock: 22 calls in two months, mostly on weekend afternoons.",
                "analysis": "Two riders were responsible, and both were identified from videos "
                            "they had posted online. They reached the common through unfenced "
                            "access from the main road. The council manages the common with its "
                            "freemen and graziers, whose agreement any barrier needed.",
                "response": "Both riders were given Section 59 warnings, and one bike was seized "
                            "on a second offence. The council fitted K-frame barriers at the road "
                            "entrances, agreed in advance with the commoners and wide enough for "
                            "pushchairs and mobility scooters.",
                "assessment": "Calls fell from 22 to 2 in two months, while calls about two "
                              "comparison parks barely changed (9 to 8). Checks of nearby parks "
                              "and a towpath found no displacement, and calls about the towpath "
                              "fell too: a diffusion of benefits.",
                "lessons": "The riders' own videos identified them faster than patrols could. "
                           "Agreeing the barrier positions with the commoners first avoided "
                           "objections, and K-frame barriers kept the common open to pushchairs "
                           "and mobility scooters.",
            },
            "good_practice": "Calls about off-road bikes on an open common fell from 22 to 2 in "
                             "two months. Two riders identified from videos they had posted "
                             "online were given Section 59 warnings, one bike was later seized, "
                             "and the council fitted K-frame barriers at the entrances, agreed in "
                             "advance with the commoners. Calls on the nearby towpath fell too.",
            "tactics": [
                ("fully", "Both riders warned; one bike seized on a second offence.",
                 "effective"),
                ("fully", "K-frame barriers at both Carholme Road entrances.", "effective"),
            ],
            "objectives": ["met"],
            "status": "approved",
        },
        "then": [
            {"close": "resolved",
             "note": "Two calls in the two months after the barriers went in, none since the bike "
                     "was seized."},
        ],
        "people": [
            {"name": "Colin Fernleigh", "role": "reporter", "date_of_birth": "1958-06-09",
             "phone": "07700 900911", "address": "140 Carholme Road, Lincoln",
             "postcode": "LN1 1RT", "vulnerabilities": []},
        ],
        # The council manages the common and fitted the barriers.
        "shares": [(COUNCIL, "contribute")],
        "incidents": [
            {"days_ago": 118, "time": "14:40", "category": "Vehicle nuisance", "is_asb": True,
             "location": "West Common, Carholme Road, Lincoln", "lsoa": "E01026147",
             "description": "Off-road bikes on the common: three riders cutting across the "
                            "grandstand end at speed, close to walkers.",
             "person": "Colin Fernleigh", "role": "reporter"},
            {"days_ago": 83, "time": "15:20", "category": "Vehicle nuisance", "is_asb": True,
             "location": "West Common, Carholme Road, Lincoln", "lsoa": "E01026147",
             "description": "Off-road bikes on the common again; the caller's dog was nearly "
                            "hit and the grazing cattle scattered.",
             "person": "Colin Fernleigh", "role": "reporter"},
        ],
    },
    {
        "title": "Cuckooing and drug dealing from a flat on Rasen Lane",
        "problem_type": "asb_drugs",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Rasen Lane, Ermine, Lincoln",
        "latitude": 53.2470, "longitude": -0.5420,
        "description": "A vulnerable tenant's flat taken over by dealers, with constant visitors "
                       "and intimidation of neighbours.",
        "owner": OFFICER_B,
        "began_days_ago": 520, "ended_days_ago": 95,
        "review_cadence_days": 14,
        "stage": "assessment",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by the tenant's support worker; 15 intelligence reports in "
                            "six weeks.",
            "scan_baseline": "15 intelligence reports and 8 ASB calls in six weeks. Success: "
                             "dealing stopped and the tenant safe.",
        },
        "analysis": {
            "victim": "The tenant, an adult with mental health needs, and the neighbours in the "
                      "block.",
            "offender": "A county-lines group from outside the force area.",
            "location": "A ground-floor flat with its own entrance away from the road.",
            "guardian": "The tenant's support worker.",
            "root_causes": "Exploitation of the tenant's vulnerability.",
        },
        "objectives": [
            "Stop the dealing within six weeks.",
            "Move the tenant somewhere safe, with support, within eight weeks.",
        ],
        "tactics": [
            ("enforcement", "offender",
             "Misuse of Drugs Act warrant and a three-month closure order on the flat."),
            ("support", "victim",
             "Safeguarding referral and a managed move for the tenant with the housing "
             "provider."),
        ],
        "actions": [
            {"title": "Managed move for the tenant",
             "tactic": ("support", "victim"), "to": HOUSING_OFFICER, "due": -50,
             "priority": "urgent",
             "steps": [
                 ("in_progress", "A suitable flat found away from the area; the support worker "
                                 "is arranging the move."),
                 ("done", "Tenant moved to a flat on the other side of the city, with floating "
                          "support in place."),
             ]},
        ],
        "evaluation": {
            "measure": "Intelligence reports and ASB calls about the address",
            "before": (-126, -85, 23), "after": (-84, -1, 0),
            "comparison": ("Drug-related intelligence on the rest of the Ermine estate", 31, 27),
            "displacement": (("spatial", "perpetrator"),
                             "Watched for the group setting up at another address on the estate: "
                             "one report, not substantiated. Nobody else has taken over the "
                             "flat."),
            "outcome": "resolved",
            "lessons": "Moving the tenant quickly mattered as much as the warrant: exploited "
                       "tenants are often targeted again at a new address unless support goes "
                       "with them. The closure order kept the group away while the flat was "
                       "re-let.",
            "case_study": {
                "title": "Closing down a cuckooed flat and moving the tenant to safety",
                "problem": "A vulnerable tenant's flat on a city estate was taken over by "
                           "dealers, with constant visitors and intimidation of the neighbours. "
                           "The tenant's support worker referred it; there were 15 intelligence "
                           "reports and 8 ASB calls in six weeks.",
                "analysis": "The tenant, an adult with mental health needs, was being exploited "
                            "by a county-lines group from outside the force area. The "
                            "ground-floor flat had its own entrance away from the road, which "
                            "hid the visitors. The tenant's support worker was the only "
                            "guardian.",
                "response": "A Misuse of Drugs Act warrant was executed in the third week, with "
                            "two arrests, and a three-month closure order was granted on the "
                            "flat. A safeguarding referral and a managed move by the housing "
                            "provider took the tenant to a flat elsewhere in the city within "
                            "seven weeks, with floating support.",
                "assessment": "There were no intelligence or ASB reports about the address in "
                              "the twelve weeks after the closure, against 23 in the six weeks "
                              "before. One report that the group had set up elsewhere on the "
                              "estate was not substantiated, and nobody has taken over the flat.",
                "lessons": "Moving the tenant quickly mattered as much as the warrant: exploited "
                           "tenants are often targeted again at a new address unless support "
                           "goes with them. The closure order kept the group away while the flat "
                           "was re-let.",
            },
            "good_practice": "A cuckooed flat was closed down within six weeks. A drugs warrant "
                             "and a three-month closure order removed the dealers, while a "
                             "safeguarding referral and a managed move with the housing provider "
                             "took the vulnerable tenant somewhere safe, with floating support. "
                             "No intelligence or ASB reports about the address in the twelve "
                             "weeks since, against 23 in the six weeks before.",
            "tactics": [
                ("fully", "Warrant in week three: two arrests. Closure order granted.",
                 "effective"),
                ("fully", "Tenant moved within seven weeks, with floating support.", "effective"),
            ],
            "objectives": ["met", "met"],
            "status": "approved",
            "approval_comments": "Approved. Good joint work with Longwater Homes.",
        },
        "then": [
            {"close": "resolved", "by": SUPERVISOR,
             "note": "Two arrests at the warrant, closure order granted, tenant rehoused with "
                     "support. No reports about the address in the twelve weeks since."},
        ],
        "people": [
            {"name": "Gary Millstream", "role": "victim", "date_of_birth": "1982-01-25",
             "phone": "07700 900953", "address": "Flat 1, 70 Rasen Lane, Lincoln",
             "postcode": "LN1 3HD", "vulnerabilities": ["mental_health", "repeat_victimisation"]},
            {"name": "Beryl Cottingwood", "role": "witness", "date_of_birth": "1947-09-03",
             "phone": "07700 900964", "address": "Flat 3, 70 Rasen Lane, Lincoln",
             "postcode": "LN1 3HD", "vulnerabilities": ["age", "isolation"]},
        ],
        # Sensitive: shared only with the housing officer who arranged the managed move.
        "shares": [(HOUSING_OFFICER, "view")],
        "personal_details_shared": True,
        "incidents": [
            {"days_ago": 112, "time": "16:40", "category": "Drug dealing", "is_asb": True,
             "location": "Rasen Lane, Lincoln", "lsoa": "E01026151",
             "description": "Drug dealing seen from window: young men taking turns to go into "
                            "the flat opposite, and cash changing hands on the doorstep.",
             "person": "Beryl Cottingwood", "role": "reporter"},
            {"days_ago": 101, "time": "23:20", "category": "Intimidation", "is_asb": True,
             "location": "Rasen Lane, Lincoln", "lsoa": "E01026151",
             "description": "The caller says people he let stay in his flat will not leave and "
                            "have taken his bank card; he is frightened of them.",
             "person": "Gary Millstream", "role": "victim"},
        ],
    },
    {
        # Closed, then reopened when the problem came back: shows the full history.
        "title": "Youths gathering at the Market Place bus stops",
        "problem_type": "asb_youth",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Bus stops on the Market Place, Boston",
        "latitude": 52.9778, "longitude": -0.0246,
        "description": "Groups of young people gathering at the bus stops in the evenings, "
                       "harassing passengers and drivers and damaging the shelters.",
        "owner": OFFICER_A,
        "began_days_ago": 540, "ended_days_ago": 2,
        "stage": "assessment",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by the bus operator after three drivers were abused; 26 ASB "
                            "calls in three months.",
            "scan_baseline": "26 ASB calls in three months. Success: fewer than 10 a quarter.",
        },
        "analysis": {
            "victim": "Bus passengers, particularly older people, and the drivers.",
            "offender": "A group of 14 to 17 year-olds who meet there because it is warm, lit and "
                        "central.",
            "location": "Covered shelters in the middle of town with little else open in the "
                        "evening.",
            "when": "Weekday evenings, 18:00 to 22:00, worst in spring and summer.",
            "root_causes": "Nowhere else for young people to meet in the town centre.",
        },
        "objectives": [
            "Fewer than 10 ASB calls about the bus stops a quarter (baseline 26).",
        ],
        "tactics": [
            ("engagement", "offender",
             "Joint patrols with the youth service to get to know the group and its leaders."),
            ("diversion", "offender",
             "Evening sessions at the youth centre, promoted to the group directly."),
        ],
        # Approved, but not good practice: the fall did not last into the spring.
        "evaluation": {
            "measure": "ASB calls about the Market Place bus stops",
            "before": (-230, -141, 26), "after": (-140, -51, 8),
            "comparison": ("The rest of Boston town centre", 61, 55),
            "displacement": (("spatial",),
                             "A few of the group began meeting at the Central Park skate ramp: "
                             "calls there rose from 3 to 5."),
            "outcome": "reduced",
            "lessons": "The fall came in autumn and winter, when fewer young people are out in the "
                       "evenings anyway, and the rest of the town centre fell a little too. Start "
                       "the patrols and the youth sessions again before the lighter evenings, not "
                       "after the calls rise.",
            "tactics": [
                ("fully", "Joint patrols twice a week for ten weeks.", "partly"),
                ("partly", "Sessions ran two evenings a week instead of three; about half the "
                           "group went.", "effective"),
            ],
            "objectives": ["met"],
            "status": "approved",
            "approval_comments": "Approved. Agree with the lessons: put a review in the diary for "
                                 "February.",
        },
        "then": [
            {"close": "reduced",
             "note": "Calls fell from 26 to 8 in the quarter after the response."},
            {"reopen": "Calls have risen again with the lighter evenings: 14 in the last month, "
                       "close to the original level.", "by": SUPERVISOR},
            {"back_to": "response",
             "reason": "The analysis still holds; the response needs repeating for the summer, "
                       "with more at the location."},
            {"tactic": ("situational", "location",
                        "Ask the bus operator and the council for CCTV at the shelters and for "
                        "the shelter lighting to be dimmed after the last bus.")},
        ],
        "people": [
            {"name": "Kathleen Greenhallow", "role": "reporter", "date_of_birth": "1951-05-16",
             "phone": "07700 900987", "address": "19 Wide Bargate, Boston",
             "postcode": "PE21 6RX", "vulnerabilities": ["age"]},
        ],
        "incidents": [
            {"days_ago": 205, "time": "19:20", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Bus shelters, Market Place, Boston",
             "lsoa": "E01026036",
             "description": "Teenagers in the bus shelter swearing at passengers; the caller "
                            "was pushed as she got off the bus.",
             "person": "Kathleen Greenhallow", "role": "reporter"},
            {"days_ago": 27, "time": "20:05", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Bus shelters, Market Place, Boston",
             "lsoa": "E01026036",
             "description": "Youths back at the shelters in the evening, kicking the glass and "
                            "shouting at the caller and other passengers.",
             "person": "Kathleen Greenhallow", "role": "reporter"},
            {"days_ago": 15, "time": "21:15", "category": "Rowdy or inconsiderate behaviour",
             "is_asb": True, "location": "Bus stop, Market Place, Boston",
             "lsoa": "E01026036",
             "description": "Bus driver abused and spat at by youths at the stop; a shelter "
                            "panel cracked.",
             "person": {"name": "Stephen Alderholt", "date_of_birth": "1979-09-16",
                        "phone": "07700 900438", "address": "48 Sleaford Road, Boston",
                        "postcode": "PE21 8EG"},
             "role": "victim"},
            {"days_ago": 10, "time": "18:40", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Bus shelters, Market Place, Boston",
             "lsoa": "E01026036",
             "description": "About a dozen young people blocking the shelter; the caller let "
                            "her bus go rather than walk through the group.",
             "person": "Kathleen Greenhallow", "role": "reporter"},
        ],
    },
    {
        "title": "Damage and anti-social behaviour on the top deck of the Lucy Tower Street car "
                 "park",
        "problem_type": "vandalism",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Lucy Tower Street multi-storey car park, Lincoln",
        "latitude": 53.2289, "longitude": -0.5458,
        "description": "Young people gathering on the top deck and in the stairwells in the "
                       "evenings: cars damaged, fires lit in the stairwells, and drivers and "
                       "parking staff abused.",
        "owner": OFFICER_A,
        "began_days_ago": 450, "ended_days_ago": 120,
        "stage": "assessment",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "28 ASB and criminal damage reports in three months, 19 of them on "
                            "the top deck after 19:00. Parking staff have been threatened twice.",
            "scan_baseline": "28 reports and 9 damaged vehicles in three months. Success: fewer "
                             "than 10 reports a quarter and no damage to parked vehicles.",
        },
        "analysis": {
            "victim": "Drivers parking in the evening, mostly cinema and restaurant customers, and "
                      "the council's parking staff.",
            "offender": "A group of about twelve 15 to 17 year-olds who meet there because it is "
                        "dry, lit and has a view over the city; three are involved in the damage.",
            "location": "The top deck is empty after 18:00, the pedestrian doors do not lock and "
                        "the stairwells have no CCTV.",
            "manager": "The council's parking services team.",
            "when": "Friday and Saturday evenings, 19:00 to 23:00.",
            "root_causes": "An empty, unsupervised space with open access, and nowhere else "
                           "nearby for the group to meet.",
        },
        "objectives": [
            "Fewer than 10 ASB and damage reports at the car park a quarter (baseline 28).",
            "No damage to parked vehicles for three months.",
        ],
        "tactics": [
            ("situational", "location",
             "Council to close the top deck from 19:00 with a barrier and fit CCTV in the "
             "stairwells."),
            ("diversion", "offender",
             "Youth service detached workers to meet the group and introduce them to the Friday "
             "session at the YMCA."),
            ("enforcement", "offender",
             "Community Protection Warnings for the three young people causing damage, served "
             "with their parents present."),
        ],
        "actions": [
            {"title": "Close the top deck from 19:00 and fit CCTV in the stairwells",
             "tactic": ("situational", "location"), "to": COUNCIL, "due": -75,
             "priority": "high",
             "steps": [
                 ("in_progress", "Barrier ordered. Until it arrives the evening attendant cones "
                                 "off the top-deck ramp at 19:00."),
                 ("done", "Barrier fitted at the top-deck ramp, closed from 19:00, and two "
                          "cameras in the stairwells recording to the council's control room."),
             ]},
        ],
        "evaluation": {
            "measure": "ASB and criminal damage reports at the car park, police and council "
                       "records combined with duplicates removed",
            "before": (-180, -91, 28), "after": (-90, -1, 9),
            "comparison": ("The other council car parks in the city centre: Broadgate, "
                           "Flaxengate and Tentercroft Street", 17, 19),
            "displacement": (("spatial",),
                             "Checked the Brayford waterfront and the shopping centre car park: "
                             "no rise in reports. Five of the group now go to the YMCA session."),
            "outcome": "reduced",
            "lessons": "Closing the top deck in the evening cost the council almost nothing, as "
                       "few cars park up there at night: check the usage figures before assuming "
                       "a closure is unaffordable. Serving the warnings with parents present took "
                       "longer to arrange but none of the three has been involved since.",
            "case_study": {
                "title": "Closing the top deck of a multi-storey car park in the evenings",
                "problem": "Young people gathered on the top deck and in the stairwells of a "
                           "city-centre multi-storey car park in the evenings: cars were damaged, "
                           "fires lit in the stairwells, and drivers and parking staff abused. "
                           "There were 28 reports in three months, 19 of them on the top deck "
                           "after 19:00.",
                "analysis": "A group of about twelve 15 to 17 year-olds met there because it was "
                            "dry, lit and had a view over the city; three of them caused the "
                            "damage. The top deck was empty after 18:00, the pedestrian doors did "
                            "not lock and the stairwells had no CCTV. The victims were evening "
                            "drivers, mostly cinema and restaurant customers, and the parking "
                            "staff.",
                "response": "The council closed the top deck from 19:00 with a barrier (coned off "
                            "until it arrived) and fitted cameras in the stairwells. Detached "
                            "youth workers met the group and offered them a Friday session "
                            "elsewhere. Community Protection Warnings were served on the three "
                            "young people causing the damage, with their parents present.",
                "assessment": "Reports fell from 28 to 9 a quarter, while the other council car "
                              "parks in the city centre rose slightly (17 to 19). No rise was "
                              "found at two nearby car parks and the waterfront. Five of the "
                              "group now go to the youth session, and none of the three warned "
                              "has been involved since.",
                "lessons": "Closing the top deck in the evening cost the council almost nothing, "
                           "as few cars park there at night: check the usage figures before "
                           "assuming a closure is unaffordable. Serving the warnings with parents "
                           "present took longer to arrange, and worked.",
            },
            "good_practice": "ASB and damage at a city-centre multi-storey car park fell from 28 "
                             "to 9 reports a quarter, while the other council car parks rose "
                             "slightly, after the council closed the top deck from 19:00 and put "
                             "cameras in the stairwells, youth workers offered the group "
                             "somewhere else to go, and Community Protection Warnings were served "
                             "on the three young people causing damage, with their parents "
                             "present.",
            "tactics": [
                ("fully", "Barrier in the fourth week, coned off until then; cameras working.",
                 "effective"),
                ("partly", "Detached workers met the group four times; five now go on Fridays.",
                 "partly"),
                ("fully", "Three warnings served; no further damage by any of the three.",
                 "effective"),
            ],
            "objectives": ["met", "partly_met"],
            "status": "approved",
        },
        "then": [
            {"close": "reduced", "by": SUPERVISOR,
             "note": "Reports fell from 28 to 9 in the quarter after the response. The council "
                     "now closes the top deck every evening as normal practice."},
        ],
        # The council runs the car park and did the work.
        "shares": [(COUNCIL, "contribute")],
        "incidents": [
            {"days_ago": 131, "time": "21:35", "category": "Youths causing annoyance",
             "is_asb": True, "location": "Lucy Tower Street multi-storey car park, Lincoln",
             "lsoa": "E01026143",
             "description": "Youths on the top deck throwing stones onto cars below and "
                            "spitting at the attendant.",
             "person": {"name": "Keith Brantingham", "date_of_birth": "1964-05-02",
                        "phone": "07700 900446", "address": "7 Carline Road, Lincoln",
                        "postcode": "LN1 1HL"},
             "role": "reporter"},
        ],
    },
    {
        "title": "Dispute between neighbours on St Giles Avenue",
        "problem_type": "asb_neighbour",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "St Giles Avenue, Lincoln (two Longwater Homes houses)",
        "latitude": 53.2437, "longitude": -0.5256,
        "description": "Two neighbouring households in a long-running dispute over parking and a "
                       "shared path: verbal abuse, a damaged fence and repeated calls from both "
                       "sides.",
        "owner": OFFICER_B,
        "began_days_ago": 380, "ended_days_ago": 110,
        "stage": "assessment",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "Referred by Longwater Homes: 15 reports from the two households in "
                            "three months and 6 calls to police. Officers have attended the same "
                            "argument four times.",
            "scan_baseline": "15 reports to the landlord and 6 calls to police in three months. "
                             "Success: no reports from either household for three months.",
        },
        "analysis": {
            "victim": "Both households say they are the victim: one has two young children, the "
                      "other is an older man with a heart condition.",
            "offender": "Adults in both households. It started over a van parked across the "
                        "shared path.",
            "location": "A shared path and one parking space between the two houses, with no "
                        "marked boundary.",
            "manager": "Longwater Homes, which owns both houses and can mark the boundary and "
                       "enforce the tenancies.",
            "root_causes": "An unclear boundary and parking arrangement, and no neutral way to "
                           "settle the disagreement.",
        },
        "objectives": [
            "No reports from either household for three months (baseline 21 in three months).",
            "Both households sign a written agreement on the path and parking within six weeks.",
        ],
        "tactics": [
            ("engagement", "offender",
             "Mediation for both households through Longwater Homes' mediation service, aiming "
             "at a written agreement."),
            ("situational", "location",
             "Longwater Homes to mark the boundary, fence the shared path and allocate the "
             "parking space."),
        ],
        "actions": [
            {"title": "Mediation between the two households",
             "tactic": ("engagement", "offender"), "to": HOUSING_OFFICER, "due": -80,
             "steps": [
                 ("in_progress", "Both households have agreed to see the mediator separately "
                                 "first."),
                 ("done", "Two joint sessions held. Both households signed an agreement on "
                          "parking, the path and contact between the children."),
             ]},
        ],
        "evaluation": {
            "measure": "Reports from the two households to Longwater Homes, and calls to police",
            "before": (-180, -91, 21), "after": (-90, -1, 0),
            "outcome": "resolved",
            "lessons": "Four police attendances had only moved the argument on; a written "
                       "agreement and a clear boundary removed what it was about. Referring to "
                       "mediation before either side had a tenancy warning made both households "
                       "willing to take part.",
            "case_study": {
                "title": "Mediation ends a neighbour dispute over parking and a shared path",
                "problem": "Two neighbouring households in social housing were in a long-running "
                           "dispute over parking and a shared path, with verbal abuse, a damaged "
                           "fence and repeated calls from both sides: 15 reports to the landlord "
                           "and 6 calls to police in three months.",
                "analysis": "Each household saw itself as the victim, and adults in both took "
                            "part. It started over a van parked across the shared path; there "
                            "was no marked boundary, and one parking space between the two "
                            "houses. The landlord owns both houses and could mark the boundary "
                            "and enforce the tenancies. Four police attendances had only moved "
                            "the argument on.",
                "response": "The landlord's mediation service saw both households separately, "
                            "then held two joint sessions, which ended in a signed agreement on "
                            "parking, the path and contact between the children. The landlord "
                            "marked the boundary, fenced the shared path and allocated the "
                            "parking space.",
                "assessment": "Reports and calls fell from 21 in three months to none in the "
                              "three months after the agreement.",
                "lessons": "A written agreement and a clear boundary removed what the dispute was "
                           "about. Referring to mediation before either side had a tenancy "
                           "warning made both households willing to take part: refer early, "
                           "before enforcement.",
            },
            "good_practice": "A neighbour dispute that had produced 21 reports and police calls "
                             "in three months stopped after the landlord's mediation service "
                             "brought both households to a written agreement, and the landlord "
                             "marked the boundary and allocated the parking space the dispute "
                             "was about. No reports in the three months since. Refer to "
                             "mediation early, before enforcement, while both sides will still "
                             "take part.",
            "tactics": [
                ("fully", "Two joint sessions; agreement signed in the fifth week.", "effective"),
                ("fully", "Boundary marked, path fenced and the parking space allocated.",
                 "effective"),
            ],
            "objectives": ["met", "met"],
            "status": "approved",
        },
        "then": [
            {"close": "resolved",
             "note": "No reports from either household in three months. Longwater Homes will "
                     "deal with anything further through tenancy management."},
        ],
        "people": [
            {"name": "Nadia Thornbury", "role": "reporter", "date_of_birth": "1989-04-12",
             "phone": "07700 900142", "address": "31 St Giles Avenue, Lincoln",
             "postcode": "LN2 4PE", "vulnerabilities": []},
            {"name": "Dennis Kettleborough", "role": "reporter", "date_of_birth": "1952-10-30",
             "phone": "07700 900158", "address": "33 St Giles Avenue, Lincoln",
             "postcode": "LN2 4PE", "vulnerabilities": ["age", "disability"]},
        ],
        # Both households are Longwater Homes tenants; the mediation service needs their details.
        "shares": [(HOUSING, "contribute")],
        "personal_details_shared": True,
        # Each household called about the other; both calls came before the mediation.
        "incidents": [
            {"days_ago": 165, "time": "08:15", "category": "Neighbour dispute", "is_asb": True,
             "location": "St Giles Avenue, Lincoln", "lsoa": "E01026156",
             "description": "Neighbour's van parked across the shared path again, and an "
                            "argument in the street in front of the caller's children.",
             "person": "Nadia Thornbury", "role": "reporter"},
            {"days_ago": 122, "time": "18:30", "category": "Neighbour dispute", "is_asb": True,
             "location": "St Giles Avenue, Lincoln", "lsoa": "E01026156",
             "description": "Shouting match with the family next door over the shared path; a "
                            "panel of the caller's fence kicked in.",
             "person": "Dennis Kettleborough", "role": "reporter"},
        ],
    },
    {
        # Overtaken by events: closed without an evaluation, so flagged for supervisors.
        "title": "Trespass and fires at a derelict former pub on Newport",
        "problem_type": "vandalism",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Derelict former public house, Newport, Lincoln",
        "latitude": 53.2383, "longitude": -0.5392,
        "description": "Young people and rough sleepers getting into an empty pub through the "
                       "back yard; four fires in two months and drug litter in the yard.",
        "owner": OFFICER_A,
        "began_days_ago": 200, "ended_days_ago": 30,
        "stage": "response",
        "scanning": {
            "scan_source": "patrol_observation",
            "scan_summary": "Four fires attended by the fire service in two months, and PCSOs "
                            "have found the back door forced three times.",
            "scan_baseline": "4 fires and 7 trespass reports in two months. Success: the building "
                             "secured and no fires for three months.",
        },
        "analysis": {
            "offender": "Local teenagers using it as a den, and two rough sleepers sheltering in "
                        "the cellar.",
            "location": "An empty building with a back yard hidden from the road and boarding "
                        "that has been pulled off.",
            "manager": "An absentee owner who has not answered the council's letters.",
        },
        "objectives": [
            "The building secured against entry within two weeks.",
            "No fires at the site for three months (baseline 4 in two months).",
        ],
        "tactics": [
            ("situational", "location",
             "Council to serve notice on the owner to secure the building and the yard."),
            ("support", "offender",
             "Outreach team to offer the two rough sleepers accommodation."),
        ],
        "actions": [
            {"title": "Serve notice on the owner to secure the building and the yard",
             "tactic": ("situational", "location"), "to": COUNCIL, "due": -20,
             "priority": "high",
             "steps": [
                 ("done", "Notice served on the owner's agent, who had the ground floor boarded "
                          "and the yard gate chained within ten days."),
             ]},
        ],
        "then": [
            {"close": "not_evaluated",
             "note": "The site was sold and the new owner demolished the building for housing "
                     "before the response could be measured. No longer a problem."},
        ],
        "shares": [(COUNCIL, "contribute")],
    },
    {
        # Logged twice: closed as a duplicate of the open case about the same car park.
        "title": "Catalytic converters stolen from vans at Tentercroft Street",
        "problem_type": "vehicle_crime",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Long-stay car park, Tentercroft Street, Lincoln",
        "latitude": 53.2219, "longitude": -0.5443,
        "description": "Two more converters cut from parked vans in the long-stay car park this "
                       "week.",
        "owner": OFFICER_A,
        "began_days_ago": 15, "ended_days_ago": 14,
        "stage": "scanning",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "Two converter thefts from vans on consecutive days, both between "
                            "11:00 and 14:00.",
        },
        "then": [
            {"close": "duplicate", "by": SUPERVISOR,
             "note": "Duplicate of PC Okafor's open case on catalytic converter thefts in the "
                     "Tentercroft Street car park. The two crimes have been passed to him to add "
                     "to it."},
        ],
    },

    # ---- Evaluated and handed on: responses that did not work, from the last year and a half ----
    {
        "title": "Off-road bikes on the Boston Sluice Bridge path",
        "problem_type": "nuisance_vehicles",
        "neighbourhood": BOSTON_TOWN,
        "location_text": "Riverside path by the Grand Sluice bridge, Boston",
        "latitude": 52.9836, "longitude": -0.0301,
        "description": "Off-road bikes ridden fast along the riverside footpath, frightening "
                       "walkers and anglers.",
        "owner": OFFICER_B,
        "began_days_ago": 500, "ended_days_ago": 250,
        "stage": "assessment",
        "scanning": {
            "scan_source": "resident_complaint",
            "scan_summary": "12 complaints in two months from walkers and the angling club.",
            "scan_baseline": "12 complaints in two months. Success: fewer than 3 a month.",
        },
        "analysis": {
            "offender": "Three or four riders, thought to come from outside the town.",
            "location": "A straight, open path with easy access from the A16 at both ends.",
        },
        "objectives": ["Complaints below 3 a month within three months."],
        "tactics": [
            ("situational", "location", "Staggered barriers at both ends of the path."),
            ("enforcement", "offender", "Section 59 warnings and seizures of the bikes."),
        ],
        "evaluation": {
            "measure": "Complaints about bikes on the riverside path",
            "before": (-470, -411, 12), "after": (-320, -261, 4),
            "comparison": ("Witham Way path, which had no barriers", 5, 11),
            "displacement": (["spatial"], "The riders moved to the Witham Way path."),
            "outcome": "displaced",
            "lessons": "Barriers at one path moved the riders to the next one along, where "
                       "complaints doubled. The next plan has to cover the whole riverside "
                       "network at once, with the riders' own routes in.",
            "tactics": [("fully", "Barriers fitted at both ends.", "partly"),
                        ("partly", "Two warnings given; no bike seized.", "not_effective")],
            "objectives": ["partly_met"],
            "status": "approved",
        },
        "then": [
            {"close": "transferred",
             "note": "Carried on in the Witham Way Country Park case, which covers the whole "
                     "riverside."},
        ],
    },
    {
        "title": "Noise from late-night car meets at the Tritton Road retail park",
        "problem_type": "nuisance_vehicles",
        "neighbourhood": LINCOLN_CENTRAL,
        "location_text": "Car park of the Tritton Road retail park, Lincoln",
        "latitude": 53.2148, "longitude": -0.5596,
        "description": "Car meets after the shops close: engines revved, tyres spun and music "
                       "played until the early hours.",
        "owner": OFFICER_A,
        "began_days_ago": 420, "ended_days_ago": 180,
        "stage": "assessment",
        "scanning": {
            "scan_source": "councillor_mp",
            "scan_summary": "A ward councillor passed on 30 complaints from residents of the "
                            "streets behind the retail park.",
            "scan_baseline": "30 complaints in three months. Success: fewer than 10.",
        },
        "analysis": {
            "location": "A large car park open all night with no barrier and no security after "
                        "10pm.",
            "manager": "The retail park's managing agent, who can close the car park at night.",
        },
        "objectives": ["Complaints below 10 a quarter within six months."],
        "tactics": [
            ("engagement", "offender", "Letters to registered keepers seen at the meets."),
            ("environmental", "location", "Asked the managing agent to close the car park at "
                                          "night."),
        ],
        "evaluation": {
            "measure": "Complaints from residents about the car meets",
            "before": (-400, -311, 30), "after": (-270, -181, 29),
            "outcome": "no_change",
            "lessons": "Letters alone did not deter anyone, and the managing agent would not "
                       "fund a barrier. Without the owner's help with the place, the meets "
                       "carried on as before.",
            "tactics": [("fully", "41 letters sent.", "not_effective"),
                        ("not", "The managing agent declined.", "not_effective")],
            "objectives": ["not_met"],
            "status": "approved",
        },
        "then": [
            {"close": "transferred",
             "note": "Handed to the council's licensing and planning enforcement team, which "
                     "can require the owner to secure the car park."},
        ],
    },
    {
        "title": "Criminal damage to bus shelters on Wragby Road",
        "problem_type": "vandalism",
        "neighbourhood": ERMINE_ABBEY,
        "location_text": "Bus shelters on Wragby Road, Lincoln",
        "latitude": 53.2381, "longitude": -0.5194,
        "description": "Glass panels of four bus shelters smashed repeatedly at weekends.",
        "owner": OFFICER_B,
        "began_days_ago": 470, "ended_days_ago": 200,
        "stage": "assessment",
        "scanning": {
            "scan_source": "partner_referral",
            "scan_summary": "The council replaced 14 shelter panels in a quarter, at about £350 "
                            "each.",
            "scan_baseline": "14 panels replaced in a quarter. Success: fewer than 4.",
        },
        "analysis": {
            "offender": "Groups walking home from the town centre late on Friday and Saturday.",
            "location": "Unlit shelters on a walking route from the town centre.",
        },
        "objectives": ["Fewer than 4 panels replaced a quarter."],
        "tactics": [
            ("engagement", "offender", "Patrols on the walking route on weekend nights."),
            ("environmental", "location", "Asked for lighting at the four shelters."),
        ],
        "evaluation": {
            "measure": "Shelter panels the council replaced",
            "before": (-440, -351, 14), "after": (-300, -211, 19),
            "outcome": "worse",
            "lessons": "Patrols could not cover the whole route late at night and the lighting "
                       "was never fitted; the damage went up. Panels of a tougher material, "
                       "which the council has since chosen, would have removed the target.",
            "tactics": [("partly", "Patrols on half of the weekends planned.", "not_effective"),
                        ("not", "Lighting not funded.", "not_effective")],
            "objectives": ["not_met"],
            "status": "approved",
        },
        "then": [
            {"close": "transferred",
             "note": "The council is replacing the glass with polycarbonate panels as part of "
                     "its shelter contract."},
        ],
    },
]


# --- callers on no case ------------------------------------------------------------------------

#: An older woman living alone, targeted by local youths: a vulnerable repeat ASB victim whom no
#: case covers yet, so only the call-handler lookup and her flag bring her to notice.
EDNA_WINTERSGILL = {
    "name": "Edna Wintersgill", "date_of_birth": "1940-08-23", "phone": "07700 900131",
    "address": "6 Portland Street, Lincoln", "postcode": "LN5 7JX",
    "vulnerabilities": ["age", "isolation", "mental_health"],
}
TREVOR_QUARRINGTON = {
    "name": "Trevor Quarrington", "date_of_birth": "1977-02-19", "phone": "07700 900176",
    "address": "41 Hykeham Road, Lincoln", "postcode": "LN6 8AD",
}

#: Callers from more than a year ago: repeat ASB victims whose flags were raised back then and
#: have since been resolved, or are still live, for the dashboard's months.
DOREEN_CAWTHORNE = {
    "name": "Doreen Cawthorne", "date_of_birth": "1949-04-11", "phone": "07700 900601",
    "address": "3 Sincil Street, Lincoln", "postcode": "LN5 7ET", "vulnerabilities": ["age"],
}
KIERAN_MOFFATT = {
    "name": "Kieran Moffatt", "date_of_birth": "1988-12-02", "phone": "07700 900602",
    "address": "17 Laughton Way, Lincoln", "postcode": "LN2 2HB",
}
SHAHANA_BEGUM = {
    "name": "Shahana Begum", "date_of_birth": "1983-06-25", "phone": "07700 900603",
    "address": "9 Wormgate, Boston", "postcode": "PE21 6NP",
}
ALAN_FROGGATT = {
    "name": "Alan Froggatt", "date_of_birth": "1958-10-30", "phone": "07700 900604",
    "address": "22 Tentercroft Street, Lincoln", "postcode": "LN5 7DB",
}
LYDIA_STRUTT = {
    "name": "Lydia Strutt", "date_of_birth": "1995-01-14", "phone": "07700 900605",
    "address": "4 Pump Square, Boston", "postcode": "PE21 6QW", "vulnerabilities": ["disability"],
}
WESLEY_GARNER = {
    "name": "Wesley Garner", "date_of_birth": "1971-08-08", "phone": "07700 900606",
    "address": "12 St Giles Avenue, Lincoln", "postcode": "LN2 4PE",
}


def _caller_call(days_ago, category, location, lsoa, point, person, description):
    return {"days_ago": days_ago, "time": "20:30", "category": category, "is_asb": True,
            "location": location, "lsoa": lsoa, "latitude": point[0], "longitude": point[1],
            "description": description, "person": person, "role": "victim"}


HISTORIC_CALLS = [
    _caller_call(545, "Youths causing annoyance", "Sincil Street, Lincoln", "E01026176",
                 (53.2268, -0.5396), DOREEN_CAWTHORNE,
                 "Youths banging on the caller's door and windows late in the evening."),
    _caller_call(490, "Rowdy or inconsiderate behaviour", "Sincil Street, Lincoln", "E01026176",
                 (53.2266, -0.5393), DOREEN_CAWTHORNE,
                 "A group drinking on the caller's doorstep, refusing to move on."),
    _caller_call(470, "Vehicle nuisance", "Laughton Way, Lincoln", "E01026168",
                 (53.2527, -0.5312), KIERAN_MOFFATT,
                 "Cars racing up and down the road outside the caller's house at night."),
    _caller_call(415, "Vehicle nuisance", "Laughton Way, Lincoln", "E01026168",
                 (53.2525, -0.5315), KIERAN_MOFFATT,
                 "The same cars back, revving engines outside the house after midnight."),
    _caller_call(402, "Neighbour dispute", "Laughton Way, Lincoln", "E01026168",
                 (53.2524, -0.5316), KIERAN_MOFFATT,
                 "Shouting and threats from a neighbour after the caller complained about cars."),
    _caller_call(430, "Youths causing annoyance", "Wormgate, Boston", "E01026006",
                 (52.9790, -0.0268), SHAHANA_BEGUM,
                 "Stones thrown at the caller's shop window by a group of teenagers."),
    _caller_call(372, "Youths causing annoyance", "Wormgate, Boston", "E01026006",
                 (52.9789, -0.0266), SHAHANA_BEGUM,
                 "Teenagers kicking the shop door and shouting abuse at the caller."),
    _caller_call(355, "Rowdy or inconsiderate behaviour", "Tentercroft Street, Lincoln",
                 "E01026132", (53.2220, -0.5441), ALAN_FROGGATT,
                 "Loud music and shouting from cars gathering in the car park at night."),
    _caller_call(300, "Rowdy or inconsiderate behaviour", "Tentercroft Street, Lincoln",
                 "E01026132", (53.2221, -0.5443), ALAN_FROGGATT,
                 "Cars gathering again; bottles thrown towards the caller's windows."),
    _caller_call(330, "Youths causing annoyance", "Pump Square, Boston", "E01026025",
                 (52.9806, -0.0209), LYDIA_STRUTT,
                 "The caller, a wheelchair user, was blocked in and mocked by a group of youths."),
    _caller_call(250, "Youths causing annoyance", "Pump Square, Boston", "E01026025",
                 (52.9805, -0.0207), LYDIA_STRUTT,
                 "The same group threw water at the caller's front door and ran off."),
    _caller_call(280, "Neighbour dispute", "St Giles Avenue, Lincoln", "E01026156",
                 (53.2439, -0.5259), WESLEY_GARNER,
                 "Banging on the shared wall and abuse shouted at the caller through it."),
    _caller_call(215, "Neighbour dispute", "St Giles Avenue, Lincoln", "E01026156",
                 (53.2438, -0.5257), WESLEY_GARNER,
                 "The neighbour's dog let loose in the caller's garden; threats when challenged."),
]

CALLER_INCIDENTS = [
    {"days_ago": 147, "time": "21:20", "category": "Youths causing annoyance", "is_asb": True,
     "location": "Portland Street, Lincoln", "lsoa": "E01026176", "postcode": "LN5 7JX",
     "latitude": 53.2219, "longitude": -0.5396,
     "description": "Youths knocking on the caller's door and running off, three times in one "
                    "evening. She lives alone and did not answer.",
     "person": EDNA_WINTERSGILL, "role": "victim"},
    {"days_ago": 63, "time": "19:45", "category": "Youths causing annoyance", "is_asb": True,
     "location": "Portland Street, Lincoln", "lsoa": "E01026176", "postcode": "LN5 7JX",
     "latitude": 53.2220, "longitude": -0.5394,
     "description": "Eggs thrown at the caller's front window and abuse shouted through the "
                    "letterbox.",
     "person": EDNA_WINTERSGILL, "role": "victim"},
    {"days_ago": 18, "time": "22:05", "category": "Rowdy or inconsiderate behaviour",
     "is_asb": True, "location": "Alley behind Portland Street, Lincoln", "lsoa": "E01026177",
     "latitude": 53.2217, "longitude": -0.5399,
     "description": "A group shouting abuse at the caller from the alley behind her house; she "
                    "is too frightened to go into her back yard.",
     "person": EDNA_WINTERSGILL, "role": "victim"},
    {"days_ago": 55, "time": "20:10", "category": "Vehicle nuisance", "is_asb": True,
     "location": "Hykeham Road, Lincoln", "lsoa": "E01026135",
     "latitude": 53.2117, "longitude": -0.5566,
     "description": "A youth on an off-road bike riding on the pavement outside the shops "
                    "nearly hit the caller.",
     "person": TREVOR_QUARRINGTON, "role": "victim"},
    {"days_ago": 33, "time": "07:30", "category": "Theft from motor vehicle", "is_asb": False,
     "location": "Hykeham Road, Lincoln", "lsoa": "E01026135",
     "latitude": 53.2114, "longitude": -0.5571,
     "description": "Tools stolen from the caller's van overnight; the side door lock was "
                    "punched.",
     "person": TREVOR_QUARRINGTON, "role": "victim"},
]


# --- applying the data -------------------------------------------------------------------------

def already_seeded() -> bool:
    """True once any organisation exists: the demo is only loaded into an empty database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) > 0


def seed() -> dict[str, tuple[str, str]]:
    """Load the demo data and return {email: (role, password)}. Flushes; the caller commits."""
    organisations, neighbourhoods = _seed_organisations()
    users, passwords = _seed_users(organisations)
    cases = [_seed_case(spec, users, organisations, neighbourhoods) for spec in CASES]
    # The incidents come after the cases they are linked to. Recording one puts its people's
    # instant flag checks in the outbox, to leave when the seed's transaction commits.
    police = organisations[POLICE_FORCE]
    for spec, case in zip(CASES, cases, strict=True):
        _seed_incidents(case, spec, users[spec["owner"]], police)
    for spec in CALLER_INCIDENTS + HISTORIC_CALLS:
        _record_incident(spec, users[CALL_HANDLER], police, {})
    # Every case was worked just now; give each the history its spec says it had, so the
    # dashboard has months to show.
    for spec, case in zip(CASES, cases, strict=True):
        if "began_days_ago" in spec:
            _spread_history(case, spec["began_days_ago"], spec.get("ended_days_ago", 1))
    _import_street_level_data(police)
    # The repeat-victim flags as the instant checks raised them over the months, and as the
    # nightly scan resolved them once the incidents aged out of the window.
    _replay_repeat_victim_checks()
    # As the scheduled jobs would overnight: flag the overdue actions and tell their people, then
    # flag the cases due for review, the evaluations awaiting sign-off and the cases closed
    # without an approved evaluation, and the repeat ASB victims and the complaints that reach
    # the ASB case review threshold. (Recording the incidents also queued the instant checks for
    # their people, which Celery runs once the caller commits: they find these same flags.)
    flag_jobs.scan_actions()
    flag_scan.scan_case_flags()
    flag_scan.scan_all_repeat_victims()
    flag_scan.scan_case_review()
    _seed_asb_review(users, organisations, neighbourhoods)
    db.session.flush()
    return passwords


#: Edna's daughter asked the council for a case review two days ago; the force's supervisor has
#: the threshold decision to make (her complaints reach it).
EDNA_APPLICATION = {
    "applicant_kind": "relative", "applicant_name": "Julie Wintersgill (daughter)",
    "applicant_contact": "6 Portland Street, Lincoln LN5 7JX", "days_ago": 2,
    "summary": "Youths knock on her mother's door and windows most evenings and shout abuse; "
               "she no longer goes out after dark.",
}


#: Doreen applied herself to the force three weeks ago, and no one has decided it: its decision
#: is overdue, a flag on the supervisor's queue.
DOREEN_APPLICATION = {
    "applicant_kind": "victim", "applicant_name": "",
    "applicant_contact": "3 Sincil Street, Lincoln LN5 7ET", "days_ago": 21,
    "summary": "Groups gather outside her flat and throw things at the window.",
}


def _seed_asb_review(users, organisations, neighbourhoods) -> None:
    for person, spec, body in ((EDNA_WINTERSGILL, EDNA_APPLICATION, COUNCIL),
                               (DOREEN_CAWTHORNE, DOREEN_APPLICATION, POLICE_FORCE)):
        victim = db.session.scalar(sa.select(Person).where(
            Person.name == person["name"], Person.merged_into_id.is_(None)))
        values = dict(spec)
        days_ago = values.pop("days_ago")
        asb_review_service.record_application(users[OFFICER_A], victim, {
            **values, "received_by_id": organisations[body].id, "case_id": None,
            "received_date": today() - timedelta(days=days_ago),
            "neighbourhood_id": neighbourhoods[LINCOLN_CENTRAL].id})


def _seed_organisations():
    organisations, neighbourhoods = {}, {}
    for spec in ORGANISATIONS:
        organisation = org_service.create_organisation(spec["name"], spec["kind"])
        organisations[organisation.name] = organisation
        for name in spec.get("neighbourhoods", ()):
            neighbourhoods[name] = org_service.add_neighbourhood(organisation, name)
    return organisations, neighbourhoods


def _seed_users(organisations):
    users, passwords = {}, {}
    for demo in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        users[demo.email] = auth_service.create_user(
            email=demo.email, name=demo.name, organisation=organisations[demo.organisation],
            role=demo.role, password=password,
        )
        if demo.is_system_admin:
            users[demo.email].is_system_admin = True
        passwords[demo.email] = (demo.role, password)
    return users, passwords


class DemoError(RuleError):
    """A demo-only command asked about someone who is not a demo user."""


def reset_password(email: str) -> tuple[str, str]:
    """A new password for the demo user `email`: (their role, the password). Flushes; the
    caller commits, then keeps it (`keep_passwords`)."""
    email = auth_service.normalise_email(email)
    if email not in {demo.email for demo in DEMO_USERS}:
        raise DemoError(f"{email} is not a demo user: this only resets the demo's accounts "
                        "(an administrator sends anyone else a reset link)")
    user = auth_service.find_user_by_email(email)
    if user is None:
        raise DemoError(f"No demo user {email} here: the demo data is not loaded "
                        "(flask --app wsgi sara seed-demo)")
    password = secrets.token_urlsafe(12)
    auth_service.set_password_from_command_line(user, password)
    return user.role, password


def password_file() -> Path:
    """Where the demo's passwords are kept for the person who ran the demo, and only them."""
    return Path(current_app.instance_path) / PASSWORDS_FILENAME


def keep_passwords(passwords: dict[str, tuple[str, str]]) -> Path:
    """Write {email: (role, password)} into the password file (mode 0600), replacing the lines
    of those users and keeping the others'. Returns its path."""
    path = password_file()
    kept: dict[str, tuple[str, str]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) == 3 and not line.startswith("#"):
                kept[fields[1]] = (fields[0], fields[2])
    kept.update(passwords)
    width = max(len(email) for email in kept)
    text = "".join([
        "# SARA casebook demo users and their passwords. Delete this file once you have them;\n",
        "# `flask --app wsgi sara reset-demo-password EMAIL` gives a user a new one.\n",
        *(f"{role:<13} {email:<{width}}  {password}\n"
          for email, (role, password) in kept.items()),
    ])
    # Created unreadable by anyone else (mkstemp's 0600), then put in place in one step.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-passwords-")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


_OPENING_FIELDS = ("title", "problem_type", "location_text", "latitude", "longitude",
                   "description")


def _seed_case(spec: dict, users: dict[str, User], organisations, neighbourhoods) -> ProblemCase:
    owner = users[spec["owner"]]
    opener = users[spec.get("opened_by", spec["owner"])]
    values = {field: spec[field] for field in _OPENING_FIELDS}
    values["neighbourhood_id"] = neighbourhoods[spec["neighbourhood"]].id
    case = case_service.create_case(opener, values)

    if owner is not opener:
        # Logged by one officer, allocated to another by the sergeant.
        _edit(case, users[SUPERVISOR], {"owner_id": owner.id})
    if "review_cadence_days" in spec:
        days = spec["review_cadence_days"]
        _edit(case, users[SUPERVISOR], {
            "review_cadence_days": days,
            "next_review_date": today() + timedelta(days=days),
        })
    for person in spec.get("people", ()):
        _add_person(case, owner, person)

    last = STAGE_ORDER.index(spec["stage"])
    # Partners are brought in, and the actions allocated, once the case reaches its stage; a case
    # with actions does both in Response, so its timeline shows the work done before Assessment.
    allocate_at = min(last, STAGE_ORDER.index("response")) if spec.get("actions") else last
    for index, stage in enumerate(STAGE_ORDER[: last + 1]):
        _do_stage_work(case, owner, stage, spec)
        if index == allocate_at:
            _share_and_allocate(case, owner, spec, users, organisations)
        if index < last:
            case_service.move_stage(case, owner, STAGE_ORDER[index + 1], None, case.version)

    if "evaluation" in spec:
        if spec["stage"] != "assessment":
            raise ValueError(f"Only a case at Assessment is evaluated: {spec['title']!r}")
        _evaluate(case, owner, users[SUPERVISOR], spec["evaluation"])
    for step in spec.get("then", ()):
        _apply_step(case, users[step.get("by", spec["owner"])], step)
    for outcome, comments, days in spec.get("reviews", ()):
        evaluation_service.record_review(case, users[SUPERVISOR], outcome, comments,
                                         today() + timedelta(days=days))
    if "opened_days_ago" in spec:
        if spec.get("reviews"):
            raise ValueError(f"A reviewed case cannot be backdated: {spec['title']!r}")
        _backdate_opening(case, spec["opened_days_ago"])
    return case


def _share_and_allocate(case: ProblemCase, owner: User, spec: dict, users: dict[str, User],
                        organisations) -> None:
    for recipient, level in spec.get("shares", ()):
        _share(case, owner, organisations, recipient, level)
    if spec.get("personal_details_shared"):
        _edit(case, owner, {"personal_details_shared": True})
    for action in spec.get("actions", ()):
        _add_action(case, action, users, organisations, default_by=spec["owner"])


def _do_stage_work(case: ProblemCase, user: User, stage: str, spec: dict) -> None:
    if stage == "scanning" and spec.get("scanning"):
        _edit(case, user, spec["scanning"])
    elif stage == "analysis" and spec.get("analysis"):
        _edit(case, user, {f"analysis_{key}": text for key, text in spec["analysis"].items()})
    elif stage == "response":
        for text in spec.get("objectives", ()):
            case_service.add_objective(case, user, text, case.version)
        for tactic in spec.get("tactics", ()):
            _add_tactic(case, user, tactic)


def _apply_step(case: ProblemCase, user: User, step: dict) -> None:
    if "back_to" in step:
        case_service.move_stage(case, user, step["back_to"], step["reason"], case.version)
    elif "forward_to" in step:
        case_service.move_stage(case, user, step["forward_to"], None, case.version)
    elif "edit" in step:
        _edit(case, user, step["edit"])
    elif "objective" in step:
        case_service.add_objective(case, user, step["objective"], case.version)
    elif "tactic" in step:
        _add_tactic(case, user, step["tactic"])
    elif "close" in step:
        case_service.close_case(case, user, step["close"], step.get("note"), case.version)
    elif "reopen" in step:
        case_service.reopen_case(case, user, step["reopen"], case.version)
    else:
        raise ValueError(f"Unknown demo step: {step!r}")


def _evaluate(case: ProblemCase, owner: User, supervisor: User, spec: dict) -> Evaluation:
    """Start the evaluation, fill it in as the owner, and take it as far as its status."""
    evaluation = evaluation_service.start(case, owner)
    values = {"measure": spec["measure"]}
    for period in ("before", "after"):
        if period in spec:
            first, last, count = spec[period]
            values[f"{period}_start"] = today() + timedelta(days=first)
            values[f"{period}_end"] = today() + timedelta(days=last)
            values[f"{period}_count"] = count
    if "comparison" in spec:
        area, before, after = spec["comparison"]
        values.update(comparison_area=area, comparison_before_count=before,
                      comparison_after_count=after)
    if "displacement" in spec:
        kinds, found = spec["displacement"]
        values.update(is_displacement_checked=True, displacement_types=list(kinds),
                      displacement_found=found)
    values["is_diffusion_observed"] = spec.get("diffusion", False)
    values["outcome"] = spec.get("outcome")
    values["lessons"] = spec.get("lessons", "")
    values["is_good_practice"] = "good_practice" in spec
    values["good_practice_summary"] = spec.get("good_practice", "")

    tactic_rows = {}
    if "tactics" in spec:
        for tactic, row in zip(case.tactics, spec["tactics"], strict=True):
            if row is not None:
                delivery, note, effectiveness = row
                tactic_rows[tactic.id] = {"delivery": delivery, "delivery_note": note,
                                          "effectiveness": effectiveness}
    objective_rows = {}
    if "objectives" in spec:
        objective_rows = {objective.id: result for objective, result
                          in zip(case.objectives, spec["objectives"], strict=True)}
    evaluation_service.update(evaluation, owner, values, tactic_rows, objective_rows,
                              evaluation.version)
    if "case_study" in spec:
        # Written before submission, as an evaluation marked as good practice needs; approval
        # publishes it.
        library_service.save_case_study(case, owner, spec["case_study"], None)

    status = spec.get("status", "draft")
    if status not in ("draft", "submitted", "returned", "approved"):
        raise ValueError(f"Unknown evaluation status: {status!r}")
    if status != "draft":
        evaluation_service.submit(evaluation, owner, evaluation.version)
    if status == "returned":
        evaluation_service.return_to_draft(evaluation, supervisor, spec["return_comments"],
                                           evaluation.version)
    elif status == "approved":
        evaluation_service.approve(evaluation, supervisor, spec.get("approval_comments"),
                                   evaluation.version)
    if "submitted_days_ago" in spec:
        # Demo data only: an evaluation is submitted now, so the submission is moved into the
        # past directly, leaving it long enough unsigned to be flagged by the scan in seed().
        evaluation.submitted_dt = utcnow() - timedelta(days=spec["submitted_days_ago"])
        db.session.flush()
    return evaluation


def _spread_history(case: ProblemCase, began_days_ago: int, ended_days_ago: int) -> None:
    """Demo data only: the case was opened `began_days_ago` days ago and its story, every timeline
    entry in the order it was recorded, unfolded evenly until `ended_days_ago` days ago. A
    supervisor's review and whatever followed it stay where they are (just now), so the review
    dates still hold. The opening, closing and last-update dates follow the timeline."""
    events = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.created_dt, CaseEvent.id)).all()
    first_review = next((i for i, e in enumerate(events) if e.kind == "review"), len(events))
    moved = events[:first_review]
    start = utcnow() - timedelta(days=began_days_ago)
    span = timedelta(days=began_days_ago - ended_days_ago) / max(1, len(moved) - 1)
    times = {event.id: start + span * index for index, event in enumerate(moved)}
    if times:
        # One executemany by primary key.
        db.session.execute(sa.update(CaseEvent), [{"id": event_id, "created_dt": when}
                                                  for event_id, when in times.items()])
    closings = [times[e.id] for e in moved if e.kind == "closed"]
    values = {"created_dt": start}
    if not case.is_open and closings:
        values["closed_dt"] = closings[-1]
    if first_review == len(events) and moved:
        values["updated_dt"] = times[moved[-1].id]
    # A statement, not an attribute change, so the case's version stays that of its timeline.
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == case.id).values(**values))
    db.session.expire(case)


#: The demo's backbone of real incidents (sara/demo/extract_police_uk.py made it): data.police.uk
#: anti-social behaviour rows in the demo's areas, Open Government Licence v3.0.
STREET_LEVEL_DATA = Path(__file__).parent / "data" / "lincolnshire-asb.csv"
STREET_LEVEL_LSOAS = Path(__file__).parent / "data" / "lincolnshire-lsoas.csv"


def _import_street_level_data(police: Organisation) -> int:
    """Import the street-level extract as data.police.uk rows, through the same importer as the
    `import-incidents` command. The months are moved forward by whole years (so the seasons stay
    true) until the latest one is last month or later; those past last month are dropped, so the
    data always ends last month, whenever the demo is loaded."""
    with STREET_LEVEL_LSOAS.open(newline="", encoding="utf-8") as handle:
        names = {row["LSOA code"]: row["LSOA name"] for row in csv.DictReader(handle)}
    with STREET_LEVEL_DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    latest = max(date.fromisoformat(row["Month"] + "-01") for row in rows)
    last_month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    years = max(0, last_month.year - latest.year + (last_month.month > latest.month))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "street.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, POLICE_UK_COLUMNS)
            writer.writeheader()
            for row in rows:
                year, month = (int(part) for part in row["Month"].split("-"))
                if date(year + years, month, 1) > last_month:
                    continue
                writer.writerow({
                    "Crime ID": "", "Month": f"{year + years}-{month:02d}",
                    "Reported by": police.name, "Falls within": police.name,
                    "Longitude": row["Longitude"], "Latitude": row["Latitude"],
                    "Location": f"On or near {row['Location']}",
                    "LSOA code": row["LSOA code"], "LSOA name": names.get(row["LSOA code"], ""),
                    "Crime type": ASB_CATEGORY, "Last outcome category": "", "Context": "",
                })
        return import_file(path, "police-uk", police.id).imported


def _replay_repeat_victim_checks() -> None:
    """Demo data only: run the repeat-victim rule at each moment it could have changed, oldest
    first: as each ASB incident with a caller was recorded (the instant check) and as each one
    left the rolling window (the nightly scan), so the flags carry the dates they would have."""
    # A fresh demo's forces all use the defaults.
    params = rule_defaults("repeat_victim")
    window = timedelta(days=params["window_days"])
    asb = sa.and_(IncidentPerson.is_asb.is_(True),
                  IncidentPerson.role.in_(("victim", "reporter")))
    # Only people with enough incidents in all can ever have been flagged.
    callers = (sa.select(IncidentPerson.person_id).where(asb).group_by(IncidentPerson.person_id)
               .having(sa.func.count() >= params["threshold"]))
    moments = set()
    for occurred in db.session.scalars(
            sa.select(IncidentPerson.occurred_dt).where(asb,
                                                        IncidentPerson.person_id.in_(callers))):
        moments |= {occurred, occurred + window + timedelta(seconds=1)}
    for moment in sorted(m for m in moments if m < utcnow()):
        flag_scan.scan_repeat_victims(now=moment)


def _backdate_opening(case: ProblemCase, days: int) -> None:
    """Demo data only: make the case look opened `days` days ago and never reviewed since. A case
    is always opened now, so its opening (and its "created" timeline entry) is moved into the past
    directly, with the next review date its cadence after that. This is a statement, not an
    attribute change, so the case's version stays that of its last timeline entry."""
    opened = utcnow() - timedelta(days=days)
    next_review = today() - timedelta(days=days) + timedelta(days=case.review_cadence_days)
    db.session.execute(
        sa.update(ProblemCase).where(ProblemCase.id == case.id)
        .values(created_dt=opened, next_review_date=next_review)
    )
    db.session.execute(
        sa.update(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "created")
        .values(created_dt=opened)
    )


def _edit(case: ProblemCase, user: User, values: dict) -> None:
    case_service.update_fields(case, user, values, case.version)


def _add_tactic(case: ProblemCase, user: User, tactic: tuple[str, str, str]) -> None:
    category, side, description = tactic
    case_service.add_tactic(
        case, user, category=category, triangle_side=side, description=description,
        expected_version=case.version,
    )


_PERSON_FIELDS = ("name", "phone", "address", "postcode")


def _person_values(person: dict) -> dict:
    values = {field: person.get(field) for field in _PERSON_FIELDS}
    born = person.get("date_of_birth")
    values["date_of_birth"] = date.fromisoformat(born) if born else None
    return values


def _add_person(case: ProblemCase, user: User, person: dict) -> None:
    people_service.add_person_to_case(
        case, user, _person_values(person), person["role"],
        list(person.get("vulnerabilities", ())),
    )


#: How far each of a case's incidents lies from the case's own point (about 20 to 80 metres), so
#: that they do not sit on top of one another on the map.
_NUDGES = ((0.0006, -0.0004), (-0.0004, 0.0007), (0.0002, 0.0003), (-0.0007, -0.0005),
           (0.0005, 0.0010), (-0.0002, -0.0009))


def _seed_incidents(case: ProblemCase, spec: dict, owner: User, organisation: Organisation) -> None:
    """Record the case's incidents as its owner and link them to it."""
    people = {link.person.name: link.person for link in people_service.case_people(case)}
    for index, incident in enumerate(spec.get("incidents", ())):
        nudge_lat, nudge_lon = _NUDGES[index % len(_NUDGES)]
        near = (round(spec["latitude"] + nudge_lat, 4), round(spec["longitude"] + nudge_lon, 4))
        recorded = _record_incident(incident, owner, organisation, people, near)
        incident_service.link_incident(case, owner, recorded)


def _record_incident(spec: dict, user: User, organisation: Organisation,
                     people: dict[str, Person], near: tuple[float, float] | None = None):
    """Record one incident as `user` would on the form, with its caller: one of `people` (by
    name) or a caller given as a dict. `near` is where it lies unless it gives its own point."""
    if spec["days_ago"] < 1:
        raise ValueError(f"An incident is at least a day old: {spec['description']!r}")
    hour, minute = (int(part) for part in spec.get("time", "21:00").split(":"))
    day = today() - timedelta(days=spec["days_ago"])
    occurred = datetime.combine(day, time(hour, minute), tzinfo=local_zone()).astimezone(UTC)
    latitude, longitude = (spec["latitude"], spec["longitude"]) if "latitude" in spec else near
    caller = spec["person"]
    if isinstance(caller, str):
        if caller not in people:
            raise ValueError(f"{caller!r} is not one of the case's people")
        person = people[caller]
    else:
        person = _caller(caller, user, organisation)
    values = {
        "category": spec["category"], "is_asb": spec["is_asb"], "occurred_dt": occurred,
        "location_text": spec["location"], "postcode": spec.get("postcode"),
        "latitude": latitude, "longitude": longitude, "lsoa_code": spec["lsoa"],
        "description": spec["description"],
    }
    return incident_service.record_incident(
        organisation, user, values, [(person, spec["role"], spec.get("caller_type"))])


def _caller(spec: dict, user: User, organisation: Organisation) -> Person:
    """The caller's profile: the person the matching rule links on strong evidence, as a CAD
    import would find them, or else a new profile (with any weaker matches proposed as possible
    duplicates)."""
    values = _person_values(spec)
    match = matching.find_person(
        organisation.id, name=values["name"], date_of_birth=values["date_of_birth"],
        phone=values["phone"], address=values["address"])
    if match.person is not None:
        return match.person
    vulnerabilities = sorted(set(spec.get("vulnerabilities", ())))
    if set(vulnerabilities) - set(VULNERABILITIES):
        raise ValueError(f"Unknown vulnerabilities for {values['name']!r}: {vulnerabilities}")
    person = Person(
        reference=person_reference(), organisation_id=organisation.id, name=values["name"],
        date_of_birth=values["date_of_birth"], phone=values["phone"], address=values["address"],
        postcode=people_service.normalise_postcode(values["postcode"]), created_by_id=user.id,
        vulnerabilities=[PersonVulnerability(kind=kind) for kind in vulnerabilities],
    )
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    matching.propose(person, match.possible)
    audit.record("alteration", user=user, record_type="person", record_ref=person.reference,
                 summary=f"Added {person.reference} as the caller for an incident",
                 details={"after": {"name": person.name, "vulnerabilities": vulnerabilities}})
    return person


def _first_member(organisation: str) -> str:
    """Who works an action given to a whole organisation: its first user in DEMO_USERS."""
    return next(d.email for d in DEMO_USERS if d.organisation == organisation and d.role != "admin")


def _add_action(case: ProblemCase, spec: dict, users: dict[str, User], organisations,
                default_by: str) -> Action:
    recipient = spec["to"]
    if recipient in organisations:
        allocation = f"org:{organisations[recipient].id}"
        worker = _first_member(recipient)
    else:
        allocation = f"user:{users[recipient].id}"
        worker = recipient
    category, side = spec["tactic"]
    due = today() + timedelta(days=spec["due"])
    action = action_service.create_action(case, users[spec.get("by", default_by)], {
        "title": spec["title"],
        "description": spec.get("description", ""),
        "tactic_category": category,
        "triangle_side": side,
        "allocation": allocation,
        # create_action refuses a date in the past; see below.
        "due_date": max(due, today()),
        "priority": spec.get("priority", "normal"),
    })
    for kind, text, *by in spec.get("steps", ()):
        actor = users[by[0] if by else worker]
        if kind == "note":
            action_service.add_note(action, actor, text)
        else:
            action_service.change_status(action, actor, kind, text)
    if due < today():
        # Demo data only: an action cannot be given a past due date, so it is moved into the past
        # directly once its steps are done. Doing it last means the overdue flag is raised by the
        # scan at the end of seed(), which also sends the overdue notifications.
        action.due_date = due
        db.session.flush()
    return action


def _share(case: ProblemCase, user: User, organisations, recipient: str, level: str) -> None:
    """Share with a whole organisation, by name, or with one person, by email."""
    if recipient in organisations:
        partner_service.share_with_organisation(case, user, organisations[recipient], level)
    else:
        partner_service.share_with_user(case, user, recipient, level)
