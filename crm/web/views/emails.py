"""Email from a deal, contact or ticket: compose with a template, preview, send; record a
reply by hand; the email templates in Settings."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import Contact, Deal, EmailMessage, EmailTemplate, Ticket
from crm.selectors import email_list
from crm.services.emails import (
    email_placeholders,
    email_render,
    email_reply_by_hand,
    email_send,
    email_template_create,
    email_template_delete,
    email_template_update,
)
from crm.web.access import access_row, visible, web_view
from crm.web.forms.emails import ComposeForm, EmailTemplateForm, ReplyByHandForm
from crm.web.params import positive_int
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip

from .settings.index import back_to_settings
from .settings.index import posted as _posted

# kind -> (policy resource of the record, its queryset, detail URL name)
RECORDS = {
    "deal": ("deals", Deal.objects.select_related("contact", "owner"), "web:deal_detail"),
    "contact": (
        "contacts",
        Contact.objects.select_related("company", "owner"),
        "web:contact_detail",
    ),
    "ticket": ("tickets", Ticket.objects.select_related("contact"), "web:ticket_detail"),
}


def _record(request, kind: str, pk):
    """The record to email from: 404 outside the user's scope, 403 without the right to
    change it (a rep on another rep's contact, marketing anywhere)."""
    resource, queryset, _detail = RECORDS[kind]
    return access_row(request.user, resource, queryset, pk, write=True)


def _record_fields(kind: str, record) -> dict:
    if kind == "contact":
        return {"contact": record}
    return {kind: record, "contact": record.contact}


def _compose_initial(request) -> dict:
    template_id = positive_int(request.GET.get("template"))
    template = EmailTemplate.objects.filter(pk=template_id).first() if template_id else None
    if template is None:
        return {}
    return {"template": template.pk, "subject": template.subject, "body": template.body}


def _compose(request, kind: str, pk):
    record = _record(request, kind, pk)
    fields = _record_fields(kind, record)
    detail_url = reverse(RECORDS[kind][2], args=[record.pk])
    contact = fields["contact"]
    form = ComposeForm(_posted(request), initial=_compose_initial(request))
    return form_round_trip(
        request,
        form=form,
        save=lambda data: email_send(
            actor=request.user,
            subject=data["subject"],
            body=data["body"],
            **fields,
        ),
        success_url=lambda message: detail_url,
        success_message=_("Email sent."),
        page_template="emails/compose.html",
        context={
            "heading": _("Email %(name)s") % {"name": contact.full_name} if contact else _("Email"),
            "record": record,
            "recipient": contact,
            "cancel_url": detail_url,
            "back_url": detail_url,
            "back_label": str(record),
            "form_template": "emails/_compose_form.html",
            "preview_url": reverse(f"web:{kind}_email_preview", args=[record.pk]),
            "compose_url": reverse(f"web:{kind}_email", args=[record.pk]),
            "submit_label": _("Send"),
        },
    )


def _preview(request, kind: str, pk):
    record = _record(request, kind, pk)
    fields = _record_fields(kind, record)
    contact = fields.pop("contact")
    subject, body = "", ""
    if contact is not None:
        values = email_placeholders(contact=contact, sender=request.user, **fields)
        subject, body = email_render(
            subject=request.POST.get("subject", "")[:300],
            body=request.POST.get("body", "")[:20000],
            values=values,
        )
    return render(
        request,
        "emails/_preview.html",
        {"subject": subject, "body": body, "recipient": contact},
    )


@web_view("emails", write=True)
def deal_email(request, pk):
    return _compose(request, "deal", pk)


@web_view("emails", write=True)
def contact_email(request, pk):
    return _compose(request, "contact", pk)


@web_view("emails", write=True)
def ticket_email(request, pk):
    return _compose(request, "ticket", pk)


@require_POST
@web_view("emails", write=True)
def deal_email_preview(request, pk):
    return _preview(request, "deal", pk)


@require_POST
@web_view("emails", write=True)
def contact_email_preview(request, pk):
    return _preview(request, "contact", pk)


@require_POST
@web_view("emails", write=True)
def ticket_email_preview(request, pk):
    return _preview(request, "ticket", pk)


def email_record_url(message: EmailMessage) -> str:
    """The page an email belongs on: its deal, else its ticket, else its contact."""
    if message.deal_id:
        return reverse("web:deal_detail", args=[message.deal_id])
    if message.ticket_id:
        return reverse("web:ticket_detail", args=[message.ticket_id])
    return reverse("web:contact_detail", args=[message.contact_id])


@web_view("emails", write=True)
def email_reply_record_view(request, pk):
    """A rep pastes a reply they received elsewhere under the email it answers."""
    parent = get_object_or_404(email_list(user=request.user).filter(direction="sent"), pk=pk)
    back = email_record_url(parent)
    return form_round_trip(
        request,
        form=ReplyByHandForm(_posted(request)),
        save=lambda data: email_reply_by_hand(
            actor=request.user,
            parent=parent,
            body=data["body"],
            received_at=data["received_at"],
        ),
        success_url=lambda reply: back,
        success_message=_("Reply recorded."),
        page_template="emails/reply_form.html",
        context={
            "heading": _("Record a reply"),
            "parent": parent,
            "cancel_url": back,
            "back_url": back,
            "back_label": parent.subject,
        },
    )


# --- Settings → email templates ----------------------------------------------------------


def _templates_back() -> dict:
    url = reverse("web:settings_email_templates")
    return {"cancel_url": url, "back_url": url, "back_label": _("Email templates")}


@web_view("email_templates", write=True)
def email_template_list(request):
    return render(
        request,
        "settings/email_templates.html",
        {
            "templates": visible(request.user, "email_templates", EmailTemplate.objects.all()),
            **back_to_settings(),
        },
    )


@web_view("email_templates", write=True)
def email_template_create_view(request):
    return form_round_trip(
        request,
        form=EmailTemplateForm(_posted(request)),
        save=lambda data: email_template_create(actor=request.user, **data),
        success_url=lambda template: reverse("web:settings_email_templates"),
        success_message=_("Email template saved."),
        context={"heading": _("New email template"), "wide": True, **_templates_back()},
    )


@web_view("email_templates", write=True)
def email_template_edit_view(request, pk):
    template = access_row(
        request.user, "email_templates", EmailTemplate.objects.all(), pk, write=True
    )
    return form_round_trip(
        request,
        form=EmailTemplateForm(_posted(request), instance=EmailTemplate.objects.get(pk=pk)),
        save=lambda data: email_template_update(template=template, actor=request.user, data=data),
        success_url=lambda saved: reverse("web:settings_email_templates"),
        success_message=_("Email template saved."),
        context={"heading": _("Edit email template"), "wide": True, **_templates_back()},
    )


@web_view("email_templates", write=True)
def email_template_delete_view(request, pk):
    template = access_row(
        request.user, "email_templates", EmailTemplate.objects.all(), pk, write=True
    )
    url = reverse("web:settings_email_templates")
    return delete_round_trip(
        request,
        obj=template,
        kind=_("email template"),
        delete=lambda: email_template_delete(template=template, actor=request.user),
        cancel_url=url,
        success_url=url,
    )
