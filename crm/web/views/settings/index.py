from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from crm import policies
from crm.navigation import SETTINGS_SECTIONS
from crm.web.access import web_view


@web_view("settings")
def settings_index(request):
    sections = [
        {"url": reverse(section.url_name), "title": section.title, "summary": section.summary}
        # crm's sections and those the other apps registered (crm.navigation).
        for section in SETTINGS_SECTIONS.registered()
        if policies.can_read(request.user, section.resource)
    ]
    return render(request, "settings/index.html", {"sections": sections})


def back_to_settings() -> dict:
    return {"back_url": reverse("web:settings"), "back_label": gettext("Settings")}


def posted(request):
    """The POST data of a form submission, even an empty one (a form with only optional
    fields is valid when empty); None on GET."""
    return request.POST if request.method == "POST" else None
