"""The form round trip every create/edit page shares."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.constraints import constraint_error
from crm.web.responses import apply_validation_error, go_to, render_form

FORM_PAGE = "web/form_page.html"
FORM_PARTIAL = "web/_form.html"


def form_round_trip(
    request,
    *,
    form,
    save: Callable[[dict], object],
    success_url: Callable[[object], str],
    success_message: str,
    context: dict,
    page_template: str = FORM_PAGE,
):
    """GET shows the form; POST validates, saves through the service, or shows errors.

    A service's ValidationError lands on the form like any other error, so rules enforced
    in the domain read the same as field validation.
    """
    context = {
        "form": form,
        "action": request.get_full_path(),
        "form_template": FORM_PARTIAL,
        **context,
    }
    if request.method != "POST":
        return render_form(request, page_template, context)
    if form.is_valid():
        try:
            with transaction.atomic():
                saved = save(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        except IntegrityError as error:
            # A constraint only the database could check (a race): the same sentence,
            # naming the fields in conflict, that the API answers.
            apply_validation_error(form, ValidationError(constraint_error(error)))
        else:
            messages.success(request, success_message)
            return go_to(request, success_url(saved))
    return render_form(request, page_template, context, invalid=True)
