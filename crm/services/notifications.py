from datetime import datetime

from django.db import transaction
from django.utils import timezone

from crm.models import Notification, User
from crm.services.common import model_save

MESSAGE_MAX_LENGTH = Notification._meta.get_field("message").max_length or 500


def notification_create(*, user: User, message: str, url: str = "") -> Notification:
    """Put an in-app notice in `user`'s list (the bell's unread count includes it).

    The one way any app notifies a user in the app (goals when a goal goes off track,
    automation's "notify user" action): they call this rather than write crm's model, so
    what a notification must hold is decided here. `message` is plain text, cut to the
    column's 500 characters (a notice, not a report: `url` leads to the rest); `url` is a
    path in this site, or "" for none. Raises ValidationError for an empty message.
    """
    return model_save(Notification(user=user, message=message[:MESSAGE_MAX_LENGTH], url=url))


@transaction.atomic
def notifications_mark_read(*, user: User, at: datetime | None = None) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )
