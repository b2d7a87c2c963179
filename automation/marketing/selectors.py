"""Reads of the marketing app for the pages, the API and other apps."""

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from automation.models import Enrollment, EnrollmentStatus
from crm.currency import converted_sum
from crm.models import Campaign, Contact, Deal, DealStatus, Purchase, User

from .abtest import winner
from .models import CampaignStep, EmailKind, EmailSend, Segment, StepKind
from .segmenting import segment_contacts, segment_filter

if TYPE_CHECKING:
    from crm.web.selectors import TimelineEntry

METRICS = ("sent", "opened", "clicked", "replied", "converted")
METRIC_LABELS = {
    "opened": _("opens"),
    "clicked": _("clicks"),
    "replied": _("replies"),
    "converted": _("conversions"),
}


def contact_email_sends(contact: Contact) -> QuerySet[EmailSend]:
    """Every marketing email recorded for the contact, newest first (for the timeline)."""
    return (
        EmailSend.objects.filter(contact=contact)
        .select_related("campaign", "step", "variant")
        .order_by("-created_at", "-id")
    )


def contact_timeline_entries(*, user: User, contact: Contact, limit: int) -> "list[TimelineEntry]":
    """Campaign emails on the contact timeline: one entry per email sent."""
    from automation.marketing.forms import language_name
    from crm import policies
    from crm.web.selectors import TimelineEntry

    if not policies.can_read(user, "campaigns"):
        return []
    sends = contact_email_sends(contact).filter(Q(sent_at__isnull=False) | ~Q(error=""))[:limit]
    entries = []
    for send in sends:
        if send.sent_at is None:
            # Not sent, and why: "already sent on …", suppressed, opted out.
            title = _("Email not sent: %(subject)s") % {"subject": send.subject}
            detail = " · ".join([str(send.campaign or ""), send.error]).strip(" ·")
            entries.append(TimelineEntry(send.created_at, "email", "mail", title, detail))
            continue
        reactions = [
            str(label)
            for label, moment in (
                (_("opened"), send.opened_at),
                (_("clicked"), send.clicked_at),
                (_("replied"), send.replied_at),
            )
            if moment
        ]
        # Which language version went out, by the language's own name ("Türkçe").
        version = language_name(send.language) if send.language else ""
        parts = [str(send.campaign or ""), version, ", ".join(reactions)]
        detail = " · ".join(part for part in parts if part)
        title = _("Email sent: %(subject)s") % {"subject": send.subject}
        entries.append(TimelineEntry(send.sent_at, "email", "mail", title, detail))
    return entries


def campaign_steps(campaign: Campaign) -> QuerySet[CampaignStep]:
    return CampaignStep.objects.filter(campaign=campaign).prefetch_related("variants__languages")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("created_by").order_by("name", "id")


def segment_count(segment: Segment) -> int:
    return segment_contacts(match=segment.match, conditions=segment.conditions).count()


def segment_counts(segments: Iterable[Segment]) -> dict[int, int]:
    """{segment id: audience} for many segments in one aggregate over the contacts (a
    filtered COUNT per segment), instead of one COUNT query per segment."""
    now = timezone.now()
    counts = {}
    for segment in segments:
        where = segment_filter(match=segment.match, conditions=segment.conditions, now=now)
        counts[f"s{segment.pk}"] = Count("pk", filter=where) if where else Count("pk")
    if not counts:
        return {}
    totals = Contact.objects.aggregate(**counts)
    return {int(key[1:]): value for key, value in totals.items()}


def _metric_counts(**extra: Any) -> dict[str, Any]:
    return {
        "sent": Count("pk", filter=Q(sent_at__isnull=False)),
        "opened": Count("pk", filter=Q(opened_at__isnull=False)),
        "clicked": Count("pk", filter=Q(clicked_at__isnull=False)),
        "replied": Count("pk", filter=Q(replied_at__isnull=False)),
        "converted": Count("pk", filter=Q(converted_at__isnull=False)),
        **extra,
    }


def variant_results(campaign: Campaign) -> list[dict[str, Any]]:
    """Per email step, per variant: sent, opened, clicked, replied, converted (one query),
    with the winner of each metric when the difference is significant."""
    rows: QuerySet[Any, Any] = (
        # A step not sent again (email_send_skip_repeat) has no variant: not an A/B row.
        EmailSend.objects.filter(
            campaign=campaign, kind=EmailKind.CAMPAIGN, step__isnull=False, variant__isnull=False
        )
        .order_by()
        .values("step_id", "variant_id", "variant_label")
        .annotate(**_metric_counts())
    )
    by_step: dict[int, list[dict[str, Any]]] = {}
    for counted in rows:
        by_step.setdefault(counted["step_id"], []).append(
            {
                "variant": counted["variant_id"],
                "label": counted["variant_label"],
                **{m: counted[m] for m in METRICS},
            }
        )
    results = []
    for step in (
        CampaignStep.objects.filter(campaign=campaign, kind=StepKind.EMAIL)
        .order_by("position")
        .prefetch_related("variants")
    ):
        variants = sorted(by_step.get(step.pk, []), key=lambda r: r["label"])
        known = {r["variant"] for r in variants}
        for variant in step.variants.all():
            if variant.pk not in known:
                variants.append(
                    {"variant": variant.pk, "label": variant.label, **dict.fromkeys(METRICS, 0)}
                )
        subjects = {v.pk: v.subject for v in step.variants.all()}
        for row in variants:
            row["subject"] = subjects.get(row["variant"], "")
            for metric in METRICS[1:]:
                row[f"{metric}_rate"] = (100.0 * row[metric] / row["sent"]) if row["sent"] else None
        variants.sort(key=lambda r: r["label"])
        winners = {metric: winner(variants, metric) for metric in METRICS[1:]}
        called = [
            {**win, "metric": metric, "metric_label": METRIC_LABELS[metric]}
            for metric, win in winners.items()
            if win is not None
        ]
        results.append({"step": step, "variants": variants, "winners": winners, "called": called})
    return results


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """Enrolled, sent, opened, clicked, replied, converted and revenue of one campaign.

    Converted counts enrollments whose contact won a deal or bought after enrolling;
    revenue sums those contacts' purchases after they enrolled (or attributed to it).
    """
    enrollments = Enrollment.objects.filter(campaign=campaign)
    counts = enrollments.aggregate(
        enrolled=Count("pk"),
        active=Count("pk", filter=Q(status=EnrollmentStatus.ACTIVE)),
        completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
        exited=Count("pk", filter=Q(status=EnrollmentStatus.EXITED)),
    )
    sends = EmailSend.objects.filter(campaign=campaign, kind=EmailKind.CAMPAIGN).aggregate(
        **_metric_counts()
    )
    enrolled_before = Enrollment.objects.filter(
        campaign=campaign, contact=OuterRef("contact"), enrolled_at__lte=OuterRef("purchased_at")
    )
    revenue = Purchase.objects.filter(Q(campaign=campaign) | Q(Exists(enrolled_before))).aggregate(
        total=Coalesce(
            # In the reporting currency at each purchase day's rate (crm.currency).
            converted_sum("amount", "currency", "purchased_at"),
            Value(0),
            output_field=DecimalField(max_digits=30, decimal_places=10),
        )
    )["total"]
    won_after = Deal.objects.filter(
        contact=OuterRef("contact"), status=DealStatus.WON, closed_at__gte=OuterRef("enrolled_at")
    )
    bought_after = Purchase.objects.filter(
        contact=OuterRef("contact"), purchased_at__gte=OuterRef("enrolled_at")
    )
    converted = enrollments.filter(Q(Exists(won_after)) | Q(Exists(bought_after))).count()
    revenue = revenue.quantize(Decimal("0.01"))
    return {**counts, **sends, "converted_contacts": converted, "revenue": revenue}


def campaign_overview() -> QuerySet[Campaign]:
    """Campaigns with their enrollment counts and steps (for the list page, one query)."""
    return (
        Campaign.objects.select_related("owner", "plan")
        .annotate(
            active_enrollments=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE), distinct=True
            ),
            step_count=Count("steps", distinct=True),
        )
        .order_by("name")
    )
