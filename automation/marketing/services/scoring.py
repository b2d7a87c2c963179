"""Applying lead scores: store them, mirror them onto open leads, hand qualified leads over.

The handoff happens once per lead: a `LeadHandoff` row (unique per lead) is claimed in the
same transaction as the owner change and the follow-up task, so a retry, a re-crossing
after decay or two concurrent recomputes cannot hand a lead over twice.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.marketing.models import ContactScore, LeadHandoff, ScoringModel, ScoringRule
from automation.marketing.scoring import contacts_with_scores, scoring_model_get
from automation.services.round_robin import round_robin_next
from crm.models import ActivityKind, Lead, LeadStatus, Role, User
from crm.services.activities import activity_create
from crm.services.common import apply_fields, model_save
from crm.services.leads import lead_hand_off, lead_update

OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING)


@transaction.atomic
def scoring_model_update(*, actor, data: dict) -> ScoringModel:
    model = ScoringModel.objects.select_for_update().get(pk=scoring_model_get().pk)
    apply_fields(
        model,
        data,
        {
            "threshold",
            "half_life_days",
            "lookback_days",
            "max_score",
            "handoff_team",
            "followup_due_hours",
        },
    )
    return model_save(model)


@transaction.atomic
def scoring_rule_create(*, actor, **fields) -> ScoringRule:
    return model_save(ScoringRule(**fields))


@transaction.atomic
def scoring_rule_update(*, rule: ScoringRule, actor, data: dict) -> ScoringRule:
    apply_fields(rule, data, {"kind", "field", "value", "points", "cap"})
    return model_save(rule)


@transaction.atomic
def scoring_rule_delete(*, rule: ScoringRule, actor) -> None:
    rule.delete()


def _handoff_pool(model: ScoringModel) -> list[User]:
    reps = User.objects.filter(is_active=True, role=Role.REP)
    if model.handoff_team_id:
        reps = reps.filter(team_id=model.handoff_team_id)
    return list(reps.order_by("pk"))


def lead_handoff_if_qualified(*, lead: Lead, score: int, model: ScoringModel) -> LeadHandoff | None:
    """Hand a lead at or over the threshold to sales, unless it already was."""
    if score < model.threshold:
        return None
    with transaction.atomic():
        lead = Lead.objects.select_for_update().select_related("contact").get(pk=lead.pk)
        if lead.status not in OPEN_LEAD_STATUSES or LeadHandoff.objects.filter(lead=lead).exists():
            return None
        pool = _handoff_pool(model)
        if not pool:
            return None  # nobody to hand to yet; the next recompute tries again
        try:
            with transaction.atomic():
                handoff = LeadHandoff.objects.create(lead=lead, score=score)
        except IntegrityError:
            return None
        key = f"marketing:handoff:team:{model.handoff_team_id or 'all'}"
        owner = round_robin_next(key=key, users=pool)
        lead_hand_off(lead=lead, actor=None, owner=owner)
        activity = activity_create(
            actor=None,
            kind=ActivityKind.CALL,
            subject=_("Follow up qualified lead %(lead)s (score %(score)s)")
            % {"lead": lead.contact, "score": score},
            assignee=owner,
            lead=lead,
            contact=lead.contact,
            due_at=timezone.now() + timedelta(hours=model.followup_due_hours),
        )
        handoff.owner = owner
        handoff.activity = activity
        handoff.save(update_fields=["owner", "activity"])
        return handoff


def score_apply(*, contact_id: int, score: int, model: ScoringModel, now=None) -> None:
    """Store a contact's new score, copy it to their open leads, hand over if qualified."""
    now = now or timezone.now()
    with transaction.atomic():
        ContactScore.objects.update_or_create(
            contact_id=contact_id, defaults={"score": score, "computed_at": now}
        )
        leads = list(
            Lead.objects.filter(contact_id=contact_id, status__in=OPEN_LEAD_STATUSES).order_by(
                "-created_at", "-id"
            )
        )
        for lead in leads:
            if lead.score != score:
                lead_update(lead=lead, actor=None, data={"score": score})
    if leads:
        lead_handoff_if_qualified(lead=leads[0], score=score, model=model)


def score_refresh(*, contact_ids, now=None) -> dict[int, int]:
    """Recompute the given contacts now (after an event); returns their scores."""
    model = scoring_model_get()
    rows = dict(
        contacts_with_scores(model=model, now=now)
        .filter(pk__in=list(contact_ids))
        .values_list("pk", "computed_score")
    )
    for contact_id, score in rows.items():
        score_apply(contact_id=contact_id, score=score, model=model, now=now)
    return rows


def scores_recompute_all(*, now=None) -> int:
    """Nightly: recompute every contact (decay moves scores), applying only the changes.

    The comparison with the stored score happens in SQL, so only changed contacts come back.
    """
    model = scoring_model_get()
    stored = Coalesce(
        Subquery(ContactScore.objects.filter(contact=OuterRef("pk")).values("score")[:1]),
        Value(0),
        output_field=IntegerField(),
    )
    changed = (
        contacts_with_scores(model=model, now=now)
        .annotate(stored_score=stored)
        .exclude(computed_score=F("stored_score"))
        .order_by("pk")
        .values_list("pk", "computed_score")
    )
    rows = list(changed)
    for contact_id, score in rows:
        score_apply(contact_id=contact_id, score=score, model=model, now=now)
    return len(rows)
