"""In-app notifications (goal off track, automation "notify user", …)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crm.models import Notification
from crm.services.notifications import notifications_mark_read


@login_required
def notification_list(request):
    notifications = list(Notification.objects.filter(user=request.user)[:100])
    return render(request, "web/notifications.html", {"notifications": notifications})


@require_POST
@login_required
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("web:notifications")
