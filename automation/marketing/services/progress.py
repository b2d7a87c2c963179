"""Running enrollments through their campaign's steps.

Progress rows hold the cursor (last step done) and when the next step is due; the beat
tick calls `enrollment_advance` for the due ones. Each advance runs under a row lock
(SKIP LOCKED, so overlapping ticks share the work) and each email is recorded under the
unique (enrollment, step) key, so no step is sent twice.
"""

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from automation.marketing.models import (
    CampaignStep,
    EmailSend,
    EnrollmentProgress,
    StepKind,
    StepVariant,
)
from automation.models import Enrollment, EnrollmentStatus, ExitReason
from automation.services.enrollments import enrollment_exit
from crm.languages import recipient_language
from crm.services.outbound_email import contact_consent_refusal

from .campaigns import variant_version_for
from .emails import email_send_record, email_send_skip_repeat

logger = logging.getLogger(__name__)


def variant_pick(
    *, enrollment_id: int, step_id: int, variants: Sequence[StepVariant]
) -> StepVariant | None:
    """A variant per (enrollment, step): uniform over the variants, stable across retries."""
    if not variants:
        return None
    digest = hashlib.sha256(f"{enrollment_id}:{step_id}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def progress_start(*, enrollment: Enrollment, at: datetime | None = None) -> EnrollmentProgress:
    """The enrollment's progress row, due now (or `at`) if it is new."""
    progress, _created = EnrollmentProgress.objects.get_or_create(
        enrollment=enrollment, defaults={"next_due_at": at or timezone.now()}
    )
    return progress


def enrollments_adopt(*, limit: int = 5000) -> int:
    """Start progress for active enrollments made elsewhere (rules, the API, bulk enroll)."""
    rows = list(
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, progress__isnull=True)
        .order_by("pk")
        .values_list("pk", "enrolled_at")[:limit]
    )
    EnrollmentProgress.objects.bulk_create(
        [EnrollmentProgress(enrollment_id=pk, next_due_at=at) for pk, at in rows],
        ignore_conflicts=True,
    )
    return len(rows)


@transaction.atomic
def enrollment_complete(*, enrollment: Enrollment) -> Enrollment:
    """The campaign ran out of steps. Only status and exit time change, under the progress
    row's lock, and the table's constraints check them: no full_clean round trips."""
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.exited_at = timezone.now()
    enrollment.save(update_fields=["status", "exited_at"])
    return enrollment


def _send_step(*, enrollment: Enrollment, step: CampaignStep) -> bool:
    contact = enrollment.contact
    if not contact.email:
        return False
    # The same email for the same cause is sent once: a contact enrolled again (after
    # completing or leaving the campaign) does not get a step they already received, and
    # the enrollment records that it did not, and why (the contact's timeline shows it).
    earlier = (
        EmailSend.objects.filter(contact=contact, step=step, sent_at__isnull=False)
        .exclude(enrollment=enrollment)
        .order_by("sent_at")
        .first()
    )
    if earlier is not None:
        email_send_skip_repeat(enrollment=enrollment, step=step, earlier=earlier)
        return False
    variant = variant_pick(
        enrollment_id=enrollment.pk, step_id=step.pk, variants=list(step.variants.all())
    )
    if variant is None:
        return False
    # The contact's language version of the email, else the variant's default content.
    version = variant_version_for(variant, recipient_language(contact))
    content = version or variant
    try:
        with transaction.atomic():
            email_send_record(
                contact=contact,
                subject=content.subject,
                body=content.body,
                enrollment=enrollment,
                campaign=enrollment.campaign,
                step=step,
                variant=variant,
                language=version.language if version else "",
                deliver_inline=True,
            )
    except IntegrityError:
        # Sent by an earlier run of this step (the unique key held); nothing to do.
        return False
    return True


def enrollment_advance(*, progress_id: int, now: datetime | None = None) -> int:
    """Run the enrollment's due steps up to the next wait; returns the emails recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = (
            EnrollmentProgress.objects.select_for_update(skip_locked=True)
            .filter(pk=progress_id, next_due_at__lte=now)
            .first()
        )
        if progress is None:
            return 0  # not due, or another worker has it
        enrollment = Enrollment.objects.select_related("contact__company", "campaign").get(
            pk=progress.enrollment_id
        )
        if enrollment.status != EnrollmentStatus.ACTIVE:
            progress.next_due_at = None
            progress.save(update_fields=["next_due_at", "updated_at"])
            return 0
        # Early, to end the enrollment; each email asks the same check again when sent.
        refusal = contact_consent_refusal(enrollment.contact)
        if refusal is not None and refusal.code != "no_address":
            enrollment_exit(enrollment=enrollment, reason=ExitReason.OPTED_OUT)
            progress.next_due_at = None
            progress.save(update_fields=["next_due_at", "updated_at"])
            return 0
        sent = 0
        after = progress.cursor
        if progress.last_step_id is not None:
            after = (
                CampaignStep.objects.filter(pk=progress.last_step_id)
                .values_list("position", flat=True)
                .first()
            ) or after
        steps = (
            CampaignStep.objects.filter(campaign_id=enrollment.campaign_id, position__gt=after)
            .order_by("position")
            .prefetch_related("variants__languages")
        )
        fields = ["last_step", "cursor", "next_due_at", "updated_at"]
        for step in steps:
            progress.last_step, progress.cursor = step, step.position
            if step.kind == StepKind.WAIT:
                progress.next_due_at = now + step.delay
                progress.save(update_fields=fields)
                return sent
            sent += _send_step(enrollment=enrollment, step=step)
        progress.next_due_at = None
        progress.save(update_fields=fields)
        enrollment_complete(enrollment=enrollment)
        return sent


def due_progress_ids(*, now: datetime | None = None, limit: int = 2000) -> list[int]:
    now = now or timezone.now()
    return list(
        EnrollmentProgress.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def due_steps_run(*, now: datetime | None = None, limit: int = 2000) -> int:
    """The tick: adopt new enrollments, then advance every due one (errors stay due)."""
    enrollments_adopt()
    sent = 0
    for progress_id in due_progress_ids(now=now, limit=limit):
        try:
            sent += enrollment_advance(progress_id=progress_id, now=now)
        except Exception:
            logger.exception("Advancing enrollment progress %s failed; it stays due", progress_id)
    return sent
