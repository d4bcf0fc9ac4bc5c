"""The demo seed: `flask --app wsgi sara seed-demo` and sara.demo.seed."""

from collections import Counter

import sqlalchemy as sa

from sara.auth.models import ROLES, User
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.demo.seed import DEMO_USERS, already_seeded, seed
from sara.extensions import db
from sara.orgs.models import Neighbourhood, Organisation


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
