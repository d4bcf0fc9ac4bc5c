"""Demo data for `flask --app wsgi sara seed-demo`: a police force, partners, users and cases.

Everything is described as data at module level (ORGANISATIONS, DEMO_USERS, CASES) and applied by
a small loop through the same service functions the web pages use, so every case has the timeline
it would have had if people had done the work. seed() only flushes; the caller commits.

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
- optionally shares: (recipient, level) pairs, where the recipient is an organisation name from
  ORGANISATIONS or, to share with one person only, an email from DEMO_USERS, and the level is "view"
  or "contribute". The owner shares the case once it has reached its stage, before the `then`
  steps;
- optionally personal_details_shared: True when the owner has decided partners may see the
  people's details; applied just after the shares. Without it they are withheld from partners.

All the people, organisations and addresses below are fictional; the streets and places are real so
the map views look right. Phone numbers are in Ofcom's 07700 900xxx range for drama, which is
never allocated.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from sara.auth import service as auth_service
from sara.auth.models import User
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.core.types import today
from sara.extensions import db
from sara.orgs import service as org_service
from sara.orgs.models import Organisation
from sara.partners import service as partner_service
from sara.people import service as people_service

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


OFFICER_A = "sarah.whitfield@lincs-police.example.org"
OFFICER_B = "daniel.okafor@lincs-police.example.org"
SUPERVISOR = "helen.marsh@lincs-police.example.org"
COUNCIL_OFFICER = "tom.ashworth@lincoln-council.example.org"
HOUSING_OFFICER = "joanne.fletcher@longwater-homes.example.org"
PROBATION_OFFICER = "marcus.bell@lincs-probation.example.org"

#: The demo accounts, documented in the README. Passwords are generated afresh on every seed.
DEMO_USERS = [
    DemoUser(OFFICER_A, "Sarah Whitfield", "officer", POLICE_FORCE),
    DemoUser(OFFICER_B, "Daniel Okafor", "officer", POLICE_FORCE),
    DemoUser(SUPERVISOR, "Helen Marsh", "supervisor", POLICE_FORCE),
    DemoUser("gareth.pryce@lincs-police.example.org", "Gareth Pryce", "call_handler", POLICE_FORCE),
    DemoUser("priya.chauhan@lincs-police.example.org", "Priya Chauhan", "admin", POLICE_FORCE),
    DemoUser(COUNCIL_OFFICER, "Tom Ashworth", "partner", COUNCIL),
    DemoUser(HOUSING_OFFICER, "Joanne Fletcher", "partner", HOUSING),
    DemoUser(PROBATION_OFFICER, "Marcus Bell", "partner", PROBATION),
]


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
        "stage": "scanning",
        "scanning": {
            "scan_source": "incident_data",
            "scan_summary": "23 cycle thefts recorded at the station racks in the last three "
                            "months against 9 in the same period last year. Almost all were taken "
                            "on weekdays between 08:00 and 18:00, and the cable lock was cut.",
        },
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
        # The council owns the garages and does the waste enforcement.
        "shares": [(COUNCIL, "contribute")],
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
        "then": [
            {"close": "reduced", "by": SUPERVISOR,
             "note": "Incidents fell from 37 to 11 in the quarter after the response, and four of "
                     "the group entered treatment. Handed back to routine patrol."},
        ],
        "shares": [(COUNCIL, "view")],
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
    },
]


# --- applying the data -------------------------------------------------------------------------

def already_seeded() -> bool:
    """True once any organisation exists: the demo is only loaded into an empty database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) > 0


def seed() -> dict[str, tuple[str, str]]:
    """Load the demo data and return {email: (role, password)}. Flushes; the caller commits."""
    organisations, neighbourhoods = _seed_organisations()
    users, passwords = _seed_users(organisations)
    for spec in CASES:
        _seed_case(spec, users, organisations, neighbourhoods)
    db.session.flush()
    return passwords


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
        passwords[demo.email] = (demo.role, password)
    return users, passwords


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
    for index, stage in enumerate(STAGE_ORDER[: last + 1]):
        _do_stage_work(case, owner, stage, spec)
        if index < last:
            case_service.move_stage(case, owner, STAGE_ORDER[index + 1], None, case.version)

    for recipient, level in spec.get("shares", ()):
        _share(case, owner, organisations, recipient, level)
    if spec.get("personal_details_shared"):
        _edit(case, owner, {"personal_details_shared": True})

    for step in spec.get("then", ()):
        _apply_step(case, users[step.get("by", spec["owner"])], step)
    return case


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


def _edit(case: ProblemCase, user: User, values: dict) -> None:
    case_service.update_fields(case, user, values, case.version)


def _add_tactic(case: ProblemCase, user: User, tactic: tuple[str, str, str]) -> None:
    category, side, description = tactic
    case_service.add_tactic(
        case, user, category=category, triangle_side=side, description=description,
        expected_version=case.version,
    )


_PERSON_FIELDS = ("name", "phone", "address", "postcode")


def _add_person(case: ProblemCase, user: User, person: dict) -> None:
    values = {field: person.get(field) for field in _PERSON_FIELDS}
    born = person.get("date_of_birth")
    values["date_of_birth"] = date.fromisoformat(born) if born else None
    people_service.add_person_to_case(
        case, user, values, person["role"], list(person.get("vulnerabilities", ())),
    )


def _share(case: ProblemCase, user: User, organisations, recipient: str, level: str) -> None:
    """Share with a whole organisation, by name, or with one person, by email."""
    if recipient in organisations:
        partner_service.share_with_organisation(case, user, organisations[recipient], level)
    else:
        partner_service.share_with_user(case, user, recipient, level)
