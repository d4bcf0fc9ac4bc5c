import pytest
import sqlalchemy as sa

from sara.extensions import db
from tests.conftest import IS_POSTGRES


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in to SARA casebook" in response.get_data(as_text=True)


def test_officer_can_open_a_case(browser, officer, make_case):
    case = make_case(title="Youths at the parade")
    page = browser(officer).get(f"/cases/{case.reference}")
    assert page.status_code == 200
    assert "Youths at the parade" in page.get_data(as_text=True)


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's JIT compiler")
def test_postgres_connections_run_without_the_jit_compiler(app):
    # A misestimated dashboard plan spent longer compiling than running (bench/results/).
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
