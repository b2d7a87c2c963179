"""Putting contacts into campaigns and taking them out (exits)."""

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from automation.marketing.models import Segment
from automation.marketing.segmenting import segment_contacts
from automation.models import Enrollment, EnrollmentStatus
from automation.services.enrollments import (
    enrollment_active_exists,
    enrollment_create,
    enrollment_exit,
)
from crm.models import Campaign, Contact, User
from crm.services.after_commit import enqueue_on_commit
from crm.services.outbound_email import contact_consent_refusal, contacts_mailable

from .progress import progress_start

BULK_BATCH = 1000


@transaction.atomic
def campaign_enroll_contact(
    *, campaign: Campaign, contact: Contact, actor: User | None = None
) -> Enrollment:
    """Enroll one contact (once while active) and send the first steps right after commit."""
    enrollment = enrollment_create(campaign=campaign, contact=contact)
    progress = progress_start(enrollment=enrollment)
    from automation.marketing.tasks import enrollment_advance_task

    # The due-steps tick runs a progress the broker refused.
    enqueue_on_commit(enrollment_advance_task, progress.pk)
    return enrollment


def segment_enrollable(*, campaign: Campaign, segment: Segment) -> QuerySet[Contact]:
    """The segment's contacts this campaign can enroll now (email, not opted out, not in it)."""
    active = Enrollment.objects.filter(
        campaign=campaign, contact=OuterRef("pk"), status=EnrollmentStatus.ACTIVE
    )
    return contacts_mailable(
        segment_contacts(match=segment.match, conditions=segment.conditions)
    ).exclude(Exists(active))


@transaction.atomic
def campaign_enroll_segment(*, campaign: Campaign, segment: Segment, actor: User) -> int:
    """Enroll a whole segment in batches; the tick starts their steps within a minute.

    Rows are inserted in bulk (a segment may hold many thousands of contacts); the unique
    "one active enrollment per contact" index drops any duplicate a concurrent enroll made.
    """
    ids = list(segment_enrollable(campaign=campaign, segment=segment).values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), BULK_BATCH):
        Enrollment.objects.bulk_create(
            [
                Enrollment(campaign=campaign, contact_id=pk, enrolled_at=now)
                for pk in ids[start : start + BULK_BATCH]
            ],
            ignore_conflicts=True,
        )
    from automation.marketing.tasks import due_steps_tick_task

    # Only sooner than the schedule's next tick, which runs anyway.
    enqueue_on_commit(due_steps_tick_task)
    return len(ids)


def contact_enrollments_exit(*, contact_id: int, reason: str) -> int:
    """End every active enrollment of the contact (deal won, replied, opted out)."""
    count = 0
    for enrollment in Enrollment.objects.filter(
        contact_id=contact_id, status=EnrollmentStatus.ACTIVE
    ):
        enrollment_exit(enrollment=enrollment, reason=reason)
        count += 1
    return count


def welcome_enroll(*, contact: Contact) -> list[Enrollment]:
    """Enroll a new contact in every active welcome series."""
    if contact_consent_refusal(contact) is not None:
        return []
    enrollments = []
    campaigns = Campaign.objects.filter(is_active=True, plan__welcome_series=True).order_by("pk")
    for campaign in campaigns:
        if not enrollment_active_exists(campaign=campaign, contact=contact):
            enrollments.append(campaign_enroll_contact(campaign=campaign, contact=contact))
    return enrollments
