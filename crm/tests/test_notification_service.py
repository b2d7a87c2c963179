"""One service writes in-app notifications, whichever app notifies (crm.services.notifications)."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import Notification
from crm.services.notifications import notification_create


def test_a_notification_lands_unread_in_the_users_list(rep):
    notification = notification_create(user=rep, message="Goal off track", url="/goals/3/")

    assert list(Notification.objects.filter(user=rep, read_at__isnull=True)) == [notification]
    assert (notification.message, notification.url) == ("Goal off track", "/goals/3/")


def test_a_long_message_is_cut_to_the_column(rep):
    notification = notification_create(user=rep, message="x" * 600)

    notification.refresh_from_db()
    assert notification.message == "x" * 500
    assert notification.url == ""


def test_an_empty_message_is_refused(rep):
    with pytest.raises(ValidationError):
        notification_create(user=rep, message="")

    assert not Notification.objects.exists()
