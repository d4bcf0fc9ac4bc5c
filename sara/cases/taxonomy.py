"""The fixed lists a problem case is described with. Keys are stored; labels are shown."""

PROBLEM_TYPES = {
    "asb_youth": "Anti-social behaviour: youth-related",
    "asb_neighbour": "Anti-social behaviour: neighbour nuisance",
    "asb_drugs": "Drug-related anti-social behaviour",
    "asb_street_drinking": "Street drinking and begging",
    "noise": "Noise nuisance",
    "vandalism": "Vandalism and criminal damage",
    "graffiti": "Graffiti",
    "fly_tipping": "Fly-tipping and littering",
    "vehicle_crime": "Vehicle crime",
    "nuisance_vehicles": "Nuisance vehicles and off-road bikes",
    "burglary": "Burglary",
    "other": "Other",
}

STAGES = {
    "scanning": "Scanning",
    "analysis": "Analysis",
    "response": "Response",
    "assessment": "Assessment",
}
STAGE_ORDER = list(STAGES)

STATUSES = {"open": "Open", "closed": "Closed"}

SCANNING_SOURCES = {
    "community_meeting": "Community meeting or PACT priority",
    "incident_data": "Incident or crime data",
    "partner_referral": "Partner referral",
    "resident_complaint": "Resident complaints",
    "councillor_mp": "Councillor or MP enquiry",
    "patrol_observation": "Officer or PCSO observation",
    "other": "Other",
}

TRIANGLE_SIDES = {
    "victim": "Victim",
    "offender": "Offender",
    "location": "Location",
}

TACTIC_CATEGORIES = {
    "situational": "Situational crime prevention",
    "enforcement": "Enforcement",
    "engagement": "Engagement",
    "diversion": "Diversion",
    "environmental": "Environmental",
    "support": "Support",
}

CLOSURE_REASONS = {
    "resolved": "Problem resolved",
    "reduced": "Problem reduced to an acceptable level",
    "duplicate": "Duplicate of another case",
    "transferred": "Transferred to another team or agency",
    "not_evaluated": "No longer a problem: not evaluated",
}

#: The analysis fields: the problem analysis triangle, then when/where/why/how and root causes.
ANALYSIS_FIELDS = {
    "analysis_victim": "Victim: who is harmed and why they are vulnerable",
    "analysis_offender": "Offender: who causes the problem and what motivates them",
    "analysis_location": "Location: what about the place allows the problem",
    "analysis_handler": "Handler: who has influence over the offenders",
    "analysis_guardian": "Guardian: who can protect the victims",
    "analysis_manager": "Place manager: who is responsible for the location",
    "analysis_when": "When does it happen",
    "analysis_where": "Where exactly does it happen",
    "analysis_why": "Why does it happen",
    "analysis_how": "How does it happen",
    "analysis_root_causes": "Root causes",
}

SCANNING_FIELDS = {
    "scan_source": "How the problem came to notice",
    "scan_summary": "Scanning summary: the pattern seen",
    "scan_baseline": "Baseline: the scale of the problem now, and what success looks like",
}

CASE_FIELDS = {
    "title": "Title",
    "problem_type": "Problem type",
    "neighbourhood_id": "Neighbourhood",
    "location_text": "Location",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "description": "Description",
    "owner_id": "Owner",
    "review_cadence_days": "Review cadence (days)",
    "next_review_date": "Next review date",
    "personal_details_shared": "Personal details shared with partners",
}

#: Every field label the timeline can show, in one place.
FIELD_LABELS = {**CASE_FIELDS, **SCANNING_FIELDS, **ANALYSIS_FIELDS}
