"""In-app notifications (goal off track, automation "notify user", …)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crm.models import Notification
from crm.services.notifications import notifications_mark_read
from crm.web.access import web_view


@web_view("account")
def notification_list(request):
    notifications = list(Notification.objects.filter(user=request.user)[:100])
    return render(request, "web/notifications.html", {"notifications": notifications})


@require_POST
@web_view("account")
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("web:notifications")
