"""The suppression list in the browser: marketing and admins see, add, edit and remove."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import SuppressedAddress, email_normalize
from crm.services.consent import address_suppress, suppression_remove, suppression_update
from crm.web.access import access_row, visible, web_view
from crm.web.forms.consent import SuppressionAddForm, SuppressionEditForm
from crm.web.lists import ListSpec, list_context
from crm.web.views.common import form_round_trip

SPEC = ListSpec(
    search_fields=("email", "note"),
    sorts={"created_at": ("created_at",), "email": ("email",), "reason": ("reason",)},
    default_sort="-created_at",
)


@web_view("suppressions")
def suppression_list(request):
    rows = visible(
        request.user,
        "suppressions",
        SuppressedAddress.objects.select_related("contact", "created_by"),
    )
    context = list_context(request, rows, SPEC, None)
    context["add_form"] = SuppressionAddForm()
    return render(request, "suppressions/list.html", context)


@web_view("suppressions", write=True)
def suppression_add(request):
    user = request.user
    form = SuppressionAddForm(request.POST or None)

    def save(data):
        already = SuppressedAddress.objects.filter(email=email_normalize(data["email"])).first()
        if already is not None:
            messages.info(request, _("%(email)s was already on the list.") % {"email": already})
            return already
        return address_suppress(actor=user, **data)

    return form_round_trip(
        request,
        form=form,
        save=save,
        success_url=lambda s: reverse("web:suppression_list"),
        success_message=_("Nobody with this address will be emailed."),
        context={
            "heading": _("Suppress an address"),
            "cancel_url": reverse("web:suppression_list"),
        },
    )


@web_view("suppressions", write=True)
def suppression_edit(request, pk):
    user = request.user
    row = access_row(user, "suppressions", SuppressedAddress.objects.all(), pk, write=True)
    form = SuppressionEditForm(request.POST or None, instance=row)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: suppression_update(
            suppression=SuppressedAddress.objects.get(pk=pk), actor=user, data=data
        ),
        success_url=lambda s: reverse("web:suppression_list"),
        success_message=_("Saved."),
        context={
            "heading": _("Edit %(email)s") % {"email": row.email},
            "cancel_url": reverse("web:suppression_list"),
            "back_url": reverse("web:suppression_list"),
            "back_label": _("Suppression list"),
        },
    )


@require_POST
@web_view("suppressions", write=True)
def suppression_remove_view(request, pk):
    row = access_row(request.user, "suppressions", SuppressedAddress.objects.all(), pk, write=True)
    suppression_remove(suppression=row, actor=request.user)
    messages.success(
        request, _("%(email)s removed: its contacts may be emailed again.") % {"email": row.email}
    )
    return redirect("web:suppression_list")
