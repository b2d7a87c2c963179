"""Applying lead scores: store them, mirror them onto open leads, hand qualified leads over.

The handoff happens once per lead: a `LeadHandoff` row (unique per lead) is claimed in the
same transaction as the owner change and the follow-up task, so a retry, a re-crossing
after decay or two concurrent recomputes cannot hand a lead over twice.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.marketing.models import ContactScore, LeadHandoff, ScoringModel, ScoringRule
from automation.marketing.scoring import contacts_with_scores, scoring_model_get
from automation.services.round_robin import round_robin_next
from crm.languages import in_language_of
from crm.models import ActivityKind, Lead, LeadStatus, Role, User
from crm.services.activities import activity_create
from crm.services.common import apply_fields, model_save
from crm.services.leads import lead_hand_off, lead_update

OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING)


@transaction.atomic
def scoring_model_update(*, actor: User, data: dict[str, Any]) -> ScoringModel:
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
def scoring_rule_create(*, actor: User, **fields: Any) -> ScoringRule:
    return model_save(ScoringRule(**fields))


@transaction.atomic
def scoring_rule_update(*, rule: ScoringRule, actor: User, data: dict[str, Any]) -> ScoringRule:
    apply_fields(rule, data, {"kind", "field", "value", "points", "cap"})
    return model_save(rule)


@transaction.atomic
def scoring_rule_delete(*, rule: ScoringRule, actor: User) -> None:
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
        with in_language_of(owner):  # the task is read by its assignee, not the worker
            subject = _("Follow up qualified lead %(lead)s (score %(score)s)") % {
                "lead": lead.contact,
                "score": score,
            }
        activity = activity_create(
            actor=None,
            kind=ActivityKind.CALL,
            subject=subject,
            assignee=owner,
            lead=lead,
            contact=lead.contact,
            due_at=timezone.now() + timedelta(hours=model.followup_due_hours),
        )
        handoff.owner = owner
        handoff.activity = activity
        handoff.save(update_fields=["owner", "activity"])
        return handoff


def score_apply(
    *, contact_id: int, score: int, model: ScoringModel, now: datetime | None = None
) -> None:
    """Store a contact's new score and copy it to every lead of theirs (the list, the API
    and automation read the lead's copy); hand an open lead over if qualified."""
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
                # An event, so rules on "lead score changed" see the crossing.
                lead_update(lead=lead, actor=None, data={"score": score})
        Lead.objects.filter(contact_id=contact_id).exclude(status__in=OPEN_LEAD_STATUSES).exclude(
            score=score
        ).update(score=score)
    if leads:
        lead_handoff_if_qualified(lead=leads[0], score=score, model=model)


def lead_score_adopt(*, lead_id: int, now: datetime | None = None) -> int | None:
    """A lead's score was set from outside scoring (the API, the lead form, an import, a
    "change lead score" rule): keep that number as the contact's one score by moving the
    contact's adjustment, then copy it to their other leads. Returns the score.

    A lead whose score equals the stored one is scoring's own copy: nothing to adopt.
    """
    model = scoring_model_get()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            return None
        stored, _created = ContactScore.objects.select_for_update().get_or_create(
            contact_id=lead.contact_id
        )
        if not _created and stored.score == lead.score:
            return lead.score
        current = (
            contacts_with_scores(model=model, now=now)
            .filter(pk=lead.contact_id)
            .values_list("computed_score", flat=True)
            .first()
        ) or 0
        stored.adjustment += lead.score - current
        stored.save(update_fields=["adjustment"])
    return score_refresh(contact_ids=[lead.contact_id], now=now).get(lead.contact_id)


def scores_adopt_lead_scores() -> int:
    """Contacts whose leads carry a score but who have no stored score (data from before
    one score, or an import without automation): the latest lead's score becomes theirs."""
    orphans = (
        Lead.objects.filter(contact__marketing_score__isnull=True)
        .order_by("contact_id", "-created_at", "-id")
        .distinct("contact_id")
        .values_list("pk", flat=True)
    )
    count = 0
    for lead_id in list(orphans):
        lead_score_adopt(lead_id=lead_id)
        count += 1
    return count


def score_refresh(*, contact_ids: Iterable[int], now: datetime | None = None) -> dict[int, int]:
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


def scores_recompute_all(*, now: datetime | None = None) -> int:
    """Nightly: recompute every contact (decay moves scores), applying only the changes.

    The comparison with the stored score happens in SQL, so only changed contacts come back.
    """
    scores_adopt_lead_scores()
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
