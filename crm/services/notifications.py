from datetime import datetime

from django.db import transaction
from django.utils import timezone

from crm.models import Notification, User


@transaction.atomic
def notifications_mark_read(*, user: User, at: datetime | None = None) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )
