"""The dashboard's figures. Each one is counted by the query function of the list it links to,
with the filters the link carries (cases: sara.cases.queries.filtered_cases; incidents:
sara.incidents.queries.filtered_incidents; actions: sara.actions.service.filtered_actions; flags:
sara.flags.service's queue query), so a figure and the list behind it cannot disagree. Every
count is one GROUP BY query; months are local (Europe/London) calendar months, bounded by the
same instants in the counts and in the lists (sara.core.sql.month_range).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for

from sara import policy
from sara.actions import service as action_service
from sara.audit import consultation
from sara.cases import queries as case_queries
from sara.cases.models import CaseEvent, ProblemCase
from sara.cases.queries import CaseFilters
from sara.cases.taxonomy import STAGE_ORDER, STAGES
from sara.core.sql import local_midnight, month_bucket
from sara.core.types import local_zone
from sara.core.types import today as local_today
from sara.dashboards.charts import BLUE, GREEN, PURPLE, RED, Chart, Figure, Marker, Series
from sara.evaluation.models import OUTCOMES, Evaluation
from sara.extensions import db
from sara.flags import service as flag_service
from sara.incidents import queries as incident_queries

#: Full months shown before the current one (which is shown too, so far).
MONTHS = 18
#: The width of a chart drawn beside its table
NARROW = 520


@dataclass
class Window:
    #: The first day of each month shown, oldest first; the last is the current month
    months: list[date]
    #: Their bounds as UTC instants: one more than months
    edges: list[datetime]

    @property
    def first_day(self) -> date:
        return self.months[0]

    def label(self, index: int, short: bool = True) -> str:
        month = self.months[index]
        text = month.strftime("%b %y" if short else "%B %Y")
        return text if index < len(self.months) - 1 or short else f"{text} (so far)"


def _last_day(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def window(today: date | None = None, months: int = MONTHS) -> Window:
    today = today or local_today()
    firsts = []
    year, month = today.year, today.month
    for _ in range(months + 1):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    edges = [local_midnight(first) for first in firsts] + [local_midnight(following)]
    return Window(firsts, edges)


def _n(neighbourhood_id: int | None) -> dict:
    return {"neighbourhood": neighbourhood_id} if neighbourhood_id else {}


# --- 1. cases by stage -------------------------------------------------------------------------

def cases_by_stage(user, neighbourhood_id: int | None) -> Chart:
    filters = CaseFilters(status="open", neighbourhood_id=neighbourhood_id)
    counts = dict(case_queries.count_cases_by(user, filters, ProblemCase.stage))
    figures = [Figure(counts.get(stage, 0),
                      url_for("cases.case_list", status="open", stage=stage,
                              **_n(neighbourhood_id)))
               for stage in STAGE_ORDER]
    return Chart(
        id="chart-stage", title="Open cases by SARA stage",
        description=_describe_bars([STAGES[s] for s in STAGE_ORDER], figures, "open cases"),
        categories=[STAGES[s] for s in STAGE_ORDER],
        series=[Series("Open cases", figures, BLUE)],
        y_label="Cases", category_heading="Stage", width=NARROW,
    )


# --- 2. cases opened and closed per month ------------------------------------------------------

def _monthly_cases(user, neighbourhood_id, win: Window, column, first_key: str) -> list[Figure]:
    """Cases whose `column` (created or closed) falls in each month: the case list filtered by
    opened_from/opened_to (or closed_...) for that month counts the same cases."""
    last_key = first_key.replace("_from", "_to")
    filters = CaseFilters(neighbourhood_id=neighbourhood_id,
                          **{first_key: win.first_day, last_key: _last_day(win.months[-1])})
    counts = dict(case_queries.count_cases_by(user, filters, month_bucket(column, win.edges)))
    return [Figure(counts.get(index, 0),
                   url_for("cases.case_list", **{first_key: first.isoformat(),
                                                 last_key: _last_day(first).isoformat()},
                           **_n(neighbourhood_id)))
            for index, first in enumerate(win.months)]


def cases_opened_closed(user, neighbourhood_id: int | None, win: Window) -> Chart:
    opened = _monthly_cases(user, neighbourhood_id, win, ProblemCase.created_dt, "opened_from")
    closed = _monthly_cases(user, neighbourhood_id, win, ProblemCase.closed_dt, "closed_from")
    return Chart(
        id="chart-opened-closed", title="Cases opened and closed each month",
        description=(f"Bar chart, by month from {win.label(0, False)} to "
                     f"{win.label(len(win.months) - 1, False)}: "
                     f"{sum(f.value for f in opened)} cases opened and "
                     f"{sum(f.value for f in closed)} closed."),
        categories=[win.label(i) for i in range(len(win.months))],
        table_categories=[win.label(i, short=False) for i in range(len(win.months))],
        series=[Series("Opened", opened, BLUE), Series("Closed", closed, GREEN)],
        y_label="Cases", category_heading="Month",
    )


# --- 3. ASB incidents per month, with the cases entering Response ------------------------------

def asb_incidents(user, neighbourhood_id: int | None, win: Window) -> Chart:
    filters = incident_queries.IncidentFilters(neighbourhood_id=neighbourhood_id,
                                               is_asb_only=True)
    counts = incident_queries.count_incidents_by_month(user, filters, win.edges)
    figures = [Figure(count, url_for("incidents.incident_list", month=first.strftime("%Y-%m"),
                                     asb="1", **_n(neighbourhood_id)))
               for count, first in zip(counts, win.months, strict=True)]
    markers, entered = response_entries(user, neighbourhood_id, win)
    marked = ("marked on the chart" if len(markers) == entered
              else f"the latest {len(markers)} marked on the chart")
    return Chart(
        id="chart-asb", kind="line", title="ASB incidents each month",
        description=(f"Line chart, by month from {win.label(0, False)} to "
                     f"{win.label(len(win.months) - 1, False)}: {sum(counts)} ASB incidents, "
                     f"at most {max(counts, default=0)} in a month. {entered} "
                     f"{'case' if entered == 1 else 'cases'} entered the Response stage "
                     f"in the period, {marked}."),
        categories=[win.label(i) for i in range(len(win.months))],
        table_categories=[win.label(i, short=False) for i in range(len(win.months))],
        series=[Series("ASB incidents", figures, RED)], markers=markers,
        y_label="Incidents", category_heading="Month",
    )


#: More markers than this make the line unreadable; the latest are drawn and the count says so.
MAX_MARKERS = 40


def response_entries(user, neighbourhood_id: int | None, win: Window) -> tuple[list[Marker], int]:
    """The latest times cases the user can see moved into Response in the window (at most
    MAX_MARKERS, oldest first), from their timelines (sara.cases.service.move_stage records every
    move), and how many such moves there were in all."""
    cases = case_queries.filtered_cases(user, CaseFilters(neighbourhood_id=neighbourhood_id))
    visible = cases.with_only_columns(ProblemCase.id).subquery()
    entries = (
        sa.select(CaseEvent.created_dt, ProblemCase.reference, ProblemCase.title,
                  ProblemCase.id)
        .join(ProblemCase, ProblemCase.id == CaseEvent.case_id)
        .where(CaseEvent.case_id.in_(sa.select(visible.c.id)),
               CaseEvent.kind == "stage_moved", CaseEvent.to_stage == "response",
               CaseEvent.created_dt >= win.edges[0], CaseEvent.created_dt < win.edges[-1])
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(entries.subquery())) or 0
    rows = list(reversed(db.session.execute(
        entries.order_by(CaseEvent.created_dt.desc(), ProblemCase.reference.desc())
        .limit(MAX_MARKERS)
    ).all()))
    consultation.listed_references(
        "case", [reference for _w, reference, _t, _i in rows],
        case_ids=[case_id for *_rest, case_id in rows],
        summary=consultation.counted(len(rows), "case") + " on the dashboard's ASB chart")
    markers = []
    for when, reference, title, _case_id in rows:
        index = max(i for i, edge in enumerate(win.edges[:-1]) if edge <= when)
        span = (win.edges[index + 1] - win.edges[index]).total_seconds()
        fraction = (when - win.edges[index]).total_seconds() / span
        day = when.astimezone(local_zone()).date()
        markers.append(Marker(
            position=index + fraction, label=reference.rsplit("-", 1)[-1].lstrip("0"),
            text=f"{reference} “{title}” entered Response on {day.day} {day:%B %Y}",
            href=url_for("cases.show", reference=reference)))
    return markers, total


# --- 4. evaluation outcomes --------------------------------------------------------------------

def evaluation_outcomes(user, neighbourhood_id: int | None) -> Chart:
    """The outcome given in each evaluation, signed off or awaiting sign-off (a draft's outcome is
    not yet anyone's finding, so drafts are left out)."""
    series = []
    for state, name, colour in (("approved", "Approved", GREEN),
                                ("submitted", "Awaiting sign-off", BLUE)):
        filters = CaseFilters(neighbourhood_id=neighbourhood_id, evaluation=state)
        counts = dict(case_queries.count_cases_by(user, filters, Evaluation.outcome))
        series.append(Series(name, [
            Figure(counts.get(outcome, 0),
                   url_for("cases.case_list", evaluation=state, outcome=outcome,
                           **_n(neighbourhood_id)))
            for outcome in OUTCOMES], colour))
    approved, awaiting = (sum(f.value for f in s.figures) for s in series)
    return Chart(
        id="chart-outcomes", title="Evaluation outcomes",
        description=(f"Bar chart of evaluation outcomes: {approved} approved and {awaiting} "
                     "awaiting sign-off. " + "; ".join(
                         f"{label}: {a.value} approved, {w.value} awaiting"
                         for label, a, w in zip(OUTCOMES.values(), series[0].figures,
                                                series[1].figures, strict=True)) + "."),
        categories=list(OUTCOMES.values()), series=series, y_label="Evaluations",
        category_heading="Outcome",
    )


# --- 5. overdue actions and reviews ------------------------------------------------------------

def overdue(user, neighbourhood_id: int | None) -> Chart:
    actions = action_service.filtered_actions(user, "all", is_overdue_only=True,
                                              neighbourhood_id=neighbourhood_id)
    action_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(actions.subquery())) or 0
    reviews = case_queries.count_cases(user, CaseFilters(neighbourhood_id=neighbourhood_id,
                                                         review="due"))
    figures = [
        Figure(action_count, url_for("actions.action_list", scope="all", overdue="1",
                                     **_n(neighbourhood_id))),
        Figure(reviews, url_for("cases.case_list", review="due", **_n(neighbourhood_id))),
    ]
    categories = ["Overdue actions", "Cases due or overdue for review"]
    return Chart(
        id="chart-overdue", title="Overdue actions and reviews",
        description=_describe_bars(categories, figures, ""), categories=categories,
        series=[Series("Number", figures, RED)], y_label="Number", category_heading="What",
        width=NARROW,
    )


# --- 6. repeat victims -------------------------------------------------------------------------

def repeat_victims(user, neighbourhood_id: int | None, win: Window) -> Chart:
    """Repeat ASB victim flags counted by the month they were raised (a person newly identified
    as a repeat victim), split into those still live and those resolved since."""
    series = []
    for is_resolved, name, colour, endpoint in (
            (False, "Still live", PURPLE, "flags.queue"),
            (True, "Resolved since", BLUE, "flags.resolved")):
        filters = flag_service.QueueFilters(kind="repeat_victim", neighbourhood=neighbourhood_id,
                                            is_resolved=is_resolved)
        counts = flag_service.count_flags_by_month(user, filters, win.edges)
        series.append(Series(name, [
            Figure(count, url_for(endpoint, kind="repeat_victim", raised=first.strftime("%Y-%m"),
                                  **_n(neighbourhood_id)))
            for count, first in zip(counts, win.months, strict=True)], colour))
    total = sum(f.value for s in series for f in s.figures)
    return Chart(
        id="chart-repeat", kind="stacked", title="Repeat ASB victims identified each month",
        description=(f"Stacked bar chart, by month from {win.label(0, False)} to "
                     f"{win.label(len(win.months) - 1, False)}: {total} repeat ASB victim "
                     "flags raised, each counted in the month it was raised, split into those "
                     "still live and those resolved since."),
        categories=[win.label(i) for i in range(len(win.months))],
        table_categories=[win.label(i, short=False) for i in range(len(win.months))],
        series=series, y_label="People flagged", category_heading="Month raised",
    )


def _describe_bars(categories: list[str], figures: list[Figure], what: str) -> str:
    parts = "; ".join(f"{label}: {figure.value}" for label, figure in
                      zip(categories, figures, strict=True))
    return f"Bar chart{' of ' + what if what else ''}. {parts}."


# --- the page ----------------------------------------------------------------------------------

@dataclass
class Dashboard:
    window: Window
    stage: Chart
    opened_closed: Chart
    asb: Chart | None
    outcomes: Chart
    overdue: Chart
    repeat: Chart | None


def dashboard(user, neighbourhood_id: int | None, today: date | None = None) -> Dashboard:
    win = window(today)
    return Dashboard(
        window=win,
        stage=cases_by_stage(user, neighbourhood_id),
        opened_closed=cases_opened_closed(user, neighbourhood_id, win),
        asb=(asb_incidents(user, neighbourhood_id, win)
             if policy.can_list_incidents(user) else None),
        outcomes=evaluation_outcomes(user, neighbourhood_id),
        overdue=overdue(user, neighbourhood_id),
        repeat=(repeat_victims(user, neighbourhood_id, win)
                if policy.can_see_flag_queue(user) else None),
    )
