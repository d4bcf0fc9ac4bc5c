"""Each flag rule as a pure function: used for instant checks and to explain a flag.

The same rules run as set-based SQL over every row in sara.flags.scan; tests prove the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import g, has_request_context

from sara.actions.models import LIVE_STATUSES
from sara.core.types import local_zone
from sara.extensions import db
from sara.flags.models import FLAG_KINDS, FlagRule


def action_is_overdue(status: str, due_date: date, today: date) -> bool:
    """Past its due date and not done (or cancelled). Due today is not yet overdue."""
    return status in LIVE_STATUSES and due_date < today


#: The numbers each rule uses by default (DESIGN.md, "Flag rules").
RULE_DEFAULTS = {
    "review_overdue": {"days": 28},
    "evaluation_unsigned": {"days": 14},
}

#: Closure reasons that need no evaluation and so raise no "closed without evaluation" flag.
CLOSED_WITHOUT_EVALUATION_EXEMPT = ("duplicate", "transferred")


@dataclass(frozen=True)
class ReviewDue:
    """Why an open case is due for review: one part of the rule holds, or both."""

    #: Days since the last supervisor review (since the case was opened, if it never had one),
    #: when that is more than the rule allows; else None
    days_unreviewed: int | None
    is_never_reviewed: bool
    #: The next review date, when it has passed; else None
    passed_review_date: date | None


def review_due(*, is_open: bool, last_reviewed, created, next_review_date, now, today,
               days: int) -> ReviewDue | None:
    """Why the case is due for review, or None if it is not: an open case with no supervisor
    review in `days` days, or past its next review date."""
    if not is_open:
        return None
    last_seen = last_reviewed or created
    is_unreviewed = last_seen < now - timedelta(days=days)
    is_past_date = next_review_date is not None and next_review_date < today
    if not (is_unreviewed or is_past_date):
        return None
    return ReviewDue(days_unreviewed=(now - last_seen).days if is_unreviewed else None,
                     is_never_reviewed=last_reviewed is None,
                     passed_review_date=next_review_date if is_past_date else None)


def review_is_overdue(*, is_open: bool, last_reviewed, created, next_review_date, now, today,
                      days: int) -> bool:
    """An open case with no supervisor review in `days` days, or past its next review date."""
    return review_due(is_open=is_open, last_reviewed=last_reviewed, created=created,
                      next_review_date=next_review_date, now=now, today=today,
                      days=days) is not None


def evaluation_awaits_sign_off(*, status: str, submitted, now, days: int) -> bool:
    """Submitted more than `days` days ago and not yet decided."""
    return (status == "submitted" and submitted is not None
            and submitted < now - timedelta(days=days))


def closed_without_evaluation(*, is_open: bool, closure_reason, evaluation_status) -> bool:
    return (not is_open and closure_reason not in CLOSED_WITHOUT_EVALUATION_EXEMPT
            and evaluation_status != "approved")


# --- rules an admin can change (numbers are versioned in the flag_rules table) -----------------

EDITABLE_RULES = {
    "repeat_victim": {"threshold": 2, "window_days": 365},
    # HMIC: "a person who has been the victim of crime within a rolling 12 month period"
    "repeat_victim_crime": {"threshold": 2, "window_days": 365},
    # ASB, Crime and Policing Act 2014 statutory guidance: three qualifying complaints in six
    # months; the different-people threshold is a local variant (5 is common).
    # A single hate incident or crime meeting it is a local variant too, off (0) unless an area
    # turns it on (1).
    "case_review": {"complaints": 3, "people": 5, "window_months": 6, "hate_incident": 0},
    "review_overdue": {"days": 28},
    "evaluation_unsigned": {"days": 14},
    # Two reports this close together, by one caller or about one place, are proposed as one
    # episode (sara.incidents.episodes) for a person to confirm.
    "same_incident": {"window_minutes": 60},
    # Working days each stage of a case review may take (sara.asb_reviews.clocks): from the
    # application to the threshold decision, from a "met" decision to the review meeting, and
    # from the meeting to the outcome letter. Areas publish their own; these are common ones.
    "asb_review_overdue": {"decision_days": 10, "meeting_days": 15, "outcome_days": 5},
}
#: Each editable rule's name on the admin's page.
RULE_TITLES = {**{kind: FLAG_KINDS[kind] for kind in EDITABLE_RULES if kind in FLAG_KINDS},
               "same_incident": "Reports proposed as the same incident"}
RULE_LABELS = {
    "threshold": "ASB incidents that make a repeat victim",
    "window_days": "Rolling window, in days",
    "window_months": "Rolling window, in calendar months",
    "complaints": "Complaints by one person about the same problem",
    "people": "Different people complaining about the same problem",
    "days": "Days",
    "window_minutes": "Minutes between the reports, at most",
    "hate_incident": "One hate incident or crime meets it: 1 for yes, 0 for no",
    "decision_days": "Working days from the application to the threshold decision",
    "meeting_days": "Working days from a threshold met to the review meeting",
    "outcome_days": "Working days from the review meeting to the outcome letter",
}


def current_rules(kind: str) -> dict[int, tuple[int, dict]]:
    """organisation id -> (version, params) of the rule each force has changed; a force that
    never changed it uses the defaults, as version 1 (`current_rule`). One small query per rule
    and request (a page asks many times); forget_rules() after changing one."""
    cache = g.setdefault("_flag_rules", {}) if has_request_context() else {}
    if kind not in cache:
        newest = (sa.select(FlagRule.organisation_id, sa.func.max(FlagRule.version).label("v"))
                  .where(FlagRule.kind == kind).group_by(FlagRule.organisation_id).subquery())
        rows = db.session.execute(
            sa.select(FlagRule.organisation_id, FlagRule.version, FlagRule.params)
            .join(newest, sa.and_(newest.c.organisation_id == FlagRule.organisation_id,
                                  newest.c.v == FlagRule.version))
            .where(FlagRule.kind == kind)
        ).all()
        cache[kind] = {org_id: (version, {**EDITABLE_RULES[kind], **params})
                       for org_id, version, params in rows}
    return {org_id: (version, dict(params)) for org_id, (version, params) in cache[kind].items()}


def current_rule(kind: str, organisation_id: int | None) -> tuple[int, dict]:
    """(version, params) of the rule in force for one police organisation."""
    rule = current_rules(kind).get(organisation_id) if organisation_id is not None else None
    return rule or (1, dict(EDITABLE_RULES[kind]))


def rule_value(kind: str, name: str, organisation_id):
    """A rule's number as SQL, for rows of many forces at once: `organisation_id` is the column
    saying whose row it is. A literal when every force uses the same number (the usual case, so
    the scans' plans do not change), else a CASE over the forces that changed it."""
    default = EDITABLE_RULES[kind][name]
    changed = {org_id: params[name] for org_id, (_v, params) in current_rules(kind).items()
               if params[name] != default}
    if not changed:
        return sa.literal(default)
    return sa.case(changed, value=organisation_id, else_=sa.literal(default))


def rule_version(kind: str, organisation_id):
    """The version of the rule in force, as SQL over rows of many forces (see rule_value)."""
    versions = {org_id: version for org_id, (version, _p) in current_rules(kind).items()}
    if not versions:
        return sa.literal(1)
    return sa.case(versions, value=organisation_id, else_=sa.literal(1))


def rule_cutoff(kind: str, name: str, organisation_id, now, like):
    """`now` minus the rule's number of days (or of calendar months, for a `*_months` number),
    as SQL over rows of many forces (see rule_value);
    `like` is the column it is compared with, whose type the instants take."""
    default = EDITABLE_RULES[kind][name]

    def at(number: int):
        moment = (months_before(now, number) if name.endswith("_months")
                  else now - timedelta(days=number))
        return sa.literal(moment, type_=like.type)

    changed = {org_id: at(params[name]) for org_id, (_v, params) in current_rules(kind).items()
               if params[name] != default}
    if not changed:
        return at(default)
    return sa.case(changed, value=organisation_id, else_=at(default))


def rule_defaults(kind: str) -> dict:
    return dict(EDITABLE_RULES[kind])


def rule_is_uniform(kind: str) -> bool:
    """Whether every force applies this rule's default numbers."""
    return all(params == EDITABLE_RULES[kind] for _v, params in current_rules(kind).values())


def forget_rules() -> None:
    if has_request_context():
        g.pop("_flag_rules", None)


# --- the ASB case review (community trigger) ------------------------------------------------------

#: ASB, Crime and Policing Act 2014 statutory guidance: a complaint counts towards the threshold
#: when it was made within one month of the behaviour complained of.
REPORTING_MONTHS = 1


def reported_in_time(occurred: datetime, reported: datetime) -> bool:
    """Whether a complaint was made within one calendar month of the behaviour, in UK local
    time (14 January to 14 February; 31 January to 28 or 29 February)."""
    local = local_zone()
    return (reported.astimezone(local)
            <= occurred.astimezone(local) + relativedelta(months=REPORTING_MONTHS))


def late_reason(occurred: datetime, reported: datetime) -> str:
    """Why a complaint does not count, in words: "reported 47 days after the behaviour"."""
    local = local_zone()
    days = (reported.astimezone(local).date() - occurred.astimezone(local).date()).days
    return f"reported {days} days after the behaviour"


def months_before(now: datetime, months: int) -> datetime:
    """The instant `months` calendar months before `now`, in UK local time, as UTC."""
    return (now.astimezone(local_zone()) - relativedelta(months=months)).astimezone(UTC)


def counts_as_victim(role: str, caller_type: str = "public") -> bool:
    """A victim, or a member of the public who reported it (sara.flags.scan.counts_as_victim)."""
    return role in ("victim", "reporter") and caller_type == "public"


def is_repeat_victim(incidents, *, now, threshold: int, window_days: int,
                     asb: bool = True) -> bool:
    """Per-person rule: incidents are (episode, occurred_dt, is_asb, role, caller_type) rows for
    one person, `episode` being the incident's first report (its own id if it is one). A repeat
    victim has `threshold` or more episodes of ASB (or with asb=False, of crime) as victim or
    as a member of the public reporting it, within the last `window_days` days (a moment
    exactly window_days ago still counts)."""
    cutoff = now - timedelta(days=window_days)
    counted = {episode for episode, when, is_asb, role, caller_type in incidents
               if is_asb == asb and counts_as_victim(role, caller_type)
               and cutoff <= when <= now}
    return len(counted) >= threshold


def case_review_subjects(complaints, *, now, complaints_threshold: int, people_threshold: int,
                         window_months: int, hate_incident: bool = False) -> set[str]:
    """Community trigger, per person and per case. complaints are (case_id or None, person_id,
    reported_dt, is_reported_in_time, episode[, is_hate]) for ASB incidents with the person as
    victim or as a member of the public reporting it. In the window (the last `window_months`
    calendar months, on the reported date), an episode is one complaint, and qualifies when any
    of its reports was made within a month of the behaviour. A person with
    `complaints_threshold` qualifying complaints reaches it, case or none; so does a case with
    qualifying complaints from `people_threshold` different people about more than one
    episode; and with `hate_incident`, a person with one hate complaint made in time."""
    cutoff = months_before(now, window_months)
    qualifying: dict[tuple, set] = {}  # (person, episode) -> {case ids}; present if qualifying
    seen: dict[tuple, bool] = {}
    hated: set[int] = set()
    for case_id, person_id, reported, in_time, episode, *hate in complaints:
        if cutoff <= reported <= now:
            key = (person_id, episode)
            seen[key] = seen.get(key, False) or in_time
            qualifying.setdefault(key, set())
            if case_id is not None and in_time:
                qualifying[key].add(case_id)
            if hate_incident and hate and hate[0] and in_time:
                hated.add(person_id)
    by_person: dict[int, int] = {}
    people_by_case: dict[int, set] = {}
    episodes_by_case: dict[int, set] = {}
    for (person_id, _episode), is_qualifying in seen.items():
        if is_qualifying:
            by_person[person_id] = by_person.get(person_id, 0) + 1
    for (person_id, episode), case_ids in qualifying.items():
        for case_id in case_ids:
            people_by_case.setdefault(case_id, set()).add(person_id)
            episodes_by_case.setdefault(case_id, set()).add(episode)
    subjects = {f"person:{p}" for p, n in by_person.items() if n >= complaints_threshold}
    subjects |= {f"person:{p}" for p in hated}
    subjects |= {f"case:{c}:people" for c, people in people_by_case.items()
                 if len(people) >= people_threshold and len(episodes_by_case[c]) > 1}
    return subjects
