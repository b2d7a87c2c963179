"""Settings → lost reasons, SLA targets and the email sender."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.models import LostReason, TicketPriority
from crm.services.workspace import (
    email_sender,
    email_sender_set,
    lost_reason_create,
    lost_reason_delete,
    lost_reason_update,
    sla_hours,
    sla_target_set,
)
from crm.web.access import access_row, require_read, require_write, web_view
from crm.web.forms.settings import EmailSenderForm, LostReasonForm, SlaTargetsForm
from crm.web.views.common import form_round_trip

from .index import back_to_settings
from .index import posted as _posted


def _lost_back() -> dict:
    url = reverse("web:settings_lost_reasons")
    return {"cancel_url": url, "back_url": url, "back_label": _("Lost reasons")}


@web_view("settings")
def lost_reason_list(request):
    require_read(request.user, "lost_reasons")
    can_write = policies.can_write(request.user, "lost_reasons")
    return render(
        request,
        "settings/lost_reasons.html",
        {
            "reasons": LostReason.objects.all(),
            "can_write": can_write,
            "form": LostReasonForm() if can_write else None,
            **back_to_settings(),
        },
    )


@web_view("lost_reasons", write=True)
def lost_reason_create_view(request):
    return form_round_trip(
        request,
        form=LostReasonForm(_posted(request)),
        save=lambda data: lost_reason_create(actor=request.user, name=data["name"]),
        success_url=lambda reason: reverse("web:settings_lost_reasons"),
        success_message=_("Lost reason saved."),
        context={"heading": _("Add a lost reason"), **_lost_back()},
    )


@web_view("lost_reasons", write=True)
def lost_reason_edit_view(request, pk):
    reason = access_row(request.user, "lost_reasons", LostReason.objects.all(), pk, write=True)
    return form_round_trip(
        request,
        form=LostReasonForm(_posted(request), initial={"name": _(reason.name)}),
        save=lambda data: lost_reason_update(
            reason=reason, actor=request.user, data={"name": data["name"]}
        ),
        success_url=lambda saved: reverse("web:settings_lost_reasons"),
        success_message=_("Lost reason saved."),
        context={"heading": _("Rename lost reason"), **_lost_back()},
    )


@require_POST
@web_view("lost_reasons", write=True)
def lost_reason_delete_view(request, pk):
    reason = access_row(request.user, "lost_reasons", LostReason.objects.all(), pk, write=True)
    lost_reason_delete(reason=reason, actor=request.user)
    messages.success(request, _("Lost reason deleted."))
    return redirect("web:settings_lost_reasons")


def _save_sla(actor, data) -> None:
    for priority in TicketPriority.values:
        sla_target_set(
            actor=actor,
            priority=priority,
            first_response_hours=data[f"{priority}_first_response"],
            resolution_hours=data[f"{priority}_resolution"],
        )


@web_view("settings")
def sla_targets_view(request):
    """Managers read the targets; admins change them (a POST needs the write right)."""
    require_read(request.user, "sla_targets")
    if request.method == "POST":
        require_write(request.user, "sla_targets")
    targets = {priority: sla_hours(priority) for priority in TicketPriority.values}
    can_write = policies.can_write(request.user, "sla_targets")
    if not can_write:
        rows = [(label, *targets[value]) for value, label in TicketPriority.choices]
        return render(request, "settings/sla.html", {"rows": rows, **back_to_settings()})
    return form_round_trip(
        request,
        form=SlaTargetsForm(_posted(request), targets=targets),
        save=lambda data: _save_sla(request.user, data),
        success_url=lambda saved: reverse("web:settings_sla"),
        success_message=_("SLA targets saved."),
        context={
            "heading": _("SLA targets"),
            "intro": _(
                "New tickets get their due times from these hours; open tickets keep theirs."
            ),
            **back_to_settings(),
        },
        page_template="settings/form_page.html",
    )


@web_view("settings")
def email_sender_view(request):
    if request.method == "POST":
        require_write(request.user, "settings")
    sender = email_sender()
    can_write = policies.can_write(request.user, "settings")
    context = {
        "heading": _("Email sender"),
        "intro": _("Blank fields use the server's default sender: %(default)s.")
        % {"default": settings.DEFAULT_FROM_EMAIL},
        "default_sender": settings.DEFAULT_FROM_EMAIL,
        **back_to_settings(),
    }
    if not can_write:
        return render(request, "settings/email_sender.html", {"sender": sender, **context})
    return form_round_trip(
        request,
        form=EmailSenderForm(
            _posted(request),
            initial={"from_name": sender.from_name, "from_address": sender.from_address},
        ),
        save=lambda data: email_sender_set(actor=request.user, **data),
        success_url=lambda saved: reverse("web:settings_email"),
        success_message=_("Email sender saved."),
        context=context,
        page_template="settings/form_page.html",
    )
