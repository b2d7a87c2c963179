"""Pages and endpoints reached from an email, without logging in.

Each is keyed by a signed or random token; a forged or altered token finds nothing.
"""

import base64

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from automation.marketing.services.emails import (
    contact_unsubscribe,
    email_click_record,
    email_open_record,
)
from automation.marketing.services.offers import SurveyClosed, nps_survey_answer, nps_survey_open
from automation.marketing.tokens import contact_from_unsubscribe_token, email_from_token
from crm.languages import language_supported
from crm.models import Contact


def _render_for(request, contact, template, context, status=200):
    """A page for a contact who came from our email: in their language when they have one
    (else the browser's, as for any visitor)."""
    if contact is None or not language_supported(contact.language):
        return render(request, template, context, status=status)
    with translation.override(contact.language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = contact.language
    return response


PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
def email_open(request, token):
    """The 1x1 pixel: always the image (a bad token must not tell anything), open recorded."""
    send_id = email_from_token(token)
    if send_id is not None:
        email_open_record(send_id=send_id)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def email_click(request, token, index):
    """Redirect to the email's index-th link: only URLs that were in the email itself."""
    send_id = email_from_token(token)
    url = email_click_record(send_id=send_id, index=index) if send_id is not None else None
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)


# Mail clients' one-click unsubscribe (RFC 8058) posts without our CSRF cookie; the signed
# token in the URL is what authorises the request.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    contact_id = contact_from_unsubscribe_token(token)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        raise Http404
    done = contact.opted_out
    if request.method == "POST":
        contact_unsubscribe(contact=contact)
        done = True
    return _render_for(
        request, contact, "marketing/public/unsubscribe.html", {"done": done, "contact": contact}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def nps_survey(request, token):
    try:
        survey = nps_survey_open(token=token)
    except SurveyClosed as closed:
        status = 404 if closed.reason == "unknown" else 410
        return _render_for(
            request,
            closed.contact,
            "marketing/public/nps_closed.html",
            {"reason": closed.reason},
            status=status,
        )
    error = None
    if request.method == "POST":
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            error = "score"
        else:
            try:
                nps_survey_answer(token=token, score=score, comment=request.POST.get("comment", ""))
            except SurveyClosed as closed:
                return _render_for(
                    request,
                    closed.contact,
                    "marketing/public/nps_closed.html",
                    {"reason": closed.reason},
                    status=410,
                )
            except ValidationError:
                error = "score"
            else:
                return _render_for(
                    request, survey.contact, "marketing/public/nps_thanks.html", {"survey": survey}
                )
    low = 0 if survey.scale == 10 else 1
    return _render_for(
        request,
        survey.contact,
        "marketing/public/nps.html",
        {"survey": survey, "scores": range(low, survey.scale + 1), "error": error},
        status=422 if error else 200,
    )
