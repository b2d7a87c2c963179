"""In-app notifications (goal off track, automation "notify user", …)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.models import Notification


@login_required
def notification_list(request):
    notifications = list(Notification.objects.filter(user=request.user)[:100])
    return render(request, "web/notifications.html", {"notifications": notifications})


@require_POST
@login_required
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("web:notifications")
