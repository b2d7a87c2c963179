"""Response helpers shared by the browser views: htmx-aware redirects and form errors."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def go_to(request, url: str):
    """After a successful form: a normal redirect, or a full-page htmx navigation."""
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def render_form(request, page_template: str, context: dict, *, invalid: bool = False):
    """The page with its form; htmx gets only the form partial so errors swap in place.

    Invalid forms answer 422 (htmx is configured to swap 422 responses into the form).
    """
    status = 422 if invalid else 200
    if is_htmx(request) and context.get("form_template"):
        return render(request, context["form_template"], context, status=status)
    return render(request, page_template, context, status=status)


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        # Service messages name their subject, so unknown fields read fine as form errors.
        form.add_error(field if field in form.fields else None, errors)


def error_text(error: ValidationError) -> str:
    """One readable sentence from a ValidationError, for messages and JSON answers."""
    return " ".join(error.messages)
