"""The one place that decides who may see and change which record.

Every case query starts from `visible_cases(user)` (built on the SQL filter `case_scope(user)`),
and every case page loads its case with `get_case_or_404(user, reference)`. A case the user may not
see is indistinguishable from one that does not exist: the answer is always 404, never 403.

What a user may do with a case they can see follows from their access level:

- "manage": an officer or supervisor of the police organisation that owns the case;
- "read": anyone else in the owning organisation (call handlers, admins);
- "contribute" or "view": what a share gives a partner organisation or a named user.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, has_request_context
from sqlalchemy.sql.elements import ColumnElement

from sara.actions.models import Action
from sara.api.models import ApiToken
from sara.asb_reviews.models import AsbReview, AsbReviewParticipant
from sara.audit import consultation
from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.core.converters import MAX_BIG_ID, MAX_ID
from sara.core.references import clean_person_reference
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.models import Flag
from sara.incidents.models import Incident, IncidentImport, PartnerComplaint, SameIncidentLink
from sara.library.models import CaseStudy
from sara.orgs.models import Organisation
from sara.partners.models import CaseShare
from sara.people.models import Person, PossibleDuplicate
from sara.roles import CASE_WORKER_ROLES, PARTNER_ONLY_ROLES, roles_for_kind

MANAGE, READ, CONTRIBUTE, VIEW = "manage", "read", "contribute", "view"


def _is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


# --- seeing cases ------------------------------------------------------------------------------

def _live_shares_for(user) -> ColumnElement[bool]:
    return sa.and_(
        CaseShare.ended_dt.is_(None),
        sa.or_(CaseShare.user_id == user.id, CaseShare.organisation_id == user.organisation_id),
    )


def case_scope(user) -> ColumnElement[bool]:
    """SQL condition: the cases `user` may see at all."""
    if not _is_signed_in(user):
        return sa.false()
    shared = ProblemCase.id.in_(sa.select(CaseShare.case_id).where(_live_shares_for(user)))
    if user.organisation.is_police:
        return sa.or_(ProblemCase.organisation_id == user.organisation_id, shared)
    return shared


def visible_cases(user) -> sa.Select:
    return sa.select(ProblemCase).where(case_scope(user))


def get_case_or_404(user, reference: str) -> ProblemCase:
    """The case, if `user` may see it; otherwise a 404, which is audited as access denied."""
    if "\x00" in reference or len(reference) > 40:
        # Cannot be a reference, and PostgreSQL refuses NUL characters in text.
        _note_denied(user, reference.replace("\x00", "\\x00"))
        abort(404)
    case = db.session.scalar(visible_cases(user).where(ProblemCase.reference == reference))
    if case is None:
        _note_denied(user, reference)
        abort(404)
    consultation.viewed("case", case)
    return case


def _note_denied(user, reference: str, kind: str = "case") -> None:
    if _is_signed_in(user):
        consultation.denied(kind, reference)


def access_level(user, case: ProblemCase) -> str | None:
    if not _is_signed_in(user):
        return None
    if user.organisation_id == case.organisation_id:
        return MANAGE if user.role in CASE_WORKER_ROLES else READ
    cache = g.setdefault("_share_levels", {}) if has_request_context() else {}
    key = (user.id, case.id)
    if key not in cache:
        levels = set(
            db.session.scalars(
                sa.select(CaseShare.level).where(
                    CaseShare.case_id == case.id, _live_shares_for(user)
                )
            )
        )
        cache[key] = CONTRIBUTE if CONTRIBUTE in levels else (VIEW if levels else None)
    return cache[key]


def forget_cached_access() -> None:
    """Call after changing shares within a request."""
    if has_request_context():
        g.pop("_share_levels", None)


# --- what a user may do with a case ------------------------------------------------------------

def can_create_case(user) -> bool:
    return _is_signed_in(user) and user.organisation.is_police and user.role in CASE_WORKER_ROLES


def can_list_cases(user) -> bool:
    """Everyone signed in has a case list; what is on it is `case_scope`'s business."""
    return _is_signed_in(user)


def _manages(user, case: ProblemCase) -> bool:
    return access_level(user, case) == MANAGE


def _contributes(user, case: ProblemCase) -> bool:
    return access_level(user, case) in (MANAGE, CONTRIBUTE)


def can_edit_case(user, case: ProblemCase) -> bool:
    """Edit the case details and its scanning fields."""
    return _manages(user, case) and case.is_open


def can_edit_analysis(user, case: ProblemCase) -> bool:
    return _contributes(user, case) and case.is_open


def can_edit_response(user, case: ProblemCase) -> bool:
    return _contributes(user, case) and case.is_open


def can_add_note(user, case: ProblemCase) -> bool:
    return _contributes(user, case)


def can_move_stage(user, case: ProblemCase) -> bool:
    return _manages(user, case) and case.is_open


def can_close_case(user, case: ProblemCase) -> bool:
    return _manages(user, case) and case.is_open


def can_reopen_case(user, case: ProblemCase) -> bool:
    return _manages(user, case) and not case.is_open


def can_share_case(user, case: ProblemCase) -> bool:
    """The case owner, or a supervisor of the owning organisation, decides who sees the case."""
    if not _is_signed_in(user) or user.organisation_id != case.organisation_id:
        return False
    return user.id == case.owner_id or user.role == "supervisor"


def can_see_personal_details(user, case: ProblemCase) -> bool:
    """People's details stay inside the owning force unless the owner chose to share them."""
    level = access_level(user, case)
    if level is None:
        return False
    return level in (MANAGE, READ) or case.personal_details_shared


def can_see_case_flags(user, case: ProblemCase) -> bool:
    """Flags are the owning force's working tools (they can point at people)."""
    return access_level(user, case) in (MANAGE, READ)


def can_manage_people(user, case: ProblemCase) -> bool:
    return _manages(user, case)


def can_view_case_audit(user, case: ProblemCase) -> bool:
    return (
        _is_signed_in(user)
        and user.role in ("supervisor", "admin")
        and user.organisation_id == case.organisation_id
    )


def assignable_owners(user) -> sa.Select:
    """Users a case in `user`'s organisation may be given to."""
    return (
        sa.select(User)
        .where(
            User.organisation_id == user.organisation_id,
            User.role.in_(CASE_WORKER_ROLES),
            User.is_enabled.is_(True),
        )
        .order_by(User.name)
    )


# --- actions -----------------------------------------------------------------------------------

def visible_actions(user) -> sa.Select:
    """Actions on cases the user can see (the case scope decides, as for everything else)."""
    return sa.select(Action).join(ProblemCase, Action.case_id == ProblemCase.id).where(
        case_scope(user)
    )


def get_action_or_404(user, case: ProblemCase, action_ref: str):
    if "\x00" in action_ref or len(action_ref) > 40:
        abort(404)  # cannot be a reference, and PostgreSQL refuses NUL characters in text
    action = db.session.scalar(
        sa.select(Action).where(Action.case_id == case.id, Action.reference == action_ref)
    )
    if action is None:
        abort(404)
    # The case's own consultation row (its loader's) names the action's page in its path.
    return action


def can_add_action(user, case: ProblemCase) -> bool:
    return _contributes(user, case) and case.is_open


def _allocated_to(user, action) -> bool:
    return action.allocated_user_id == user.id or (
        action.allocated_organisation_id is not None
        and action.allocated_organisation_id == user.organisation_id
    )


def can_work_action(user, action) -> bool:
    """Move an action on or add notes: contributors to the case, and always whoever the action is
    allocated to, even when the case is shared with them only to view."""
    level = access_level(user, action.case)
    if level is None:
        return False
    return level in (MANAGE, CONTRIBUTE) or _allocated_to(user, action)


def can_edit_action(user, action) -> bool:
    """Change what an action is, when it is due and who it is for."""
    return _contributes(user, action.case) and action.case.is_open


# --- evaluation, reviews and the good-practice library ------------------------------------------

def _supervises(user, case: ProblemCase) -> bool:
    return (_is_signed_in(user) and user.role == "supervisor"
            and user.organisation_id == case.organisation_id)


def can_edit_evaluation(user, case: ProblemCase) -> bool:
    """Write the evaluation: the owning force's officers, once the case is at Assessment."""
    return _manages(user, case) and case.is_open and case.stage == "assessment"


def can_submit_evaluation(user, case: ProblemCase) -> bool:
    """The case owner submits the evaluation for sign-off."""
    return can_edit_evaluation(user, case) and user.id == case.owner_id


def can_decide_evaluation(user, case: ProblemCase) -> bool:
    """Approve, or return with comments: supervisors of the owning force only."""
    return _supervises(user, case)


def can_review_case(user, case: ProblemCase) -> bool:
    return _supervises(user, case) and case.is_open


def is_supervisor(user) -> bool:
    return _is_signed_in(user) and user.role == "supervisor"


def can_read_library(user) -> bool:
    """Police always; a partner organisation's staff while at least one force keeps its library
    open to partners (HMIC recommendation 5: share good practice with partners)."""
    if not _is_signed_in(user):
        return False
    return user.organisation.is_police or bool(db.session.scalar(sa.select(sa.exists().where(
        Organisation.kind == "police", Organisation.is_library_open_to_partners.is_(True)))))


def library_cases(user) -> sa.Select:
    """Cases in the good-practice library: approved evaluations marked as good practice whose
    case study (sara.library.models.CaseStudy, text written for publication and checked for the
    linked people's details) a supervisor published. The library is deliberately wider than
    case_scope: what it shows of a case is the published case study, never the case's own text.
    Partners read the case studies of the forces that open their library to them."""
    query = (
        sa.select(ProblemCase)
        .join(Evaluation, Evaluation.case_id == ProblemCase.id)
        .join(CaseStudy, CaseStudy.case_id == ProblemCase.id)
        .where(Evaluation.status == "approved", Evaluation.is_good_practice.is_(True),
               CaseStudy.status == "published")
    )
    if not can_read_library(user):
        return query.where(sa.false())
    if not user.organisation.is_police:
        open_forces = sa.select(Organisation.id).where(
            Organisation.is_library_open_to_partners.is_(True))
        query = query.where(ProblemCase.organisation_id.in_(open_forces))
    return query


def can_change_library_access(user, organisation) -> bool:
    """Whether partners read a force's case studies is the force's own setting."""
    return organisation.is_police and can_manage_organisation(user, organisation)


def get_case_study_or_404(user, reference: str) -> ProblemCase:
    if "\x00" in reference or len(reference) > 40:
        abort(404)  # cannot be a reference, and PostgreSQL refuses NUL characters in text
    case = db.session.scalar(library_cases(user).where(ProblemCase.reference == reference))
    if case is None:
        abort(404)
    return case


def can_view_case_study(user, case: ProblemCase) -> bool:
    """The case-study page of a case (the draft as well as the published text): the owning
    force's staff. A partner reads a case study only once it is published, in the library."""
    return access_level(user, case) in (MANAGE, READ)


def can_write_case_study(user, case: ProblemCase) -> bool:
    """Write or change the case study: whoever may edit the evaluation; and, for an approved
    evaluation marked as good practice whose case study is not (or no longer) published, the
    owning force's officers and supervisors even once the case has moved on or closed, so that it
    can (re)enter the library. Never while published (a supervisor withdraws it first), nor while
    the evaluation awaits sign-off (the supervisor approves what was submitted)."""
    study = getattr(case, "case_study", None)
    evaluation = case.evaluation
    if (study is not None and study.is_published) or (
            evaluation is not None and evaluation.status == "submitted"):
        return False
    if can_edit_evaluation(user, case):
        return True
    return (_manages(user, case) and evaluation is not None
            and evaluation.status == "approved" and evaluation.is_good_practice)


def can_publish_case_study(user, case: ProblemCase) -> bool:
    """Publish or withdraw the case study from its page: a supervisor of the owning force, once
    the evaluation is approved and marked as good practice. (Approving such an evaluation
    publishes it too: can_decide_evaluation.)"""
    evaluation = case.evaluation
    return (_supervises(user, case) and evaluation is not None
            and evaluation.status == "approved" and evaluation.is_good_practice)


# --- people and the call-handler lookup ---------------------------------------------------------

LOOKUP_ROLES = frozenset({"call_handler", "officer", "supervisor"})


def can_lookup_people(user) -> bool:
    """Search the force's people: its call handlers, officers and supervisors. Partners never
    search personal details; they see people only on cases shared with details."""
    return _is_signed_in(user) and user.organisation.is_police and user.role in LOOKUP_ROLES


def can_view_person(user, person) -> bool:
    return can_lookup_people(user) and person.organisation_id == user.organisation_id


def get_person_or_404(user, person_ref: str):
    """A person of `user`'s force whose page they may see; otherwise a 404, whether the profile
    does not exist, belongs to another force, or the user may not look people up. A refused
    reference is audited; something that cannot be a reference at all (NUL bytes, a 300-digit
    number) is no attempt on a record and is only answered 404."""
    reference = clean_person_reference(person_ref)
    person = None
    if reference is not None and can_lookup_people(user):
        person = db.session.scalar(sa.select(Person).where(
            Person.reference == reference, Person.organisation_id == user.organisation_id))
    if person is None or not can_view_person(user, person):
        if reference is not None:
            _note_denied(user, reference, "person")
        abort(404)
    consultation.viewed("person", person, summary="Viewed the person page")
    return person


def can_merge_people(user, person) -> bool:
    """Merge another profile into `person`, or undo such a merge: it moves whose cases and
    incidents are whose, so only a supervisor of the force that holds the record."""
    return can_view_person(user, person) and user.role == "supervisor"


#: Who decides possible duplicates (sara.people.duplicates): a merge moves whose incidents and
#: cases are whose, so a supervisor, or the force's administrator, who keeps its records.
DUPLICATE_ROLES = frozenset({"supervisor", "admin"})


def can_review_duplicates(user) -> bool:
    return (_is_signed_in(user) and user.organisation.is_police
            and user.role in DUPLICATE_ROLES)


def get_duplicate_or_404(user, duplicate_id: int):
    """A possible duplicate of `user`'s force that they may decide; otherwise a 404."""
    return _decision_or_404(PossibleDuplicate, duplicate_id, can_review_duplicates(user), user)


def _decision_or_404(model, record_id: int, may_decide: bool, user):
    """A record of one of the force's decision queues, if `user` may decide it; else a 404."""
    record = None
    if may_decide:
        record = db.session.scalar(sa.select(model).where(
            model.id == record_id, model.organisation_id == user.organisation_id))
    if record is None:
        abort(404)
    return record


# --- incidents ---------------------------------------------------------------------------------

def can_review_same_incidents(user) -> bool:
    """Whether `user` decides which reports are one episode (sara.incidents.episodes): the same
    people as decide possible duplicates, since the decision changes what every flag counts."""
    return can_review_duplicates(user)


def get_same_incident_link_or_404(user, link_id: int):
    """A proposed "same incident as" link of `user`'s force that they may decide; else a 404."""
    return _decision_or_404(SameIncidentLink, link_id, can_review_same_incidents(user), user)


#: Who may upload incident files for their force: a bad file touches many records at once.
IMPORT_ROLES = frozenset({"supervisor", "admin"})


def incident_scope(user) -> ColumnElement[bool]:
    """SQL condition: the incidents `user` may see: their own police force's, and no one else's
    (incidents carry callers and victims; partners see them only as linked to a shared case)."""
    if not _is_signed_in(user) or not user.organisation.is_police:
        return sa.false()
    return Incident.organisation_id == user.organisation_id


def visible_incidents(user) -> sa.Select:
    return sa.select(Incident).where(incident_scope(user))


def can_list_incidents(user) -> bool:
    """The incident list (and the dashboard's incident chart): whoever `incident_scope` gives any
    incidents to, i.e. the staff of a police force."""
    return _is_signed_in(user) and user.organisation.is_police


def can_see_dashboard(user) -> bool:
    """Everyone with a case list has a dashboard, counted within their own scope."""
    return can_list_cases(user)


# MAX_ID, MAX_BIG_ID: the largest id an INTEGER (and a BIGINT) column holds. A larger number
# cannot be a record, and PostgreSQL would refuse to compare it (an error, not a 404). The URL
# converters stop such numbers in paths (sara.core.converters); these checks are for ids from
# forms and JSON.


def _not_an_id(value: int, upper: int = MAX_ID) -> bool:
    return not 0 < value <= upper


def is_an_id(value, upper: int = MAX_ID) -> bool:
    """Whether `value` could be a record's id (a whole number the column can hold)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= upper


def get_incident_or_404(user, incident_id: int):
    if _not_an_id(incident_id, MAX_BIG_ID):
        abort(404)
    incident = db.session.scalar(visible_incidents(user).where(Incident.id == incident_id))
    if incident is None:
        abort(404)
    consultation.viewed("incident", incident, summary=f"Viewed incident {incident.reference}")
    return incident


def can_record_incidents(user) -> bool:
    """Officers, supervisors and call handlers of a police force record incidents by form."""
    return can_lookup_people(user)


def can_record_complaints(user) -> bool:
    """A complaint made to a partner body (a council, a housing provider) is recorded by its
    partner staff, for the force where it happened. The police record theirs as incidents."""
    return (_is_signed_in(user) and not user.organisation.is_police
            and user.role in PARTNER_ONLY_ROLES)


def complaint_scope(user) -> ColumnElement[bool]:
    """SQL condition on PartnerComplaint joined to its Incident: the complaints `user` may see,
    those their organisation recorded, made to it. Nothing else of the force's incident (its
    people, its cases, its other reports) comes with them."""
    if not can_record_complaints(user):
        return sa.false()
    return sa.and_(PartnerComplaint.organisation_id == user.organisation_id,
                   Incident.reported_to_id == user.organisation_id,
                   Incident.source == "partner")


def visible_complaints(user) -> sa.Select:
    return (sa.select(PartnerComplaint)
            .join(Incident, Incident.id == PartnerComplaint.incident_id)
            .where(complaint_scope(user)))


def get_complaint_or_404(user, incident_id: int) -> PartnerComplaint:
    complaint = None
    if not _not_an_id(incident_id, MAX_BIG_ID):
        complaint = db.session.scalar(
            visible_complaints(user).where(PartnerComplaint.incident_id == incident_id))
    if complaint is None:
        abort(404)
    consultation.viewed("incident", complaint.incident,
                        summary=f"Viewed complaint {complaint.incident.reference}")
    return complaint


def can_see_incident_people(user, incident) -> bool:
    """The people on an incident: the same users who may look people up in that force."""
    return can_lookup_people(user) and incident.organisation_id == user.organisation_id


def can_import_incidents(user) -> bool:
    return _is_signed_in(user) and user.organisation.is_police and user.role in IMPORT_ROLES


def get_import_or_404(user, import_id: int):
    """An upload's status page: for the importers of the force it was uploaded for."""
    job = None if _not_an_id(import_id) else db.session.get(IncidentImport, import_id)
    if job is None or not can_import_incidents(user) or job.organisation_id != user.organisation_id:
        abort(404)
    return job


def can_link_incidents(user, case: ProblemCase) -> bool:
    """Linking incidents to a case is part of its analysis, done by those who may already see
    the incidents it links: the staff of the owning force who may edit the analysis. A partner,
    or another force's officer, with a contribute share sees no incident of this force but those
    already linked, so has nothing they could link (and unlinking is the same decision)."""
    return can_edit_analysis(user, case) and user.organisation_id == case.organisation_id \
        and can_list_incidents(user)


def linkable_incidents(user, case: ProblemCase) -> sa.Select:
    """The incidents `user` may link to `case`, or be shown as suggestions for it: the case's
    force's, and only those `user` may see at all. An id outside this is as missing as one that
    does not exist."""
    if not can_link_incidents(user, case):
        return sa.select(Incident).where(sa.false())
    return sa.select(Incident).where(Incident.organisation_id == case.organisation_id,
                                     incident_scope(user))


# --- flags -------------------------------------------------------------------------------------

FLAG_QUEUE_ROLES = frozenset({"supervisor", "admin"})


def can_see_flag_queue(user) -> bool:
    """The force's flag queue: its supervisors and admins."""
    return (_is_signed_in(user) and user.organisation.is_police
            and user.role in FLAG_QUEUE_ROLES)


def flag_scope(user) -> ColumnElement[bool]:
    """SQL condition: the flags on `user`'s queue. A flag on a case belongs to the force that owns
    the case (never to those it is shared with); a flag about a person alone belongs to the force
    that holds the person's record."""
    if not can_see_flag_queue(user):
        return sa.false()
    # correlate(None): these stay whole lists even inside a query that joins cases or people.
    own_cases = (sa.select(ProblemCase.id)
                 .where(ProblemCase.organisation_id == user.organisation_id).correlate(None))
    own_people = (sa.select(Person.id)
                  .where(Person.organisation_id == user.organisation_id).correlate(None))
    return sa.or_(Flag.case_id.in_(own_cases),
                  sa.and_(Flag.case_id.is_(None), Flag.person_id.in_(own_people)))


def get_flag_or_404(user, flag_id: int):
    if _not_an_id(flag_id):
        abort(404)
    flag = db.session.scalar(sa.select(Flag).where(Flag.id == flag_id, flag_scope(user)))
    if flag is None:
        abort(404)
    consultation.viewed("flag", flag, case=flag.case_id and db.session.get(ProblemCase,
                                                                           flag.case_id))
    if flag.person_id is not None:
        consultation.viewed("person", db.session.get(Person, flag.person_id),
                            summary=f"Viewed flag {flag.id} about them")
    return flag


# --- ASB case reviews (the community trigger) ---------------------------------------------------

#: Who runs a review for the force: records the meeting, its bodies and recommendations, and
#: sends the letters. The threshold decision is a supervisor's (`can_decide_asb_review`).
ASB_REVIEW_RUNNERS = CASE_WORKER_ROLES


def asb_review_scope(user) -> ColumnElement[bool]:
    """SQL condition: the ASB case reviews `user` may see. The force's staff see the force's
    reviews; a partner sees the reviews their organisation takes part in or received the
    application for, and nothing else."""
    if not _is_signed_in(user):
        return sa.false()
    if user.organisation.is_police:
        return AsbReview.organisation_id == user.organisation_id
    taking_part = (sa.select(AsbReviewParticipant.review_id)
                   .where(AsbReviewParticipant.organisation_id == user.organisation_id)
                   .correlate(None))
    return sa.or_(AsbReview.received_by_id == user.organisation_id,
                  AsbReview.id.in_(taking_part))


def visible_asb_reviews(user) -> sa.Select:
    return sa.select(AsbReview).where(asb_review_scope(user))


def can_list_asb_reviews(user) -> bool:
    return _is_signed_in(user) and (user.organisation.is_police or user.role == "partner")


#: Who may take the published figures (s.104(10)): the force's staff who run, decide or
#: administer reviews. Call handlers record applications but do not report on them.
ASB_REVIEW_FIGURES_ROLES = frozenset({*ASB_REVIEW_RUNNERS, "admin"})


def can_see_asb_review_figures(user) -> bool:
    """The published figures count a whole force's reviews, so only that force's staff take
    them (its reviews are `asb_review_scope`); a partner sees only its own reviews' list."""
    return (_is_signed_in(user) and user.organisation.is_police
            and user.role in ASB_REVIEW_FIGURES_ROLES)


def get_asb_review_or_404(user, reference: str) -> AsbReview:
    review = None
    # PostgreSQL refuses NUL characters in text, so such a reference is not asked for (and is
    # audited escaped).
    if isinstance(reference, str) and len(reference) <= 12 and "\x00" not in reference:
        review = db.session.scalar(
            visible_asb_reviews(user).where(AsbReview.reference == reference.upper()))
    if review is None:
        _note_denied(user, str(reference).replace("\x00", "\\x00"), "asb_review")
        abort(404)
    consultation.viewed("asb_review", review, case=review.case)
    return review


def can_record_asb_review(user) -> bool:
    """An application is recorded against the person's record, so by those who may look people
    up: the force's call handlers, officers and supervisors."""
    return can_lookup_people(user)


def can_run_asb_review(user, review: AsbReview) -> bool:
    return (_is_signed_in(user) and user.organisation_id == review.organisation_id
            and user.role in ASB_REVIEW_RUNNERS)


def can_decide_asb_review(user, review: AsbReview) -> bool:
    """The threshold decision, and the decision on an escalation: a named supervisor of the
    force, never the officer who would then run the review alone."""
    return (_is_signed_in(user) and user.organisation_id == review.organisation_id
            and user.role == "supervisor")


def can_see_asb_review_people(user, review: AsbReview) -> bool:
    """The victim's and the applicant's names and contact details: the force's staff, and the
    body that received the application (it holds them already). The other bodies taking part
    see the review without them, as a case shared without personal details."""
    return _is_signed_in(user) and user.organisation_id in (review.organisation_id,
                                                           review.received_by_id)


# --- API tokens --------------------------------------------------------------------------------

def can_manage_own_tokens(user) -> bool:
    """Every signed-in user may hold API tokens: a token never grants more than its user has."""
    return _is_signed_in(user)


def get_own_token_or_404(user, token_id: int):
    """One of `user`'s own tokens; anyone else's is indistinguishable from none."""
    if _not_an_id(token_id):
        abort(404)
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None or not can_manage_own_tokens(user):
        abort(404)
    return token


def can_read_api_docs(user) -> bool:
    """The API's documentation describes no data, but it is for people who use the service."""
    return _is_signed_in(user)


# --- administration and the audit log ----------------------------------------------------------
#
# An organisation's admin manages their own organisation's users, neighbourhoods and settings, and
# reads their own organisation's users' activity: nothing outside it. Creating organisations, and
# anything that crosses from one organisation to another (creating a user elsewhere, moving a user
# between organisations), needs the system administrator capability, which is granted only from
# the command line (`flask --app wsgi sara grant-system-admin EMAIL`), never from the web.

def is_system_admin(user) -> bool:
    return _is_signed_in(user) and bool(getattr(user, "is_system_admin", False))


def can_administer(user) -> bool:
    """The administration pages at all: an organisation's admins, and system administrators."""
    return _is_signed_in(user) and (user.role == "admin" or is_system_admin(user))


def can_create_organisation(user) -> bool:
    return is_system_admin(user)


def administered_organisations(user) -> sa.Select:
    """The organisations whose users, neighbourhoods and settings `user` manages."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if is_system_admin(user):
        return query
    if can_administer(user):
        return query.where(Organisation.id == user.organisation_id)
    return query.where(sa.false())


def can_manage_organisation(user, organisation) -> bool:
    return is_system_admin(user) or (
        can_administer(user) and organisation.id == user.organisation_id)


def get_organisation_or_404(user, org_id: int):
    """An organisation `user` administers; any other is indistinguishable from none."""
    if _not_an_id(org_id):
        abort(404)
    org = db.session.scalar(administered_organisations(user).where(Organisation.id == org_id))
    if org is None:
        abort(404)
    return org


def can_change_organisation_kind(user, organisation) -> bool:
    """Whether an organisation is a police force decides what its users may see: only a system
    administrator may change it."""
    return is_system_admin(user)


def managed_users(user) -> sa.Select:
    """The users `user` may create, change, deactivate and reactivate."""
    query = sa.select(User).order_by(User.name)
    if is_system_admin(user):
        return query
    if can_administer(user):
        # A system administrator is managed only by another: an organisation's admin could
        # otherwise lock out the one person who can act across organisations.
        return query.where(User.organisation_id == user.organisation_id,
                           User.is_system_admin.is_(False))
    return query.where(sa.false())


def get_managed_user_or_404(user, user_id: int):
    if _not_an_id(user_id):
        abort(404)
    subject = db.session.scalar(managed_users(user).where(User.id == user_id))
    if subject is None:
        abort(404)
    return subject


def can_manage_user(user, subject) -> bool:
    return is_system_admin(user) or (
        can_administer(user) and subject.organisation_id == user.organisation_id
        and not subject.is_system_admin)


def grantable_roles(user, organisation) -> dict[str, str]:
    """The roles `user` may give someone in `organisation`: those the organisation's kind allows,
    and none at all in an organisation `user` does not manage."""
    if not can_manage_organisation(user, organisation):
        return {}
    return roles_for_kind(organisation.is_police)


def can_edit_flag_rules(user, organisation) -> bool:
    """A force's flag rules are its own: its admins (and system administrators) set them, and a
    partner organisation has none."""
    return organisation.is_police and can_manage_organisation(user, organisation)


def can_review_staff(user) -> bool:
    return _is_signed_in(user) and user.role in ("supervisor", "admin")


def reviewable_staff(viewer) -> sa.Select:
    """The users whose activity `viewer` may look at: their own organisation's (a system
    administrator, everyone's)."""
    query = sa.select(User).order_by(User.name)
    if is_system_admin(viewer):
        return query
    if not can_review_staff(viewer):
        return query.where(sa.false())
    return query.where(User.organisation_id == viewer.organisation_id)


def get_reviewable_user_or_404(viewer, user_id: int):
    if _not_an_id(user_id):
        abort(404)
    subject = db.session.scalar(reviewable_staff(viewer).where(User.id == user_id))
    if subject is None:
        abort(404)
    return subject


def can_view_user_activity(viewer, subject) -> bool:
    """Supervisors and admins see their own organisation's staff; system administrators anyone."""
    if is_system_admin(viewer):
        return True
    return can_review_staff(viewer) and viewer.organisation_id == subject.organisation_id
