"""A user's own profile: name, email and language. Every role may edit only their own."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from crm.languages import language_supported
from crm.models import User
from crm.services.users import user_language_set, user_profile_update
from crm.web.access import web_view
from crm.web.forms.profile import ProfileForm
from crm.web.responses import apply_validation_error, go_to, render_form

PROFILE_PAGE = "web/form_page.html"


@web_view("account")
@require_http_methods(["GET", "POST"])
def profile(request):
    # A copy: a refused form must not leave unsaved values on request.user (the header).
    user = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=user)
    context = {
        "form": form,
        "action": reverse("web:profile"),
        "form_template": "web/_form.html",
        "heading": _("Your profile"),
    }
    if request.method != "POST":
        return render_form(request, PROFILE_PAGE, context)
    if form.is_valid():
        try:
            user_profile_update(user=user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            # Said in the language just chosen, which the next page is shown in.
            with override(user.language or request.LANGUAGE_CODE):
                messages.success(request, _("Your profile is saved."))
            return go_to(request, reverse("web:profile"))
    return render_form(request, PROFILE_PAGE, context, invalid=True)


def set_language(request):
    """Django's `set_language`, which also remembers a signed-in user's choice.

    The cookie it sets serves this browser; the stored `User.language` follows the user
    to every other browser and session, and to the email Goalpost writes them.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and language_supported(language):
        user_language_set(user=request.user, language=language)
    return response
