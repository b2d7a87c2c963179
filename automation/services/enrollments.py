from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.models import Enrollment, EnrollmentStatus, ExitReason, Run
from crm.models import Campaign, Contact
from crm.services.common import model_save
from crm.services.outbound_email import contact_consent_refusal


def enrollment_active_exists(
    *, contact: Contact, campaign: Campaign | None = None, campaign_id: int | None = None
) -> bool:
    if campaign_id is None:
        assert campaign is not None, "pass campaign or campaign_id"
        campaign_id = campaign.pk
    return Enrollment.objects.filter(
        campaign_id=campaign_id, contact=contact, status=EnrollmentStatus.ACTIVE
    ).exists()


@transaction.atomic
def enrollment_create(
    *,
    campaign: Campaign,
    contact: Contact,
    run: Run | None = None,
    enrolled_at: datetime | None = None,
) -> Enrollment:
    """Enroll a contact; a contact is in a campaign at most once at a time.

    Refused (ValidationError on `contact`) when the consent check refuses the contact's
    address; every step's email asks it again when it is sent."""
    if enrollment_active_exists(campaign=campaign, contact=contact):
        raise ValidationError({"contact": _("This contact is already enrolled in the campaign.")})
    refusal = contact_consent_refusal(contact)
    if refusal is not None and refusal.code == "no_address":
        raise ValidationError({"contact": _("This contact has no email address.")})
    if refusal is not None:
        raise ValidationError({"contact": _("This contact opted out of email.")})
    return model_save(
        Enrollment(
            campaign=campaign,
            contact=contact,
            run=run,
            enrolled_at=enrolled_at or timezone.now(),
        )
    )


@transaction.atomic
def enrollment_exit(*, enrollment: Enrollment, reason: str = ExitReason.MANUAL) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError({"status": _("This enrollment has already ended.")})
    enrollment.status = EnrollmentStatus.EXITED
    enrollment.exited_at = timezone.now()
    enrollment.exit_reason = reason
    return model_save(enrollment)
