"""the ASB case review itself: applications, threshold decisions, meetings, recommendations

Revision ID: 0b6ff6f02ed3
Revises: e5b7d9f01401
Create Date: 2026-12-04 13:09:22.466723

Three new tables, empty at first (no review was ever recorded before). Flags gain a kind, a case
review stage overdue; downgrading deletes those flags, whose reviews go with their tables.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b6ff6f02ed3'
down_revision = 'e5b7d9f01401'
branch_labels = None
depends_on = None


OLD_KINDS = ("repeat_victim", "repeat_victim_crime", "case_review", "review_overdue",
             "evaluation_unsigned", "closed_unevaluated", "action_overdue")
NEW_KINDS = (*OLD_KINDS, "asb_review_overdue")


def _kinds(kinds):
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(
            'kind', "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")


def upgrade():
    _kinds(NEW_KINDS)
    op.create_table('asb_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('applicant_kind', sa.String(length=12), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_contact', sa.String(length=500), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision_due_date', sa.Date(), nullable=False),
    sa.Column('meeting_due_date', sa.Date(), nullable=True),
    sa.Column('outcome_due_date', sa.Date(), nullable=True),
    sa.Column('threshold_evidence', sa.JSON(), nullable=True),
    sa.Column('is_threshold_met', sa.Boolean(), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_dt', sa.DateTime(), nullable=True),
    sa.Column('decision_letter_sent_dt', sa.DateTime(), nullable=True),
    sa.Column('decision_letter_sent_by_id', sa.Integer(), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('victim_views', sa.Text(), nullable=True),
    sa.Column('meeting_notes', sa.Text(), nullable=True),
    sa.Column('outcome_letter_sent_dt', sa.DateTime(), nullable=True),
    sa.Column('outcome_letter_sent_by_id', sa.Integer(), nullable=True),
    sa.Column('escalation_requested_date', sa.Date(), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('escalation_result', sa.String(length=16), nullable=True),
    sa.Column('escalation_notes', sa.Text(), nullable=True),
    sa.Column('escalation_decided_date', sa.Date(), nullable=True),
    sa.Column('created_dt', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_dt', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("applicant_kind IN ('victim', 'relative', 'carer', 'councillor', 'mp', 'other')", name=op.f('ck_asb_reviews_applicant_kind')),
    sa.CheckConstraint("escalation_result IN ('upheld', 'changed', 'review_again')", name=op.f('ck_asb_reviews_escalation_result')),
    sa.CheckConstraint("status IN ('awaiting_decision', 'awaiting_meeting', 'awaiting_outcome', 'threshold_not_met', 'completed')", name=op.f('ck_asb_reviews_status')),
    sa.ForeignKeyConstraint(['case_id'], ['problem_cases.id'], name=op.f('fk_asb_reviews_case_id_problem_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_asb_reviews_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_asb_reviews_decided_by_id_users')),
    sa.ForeignKeyConstraint(['decision_letter_sent_by_id'], ['users.id'], name=op.f('fk_asb_reviews_decision_letter_sent_by_id_users')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhoods.id'], name=op.f('fk_asb_reviews_neighbourhood_id_neighbourhoods')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_asb_reviews_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['outcome_letter_sent_by_id'], ['users.id'], name=op.f('fk_asb_reviews_outcome_letter_sent_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_asb_reviews_person_id_people')),
    sa.ForeignKeyConstraint(['received_by_id'], ['organisations.id'], name=op.f('fk_asb_reviews_received_by_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asb_reviews')),
    sa.UniqueConstraint('reference', name=op.f('uq_asb_reviews_reference'))
    )
    with op.batch_alter_table('asb_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asb_reviews_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_reviews_neighbourhood_id'), ['neighbourhood_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_reviews_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_reviews_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_reviews_received_by_id'), ['received_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_reviews_received_date'), ['received_date'], unique=False)
        batch_op.create_index('ix_asb_reviews_status', ['status'], unique=False)

    op.create_table('asb_review_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('role_title', sa.String(length=200), nullable=False),
    sa.Column('agency_actions', sa.Text(), nullable=False),
    sa.Column('created_dt', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_asb_review_participants_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['review_id'], ['asb_reviews.id'], name=op.f('fk_asb_review_participants_review_id_asb_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asb_review_participants')),
    sa.UniqueConstraint('review_id', 'organisation_id', name=op.f('uq_asb_review_participants_review_id'))
    )
    with op.batch_alter_table('asb_review_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asb_review_participants_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asb_review_participants_review_id'), ['review_id'], unique=False)

    op.create_table('asb_review_recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_asb_review_recommendations_action_id_actions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_asb_review_recommendations_created_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['asb_reviews.id'], name=op.f('fk_asb_review_recommendations_review_id_asb_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asb_review_recommendations')),
    sa.UniqueConstraint('action_id', name=op.f('uq_asb_review_recommendations_action_id'))
    )
    with op.batch_alter_table('asb_review_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asb_review_recommendations_review_id'), ['review_id'], unique=False)



def downgrade():
    op.execute("DELETE FROM flags WHERE kind = 'asb_review_overdue'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table('asb_review_recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asb_review_recommendations_review_id'))

    op.drop_table('asb_review_recommendations')
    with op.batch_alter_table('asb_review_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asb_review_participants_review_id'))
        batch_op.drop_index(batch_op.f('ix_asb_review_participants_organisation_id'))

    op.drop_table('asb_review_participants')
    with op.batch_alter_table('asb_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_asb_reviews_status')
        batch_op.drop_index(batch_op.f('ix_asb_reviews_received_date'))
        batch_op.drop_index(batch_op.f('ix_asb_reviews_received_by_id'))
        batch_op.drop_index(batch_op.f('ix_asb_reviews_person_id'))
        batch_op.drop_index(batch_op.f('ix_asb_reviews_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_asb_reviews_neighbourhood_id'))
        batch_op.drop_index(batch_op.f('ix_asb_reviews_case_id'))

    op.drop_table('asb_reviews')
