"""The demo seed: `flask --app wsgi sara seed-demo` and sara.demo.seed."""

import stat
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from sara import policy
from sara.actions.models import ACTION_STATUSES, Action
from sara.audit.models import AuditEvent
from sara.auth.models import ROLES, User
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.core.types import today, utcnow
from sara.demo.seed import DEMO_USERS, SUPERVISOR, already_seeded, seed
from sara.evaluation.models import REVIEW_OUTCOMES, CaseReview, Evaluation
from sara.extensions import db
from sara.flags.models import FLAG_KINDS, Flag
from sara.flags.rules import CLOSED_WITHOUT_EVALUATION_EXEMPT, RULE_DEFAULTS
from sara.flags.scan import scan_all_repeat_victims, scan_case_flags, scan_case_review
from sara.incidents import episodes
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.notifications.models import Notification
from sara.orgs.models import Neighbourhood, Organisation
from sara.partners.models import SHARE_LEVELS, CaseShare
from sara.people.lookup import lookup
from sara.people.models import (
    PERSON_ROLES,
    VULNERABILITIES,
    CasePerson,
    Person,
    PossibleDuplicate,
)
from sara.supervision.queries import supervisor_queue


def _all(model):
    return db.session.scalars(sa.select(model)).unique().all()


def test_seed_loads_organisations_users_and_cases():
    assert not already_seeded()
    passwords = seed()
    assert already_seeded()

    police = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "police"))
    assert police.name == "Lincolnshire Police"
    assert sorted(n.name for n in _all(Neighbourhood)) == [
        "Boston Town", "Lincoln Central", "Lincoln Ermine and Abbey",
    ]
    partners = {o.name: o.kind for o in _all(Organisation) if not o.is_police}
    assert partners == {
        "City of Lincoln Council": "local_authority",
        "Longwater Homes": "housing",
        "Probation Service – Lincolnshire": "probation",
    }

    users = _all(User)
    assert {u.role for u in users} == set(ROLES)
    assert {u.email for u in users} == {d.email for d in DEMO_USERS} == set(passwords)
    for organisation in _all(Organisation):
        if not organisation.is_police:
            assert any(u.organisation_id == organisation.id and u.role == "partner" for u in users)
    assert all(len(password) >= 12 for _, password in passwords.values())
    assert len({password for _, password in passwords.values()}) == len(passwords)

    cases = _all(ProblemCase)
    assert 18 <= len(cases) <= 30
    assert {c.stage for c in cases if c.is_open} == set(STAGE_ORDER)
    assert any(not c.is_open for c in cases)
    assert len({c.owner_id for c in cases}) == 2
    assert len({c.neighbourhood_id for c in cases}) == 3
    for case in cases:
        events = case_service.timeline(case)
        assert events, case.reference
        assert events[-1].kind == "created"
        assert events[0].case_version == case.version
        if case.stage_index >= STAGE_ORDER.index("analysis"):
            assert case.scan_summary and case.scan_baseline, case.reference
        if case.stage_index >= STAGE_ORDER.index("response"):
            assert case_service.has_analysis(case), case.reference
        if case.stage == "assessment" or case.closure_reason in ("resolved", "reduced"):
            assert 1 <= len(case.objectives) <= 3 and 2 <= len(case.tactics) <= 4, case.reference

    kinds = Counter(e.kind for e in _all(CaseEvent))
    assert kinds["created"] == len(cases)
    assert kinds["closed"] >= 4 and kinds["reopened"] >= 1
    backward = [
        e for e in _all(CaseEvent)
        if e.kind == "stage_moved"
        and STAGE_ORDER.index(e.to_stage) < STAGE_ORDER.index(e.from_stage)
    ]
    assert any(e.from_stage == "assessment" and e.to_stage == "analysis" for e in backward)
    assert all(e.reason for e in backward)


def test_seed_shares_cases_with_partners():
    seed()
    cases = _all(ProblemCase)
    shares = [s for s in _all(CaseShare) if s.ended_dt is None]
    assert len(shares) == len(_all(CaseShare))

    partners = [o for o in _all(Organisation) if not o.is_police]
    for organisation in partners:
        theirs = [s for s in shares if s.organisation_id == organisation.id]
        assert len(theirs) >= 3, organisation.name
    organisation_shares = [s for s in shares if s.organisation_id is not None]
    assert {s.level for s in organisation_shares} == set(SHARE_LEVELS)

    user_shares = [s for s in shares if s.user_id is not None]
    assert user_shares
    for share in user_shares:
        assert share.user.role == "partner"
        # Shared with the person, not with their whole organisation.
        assert not any(s.case_id == share.case_id and s.organisation_id == share.user.organisation_id
                       for s in shares)

    by_id = {c.id: c for c in cases}
    for share in shares:
        case = by_id[share.case_id]
        assert share.created_by_id == case.owner_id, case.reference
        assert any(e.kind == "shared" for e in case_service.timeline(case)), case.reference
    disclosures = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "disclosure")
    ).all()
    assert len(disclosures) == len(shares)

    shared = {s.case_id for s in shares}
    assert len(cases) - len(shared) >= 3, "several cases stay unshared"
    assert any(by_id[i].personal_details_shared for i in shared)
    assert any(not by_id[i].personal_details_shared for i in shared)
    assert not any(c.personal_details_shared for c in cases if c.id not in shared)

    # Every partner who signs in finds cases on their list, and only the shared ones.
    for user in _all(User):
        if user.role == "partner":
            visible = db.session.scalars(policy.visible_cases(user)).all()
            assert len(visible) >= 3, user.email
            assert {c.id for c in visible} <= shared


def test_seed_adds_people_to_cases():
    seed()
    cases = _all(ProblemCase)
    links = _all(CasePerson)
    people = _all(Person)
    # Each person on a case is on that case only; everyone else is a caller on an incident.
    assert len({link.person_id for link in links}) == len(links)
    callers = {ip.person_id for ip in _all(IncidentPerson)}
    assert {p.id for p in people} - {link.person_id for link in links} <= callers

    with_people = Counter(link.case_id for link in links)
    assert len(cases) // 3 <= len(with_people) <= len(cases) * 2 // 3
    assert all(1 <= n <= 4 for n in with_people.values())
    roles = Counter(link.role for link in links)
    assert set(roles) <= set(PERSON_ROLES)
    assert roles["victim"] >= 3 and roles["reporter"] >= 3 and roles["offender"] >= 1

    flagged = [p for p in people if p.vulnerabilities]
    assert len(flagged) >= 4
    kinds = {v.kind for p in people for v in p.vulnerabilities}
    assert kinds <= set(VULNERABILITIES)
    assert {"age", "disability", "mental_health", "repeat_victimisation"} <= kinds
    assert any(len(p.vulnerabilities) >= 2 for p in people)

    for person in people:
        assert person.name and person.reference.startswith("PN-")
        # Ofcom's drama ranges (mobile, and the fictional 01632 area): never a real subscriber.
        assert person.phone is None or person.phone.startswith(
            ("07700 900", "01632 960", "+44 1632 960")), person.phone
        assert person.postcode is None or person.postcode[:2] in ("LN", "PE"), person.postcode
    by_id = {c.id: c for c in cases}
    for case_id, count in with_people.items():
        events = case_service.timeline(by_id[case_id])
        assert sum(e.kind == "person_linked" for e in events) == count


def test_seed_allocates_actions_in_every_state():
    seed()
    actions = _all(Action)
    assert 25 <= len(actions) <= 40
    statuses = Counter(a.status for a in actions)
    assert set(statuses) == set(ACTION_STATUSES)
    assert all(a.result for a in actions if a.status == "done")
    assert all(a.cancel_reason for a in actions if a.status == "cancelled")
    # Actions were allocated while the cases were open, and closed cases have nothing left to do.
    assert not any(a.is_live for a in actions if not a.case.is_open)
    assert any(not a.case.is_open for a in actions)

    shares = _all(CaseShare)
    for organisation in (o for o in _all(Organisation) if not o.is_police):
        theirs = [
            a for a in actions
            if a.allocated_organisation_id == organisation.id
            or (a.allocated_user is not None and a.allocated_user.organisation_id == organisation.id)
        ]
        assert len(theirs) >= 2, organisation.name
        for action in theirs:
            # Only to partners the case is shared with: the organisation, or the named person.
            assert any(
                s.case_id == action.case_id and s.ended_dt is None
                and (s.organisation_id == organisation.id or s.user_id == action.allocated_user_id)
                for s in shares
            ), action.reference
    assert any(a.allocated_user is not None and a.allocated_user.role == "partner"
               for a in actions)

    # Every step was taken by someone allowed to work the action, and partners left notes.
    entries = [e for a in actions for e in a.history]
    for entry in entries:
        if entry.kind in ("status", "note"):
            assert policy.can_work_action(entry.user, entry.action), entry.action.reference
    assert any(e.kind == "note" and e.user.role == "partner" for e in entries)
    assert any(e.kind == "status" and e.from_status == "done" and e.to_status == "open"
               for e in entries)


def test_seed_flags_overdue_actions_and_notifies_partners():
    seed()
    actions = _all(Action)
    overdue = [a for a in actions if a.is_overdue]
    assert len(overdue) >= 4
    assert any(a.allocated_organisation is not None and not a.allocated_organisation.is_police
               for a in overdue)
    flags = db.session.scalars(
        sa.select(Flag).where(Flag.kind == "action_overdue", Flag.resolved_dt.is_(None))
    ).all()
    assert len(flags) == len(overdue)
    assert {f.action_id for f in flags} == {a.id for a in overdue}
    # Finished actions are not flagged, however long ago they were due.
    assert not db.session.scalars(sa.select(Flag).where(Flag.kind == "action_overdue",
                                                         Flag.resolved_dt.is_not(None))).all()

    notifications = _all(Notification)
    for user in _all(User):
        if user.role == "partner":
            kinds = {n.kind for n in notifications if n.user_id == user.id}
            assert "allocated" in kinds, user.email
    # Told: the allocator, and the allocated person or everyone in the allocated organisation.
    users = _all(User)
    expected = set()
    for action in overdue:
        expected.add(action.created_by_id)
        if action.allocated_user_id:
            expected.add(action.allocated_user_id)
        else:
            expected |= {u.id for u in users if u.role not in ("admin", "call_handler")
                         and u.organisation_id == action.allocated_organisation_id}
    told = {n.user_id for n in notifications if n.kind == "overdue"}
    assert told == expected
    assert any(u.role == "partner" for u in users if u.id in told)


def _live_flags(kind: str) -> list[Flag]:
    return db.session.scalars(
        sa.select(Flag).where(Flag.kind == kind, Flag.resolved_dt.is_(None))
    ).all()


def _state(evaluation: Evaluation) -> str:
    if evaluation.status == "draft" and evaluation.return_comments:
        return "returned"
    return evaluation.status


def test_seed_evaluates_cases_in_every_state():
    seed()
    cases = _all(ProblemCase)
    evaluations = _all(Evaluation)
    evaluated = {e.case_id for e in evaluations}
    supervisor = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR))

    states = Counter(_state(e) for e in evaluations)
    assert set(states) == {"draft", "submitted", "returned", "approved"}
    # Not started: a case at Assessment with no evaluation yet.
    assert any(c.is_open and c.stage == "assessment" and c.id not in evaluated for c in cases)

    for evaluation in evaluations:
        case = evaluation.case
        assert evaluation.measure, case.reference
        # Written at Assessment (a case sent back since keeps its evaluation).
        assert any(e.kind == "stage_moved" and e.to_stage == "assessment"
                   for e in case_service.timeline(case)), case.reference
        if evaluation.status != "draft" or evaluation.return_comments:
            assert evaluation.submitted_by_id == case.owner_id, case.reference
            assert evaluation.outcome, case.reference
        if evaluation.status == "approved" or evaluation.return_comments:
            assert evaluation.decided_by_id == supervisor.id, case.reference
        if evaluation.status == "approved":
            assert evaluation.before_count is not None and evaluation.after_count is not None
            assert evaluation.lessons, case.reference
            assert all(r.delivery and r.effectiveness != "unknown"
                       for r in evaluation.tactic_results), case.reference
            assert all(r.result for r in evaluation.objective_results), case.reference
            if not case.is_open:
                assert len(evaluation.tactic_results) == len(case.tactics), case.reference

    approved = [e for e in evaluations if e.status == "approved"]
    good_practice = [e for e in approved if e.is_good_practice]
    assert len(good_practice) >= 5
    assert all(len(e.good_practice_summary) > 200 and len(e.lessons) > 100
               for e in good_practice)
    assert any(not e.is_good_practice for e in approved)
    assert len({e.outcome for e in approved}) >= 2
    assert len({e.outcome for e in evaluations if e.outcome}) >= 3
    assert any(e.comparison_area and e.comparison_before_count for e in good_practice)
    assert any(e.is_displacement_checked and e.displacement_types for e in good_practice)


def test_seed_closes_cases_only_as_the_rules_allow():
    seed()
    closed = [c for c in _all(ProblemCase) if not c.is_open]
    reasons = Counter(c.closure_reason for c in closed)
    assert reasons["resolved"] >= 2 and reasons["reduced"] >= 2
    assert reasons["not_evaluated"] >= 1
    assert reasons["duplicate"] + reasons["transferred"] >= 1
    for case in closed:
        if case.closure_reason in ("resolved", "reduced"):
            assert case.evaluation is not None and case.evaluation.status == "approved"
            events = case_service.timeline(case)
            approved = next(e for e in events if e.kind == "evaluation"
                            and e.summary.startswith("Approved"))
            closing = next(e for e in events if e.kind == "closed")
            assert approved.id < closing.id, case.reference
    # Closed and later reopened: the approved evaluation stays with the case.
    assert any(c.is_open and c.evaluation is not None and c.evaluation.status == "approved"
               for c in _all(ProblemCase))


def test_seed_fills_the_review_queue_and_flags_it():
    seed()
    supervisor = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR))
    cases = _all(ProblemCase)
    now, today_ = utcnow(), today()

    reviews = _all(CaseReview)
    assert len(reviews) >= 3
    assert {r.outcome for r in reviews} == set(REVIEW_OUTCOMES)
    for review in reviews:
        case = next(c for c in cases if c.id == review.case_id)
        assert review.reviewer_id == supervisor.id and review.comments
        assert case.is_open and case.next_review_date == review.next_review_date
        assert case.last_reviewed_dt is not None
        assert any(e.kind == "review" for e in case_service.timeline(case))

    days = RULE_DEFAULTS["review_overdue"]["days"]
    overdue = {c.id for c in cases if c.is_open and (
        c.next_review_date < today_
        or (c.last_reviewed_dt or c.created_dt) < now - timedelta(days=days))}
    assert {f.case_id for f in _live_flags("review_overdue")} == overdue
    assert len(overdue) >= 2
    assert not overdue & {r.case_id for r in reviews}

    unsigned = _live_flags("evaluation_unsigned")
    assert len(unsigned) >= 1
    assert {f.case_id for f in unsigned} == {
        e.case_id for e in _all(Evaluation) if e.status == "submitted"
        and e.submitted_dt < now - timedelta(days=RULE_DEFAULTS["evaluation_unsigned"]["days"])}

    unevaluated = _live_flags("closed_unevaluated")
    assert len(unevaluated) >= 1
    assert {f.case_id for f in unevaluated} == {
        c.id for c in cases if not c.is_open
        and c.closure_reason not in CLOSED_WITHOUT_EVALUATION_EXEMPT
        and (c.evaluation is None or c.evaluation.status != "approved")}

    # The flags are those the scheduled scan would raise: running it again changes nothing.
    assert all(not r.raised and not r.resolved for r in scan_case_flags())

    queue = supervisor_queue(supervisor)
    assert queue.reviews_due.total.count == len(overdue)
    assert any(row.is_late for row in queue.awaiting_sign_off.rows)
    assert queue.closed_unevaluated.total.count == len(unevaluated)


def test_seed_demo_command_runs_only_once(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["sara", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    for demo in DEMO_USERS:
        assert demo.email in first.output

    second = runner.invoke(args=["sara", "seed-demo"])
    assert second.exit_code == 0, second.output
    assert "nothing to do" in second.output

    count = db.session.scalar(sa.select(sa.func.count()).select_from(ProblemCase))
    assert count == len(_all(ProblemCase)) and 18 <= count <= 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 4


def test_seed_records_incidents_and_links_them_to_cases():
    seed()
    # The calls recorded by form; the data.police.uk rows behind them are tested below.
    incidents = [i for i in _all(Incident) if i.source == "form"]
    assert 50 <= len(incidents) <= 80
    links = _all(CaseIncident)
    assert len(links) == len({link.incident_id for link in links}) >= 30
    linked = {link.incident_id for link in links}
    # A few calls from people on no case at all, as the call handler recorded them.
    off_case = [i for i in incidents if i.id not in linked]
    assert 10 <= len(off_case) <= 25

    now = utcnow()
    for incident in incidents:
        assert now - timedelta(days=560) < incident.occurred_dt < now, incident.source_key
        assert incident.category and incident.location_text and incident.description
        assert incident.lsoa_code and len(incident.lsoa_code) == 9, incident.source_key
        assert incident.lsoa_code.startswith(("E01025", "E01026")), incident.lsoa_code
        assert incident.latitude is not None and incident.longitude is not None
        assert len(incident.people) == 1, incident.source_key
        assert incident.people[0].role in ("victim", "reporter")
    assert sum(i.is_asb for i in incidents) >= 40 and any(not i.is_asb for i in incidents)

    cases = {c.id: c for c in _all(ProblemCase)}
    per_case = Counter(link.case_id for link in links)
    assert len(per_case) >= 10
    by_id = {i.id: i for i in incidents}
    lincoln = {n.id for n in _all(Neighbourhood) if n.name.startswith("Lincoln")}
    for link in links:
        case, incident = cases[link.case_id], by_id[link.incident_id]
        assert link.created_by_id == case.owner_id, case.reference
        # Near the problem: within a kilometre or so.
        assert abs(incident.latitude - case.latitude) < 0.01, case.reference
        assert abs(incident.longitude - case.longitude) < 0.01, case.reference
        if case.neighbourhood_id in lincoln:
            assert incident.lsoa_code.startswith("E01026"), case.reference
    for case_id, count in per_case.items():
        events = case_service.timeline(cases[case_id])
        assert sum(e.kind == "incident_linked" for e in events) == count

    # The same people call again: several callers have more than one incident.
    calls = Counter(ip.person_id for ip in _all(IncidentPerson))
    assert sum(n >= 2 for n in calls.values()) >= 5
    on_cases = {link.person_id for link in _all(CasePerson)}
    assert len(set(calls) & on_cases) >= 10


def test_seed_flags_repeat_victims_and_case_reviews():
    seed()
    now = utcnow()
    people = {p.id: p for p in _all(Person)}
    on_cases = {link.person_id for link in _all(CasePerson)}

    repeat = _live_flags("repeat_victim")
    assert len(repeat) >= 4
    # Exactly the people the rule names: 2 or more ASB incidents as victim or as a member of
    # the public reporting them, in a year.
    def named(asb):
        counts = Counter(ip.person_id for ip in _all(IncidentPerson)
                         if ip.is_asb is asb and ip.role in ("victim", "reporter")
                         and ip.caller_type == "public"
                         and ip.occurred_dt >= now - timedelta(days=365))
        return {p for p, n in counts.items() if n >= 2}
    assert {f.person_id for f in repeat} == named(True)
    # The council's noise officer reported twice: a professional, never a victim.
    names = {p.name: p for p in people.values()}
    assert names["Martin Hollis"].id not in {f.person_id for f in repeat}
    # The older, disabled tenant is a repeat victim of crime as well, under its own rule.
    crime = _live_flags("repeat_victim_crime")
    assert {f.person_id for f in crime} == named(False) >= {names["Winifred Gorseway"].id}
    # A person with a vulnerability flag is also a repeat victim, and one of them is on no case.
    assert any(people[f.person_id].vulnerabilities for f in repeat)
    vulnerable_off_case = [people[f.person_id] for f in repeat
                           if people[f.person_id].vulnerabilities and f.person_id not in on_cases]
    assert vulnerable_off_case

    reviews = _live_flags("case_review")
    by_person = [f for f in reviews if f.subject_key.startswith("person:")]
    by_people = [f for f in reviews if f.subject_key.endswith(":people")]
    assert by_person and by_people
    # One person's complaints reach it with or without a case; the different-people
    # threshold is about one problem, a case.
    assert all(f.case_id is None and f.person_id for f in by_person)
    assert all(f.case_id is not None for f in by_people)
    assert all(f.evidence["complaints"] >= 3 for f in by_person)
    assert all(f.evidence["people"] >= 5 for f in by_people)

    # Every kind of flag is there for a new user to find.
    assert {f.kind for f in _all(Flag) if f.resolved_dt is None} == set(FLAG_KINDS)
    # The flags are those the scheduled scans would raise: running them again changes nothing.
    for result in (*scan_all_repeat_victims(), scan_case_review()):
        assert not result.raised and not result.resolved, result

    # The call handler looking up the vulnerable caller on no case sees at once who she is.
    police = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "police"))
    caller = vulnerable_off_case[0]
    [hit] = lookup(police.id, phone=caller.phone)
    assert hit.person.id == caller.id
    assert hit.repeat_victim and hit.vulnerabilities
    # Her own complaints reach the case review or not, as the scan says, case or none.
    assert bool(hit.case_review) == (caller.id in {f.person_id for f in by_person})
    # And looking up the person whose complaints reached the case review threshold.
    complainant = people[by_person[0].person_id]
    [hit] = lookup(police.id, phone=complainant.phone)
    assert any(review["case_id"] is None and review["complaints"] >= 3
               for review in hit.case_review)


def test_seed_keeps_households_and_shared_landlines_apart_for_a_supervisor():
    seed()
    names = {p.name: p for p in _all(Person)}
    for name in ("Dennis Wragby", "Irene Wragby", "Priya Nowak-Okafor", "Tom Pritchard-Okafor",
                 "Keith Ulceby", "Joan Ulceby"):
        assert names[name].merged_into_id is None, name
    pairs = {(d.person.name, d.other.name): d.summary for d in _all(PossibleDuplicate)}
    assert pairs == {
        ("Dennis Wragby", "Irene Wragby"): "same address and surname; different first names",
        ("Keith Ulceby", "Joan Ulceby"):
            "same phone number; same address and surname; different first names",
    }
    police = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "police"))
    assert len(lookup(police.id, name="Ulceby")) == 2


def test_seed_leaves_a_call_made_twice_for_the_supervisor_to_confirm():
    """Amira Larkspur rang twice about one party, twelve minutes apart: the supervisor's queue
    proposes them as the same incident; nothing else is proposed."""
    seed()
    police = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "police"))
    [link] = episodes.open_proposals(police.id)
    assert link.reasons == ["same caller", "same place"]
    assert {p.person.name for i in (link.incident, link.other) for p in i.people} == {
        "Amira Larkspur"}
    assert link.incident.occurred_dt - link.other.occurred_dt == timedelta(minutes=12)


def test_seed_leaves_the_instant_checks_to_celery_after_the_commit(sent_tasks):
    """Recording the incidents puts the instant flag checks in the outbox, to leave when the
    transaction commits; nothing is sent to Celery during the seed itself (seed() only
    flushes)."""
    from sara.core import unit_of_work
    from sara.core.outbox import OutboxMessage

    seed()
    assert sent_tasks == []
    checks = db.session.scalars(sa.select(OutboxMessage.args).where(
        OutboxMessage.task == "worker.tasks.check_people")).all()
    assert {person for (ids,) in checks for person in ids} == {
        ip.person_id for ip in _all(IncidentPerson)}
    unit_of_work.commit()
    assert len(sent_tasks.named("check_people")) == len(checks)


def test_seed_gives_every_dashboard_chart_eighteen_months_of_data():
    """The dashboard's charts have something to show: real street-level ASB data in every month
    up to last month, cases opened, closed and entering Response in many months, varied
    evaluation outcomes, and repeat-victim flags raised in several months."""
    from sara.dashboards import service as dashboards

    seed()
    supervisor = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR))
    window = dashboards.window()
    asb = dashboards.asb_incidents(supervisor, None, window)
    monthly = [f.value for f in asb.series[0].figures]
    assert all(count > 0 for count in monthly[:-1]), monthly
    assert len([count for count in monthly if count]) >= 18

    street = [i for i in _all(Incident) if i.source == "police_uk"]
    assert 3000 <= len(street) <= 8000
    last_month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    latest = max(i.occurred_dt for i in street).date()
    assert latest.replace(day=1) == last_month
    assert all(i.is_asb and i.lsoa_code and i.occurred_precision == "month" for i in street)

    # Each neighbourhood has incidents of its own in most months.
    for hood in _all(Neighbourhood):
        chart = dashboards.asb_incidents(supervisor, hood.id, window)
        assert sum(f.value > 0 for f in chart.series[0].figures) >= 15, hood.name

    opened_closed = dashboards.cases_opened_closed(supervisor, None, window)
    opened, closed = ([f.value for f in s.figures] for s in opened_closed.series)
    assert sum(v > 0 for v in opened) >= 10 and sum(v > 0 for v in closed) >= 4
    assert sum(opened) == len(_all(ProblemCase))
    assert len({m.position // 1 for m in asb.markers}) >= 8, "Response entries over the months"

    outcomes = dashboards.evaluation_outcomes(supervisor, None)
    approved = [f.value for f in outcomes.series[0].figures]
    assert sum(v > 0 for v in approved) >= 4, "approved evaluations with varied outcomes"

    repeat = dashboards.repeat_victims(supervisor, None, window)
    raised = [sum(values) for values in zip(*([f.value for f in s.figures]
                                              for s in repeat.series), strict=True)]
    assert sum(v > 0 for v in raised) >= 5, raised
    assert sum(f.value for f in repeat.series[1].figures) >= 2, "some resolved since"


def test_seed_demo_keeps_the_passwords_in_a_file_only_the_user_can_read(app):
    path = Path(app.instance_path) / "demo-passwords.txt"
    path.unlink(missing_ok=True)

    result = app.test_cli_runner().invoke(args=["sara", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in result.output  # said where they are kept
    kept = path.read_text()
    for demo in DEMO_USERS:
        # The same password as printed, on the same line as the email
        printed = next(line for line in result.output.splitlines() if demo.email in line)
        assert [demo.role, demo.email, printed.split()[-1]] in [
            line.split() for line in kept.splitlines()]
