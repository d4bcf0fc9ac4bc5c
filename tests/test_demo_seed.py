"""The demo seed: `flask --app wsgi sara seed-demo` and sara.demo.seed."""

from collections import Counter

import sqlalchemy as sa

from sara import policy
from sara.audit.models import AuditEvent
from sara.auth.models import ROLES, User
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.demo.seed import DEMO_USERS, already_seeded, seed
from sara.extensions import db
from sara.orgs.models import Neighbourhood, Organisation
from sara.partners.models import SHARE_LEVELS, CaseShare
from sara.people.models import PERSON_ROLES, VULNERABILITIES, CasePerson, Person


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
    assert 18 <= len(cases) <= 24
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
        if case.stage == "assessment" or not case.is_open:
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
    assert len(people) == len(links)

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
        # Ofcom's drama range: never a real subscriber.
        assert person.phone is None or person.phone.startswith("07700 900"), person.phone
        assert person.postcode is None or person.postcode[:2] in ("LN", "PE"), person.postcode
    by_id = {c.id: c for c in cases}
    for case_id, count in with_people.items():
        events = case_service.timeline(by_id[case_id])
        assert sum(e.kind == "person_linked" for e in events) == count


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
    assert count == len(_all(ProblemCase)) and 18 <= count <= 24
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 4
