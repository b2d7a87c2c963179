"""Support sends a customer the NPS survey from the browser (the API has /api/nps-surveys/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.models import Contact
from crm.web.access import web_view

from ..services.offers import nps_survey_send


def _back(request, contact):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:contact_detail", args=[contact.pk])


@require_POST
@web_view("nps", write=True)
def nps_survey_send_view(request, contact_id: int):
    contact = get_object_or_404(
        policies.scope(request.user, "contacts", Contact.objects.all()), pk=contact_id
    )
    try:
        survey = nps_survey_send(contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("NPS survey sent to %(email)s; the link works until %(date)s.")
            % {"email": contact.email, "date": date_format(localtime(survey.expires_at))},
        )
    return redirect(_back(request, contact))
