"""Contacts: searchable list, timeline detail page, create/edit/delete."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import policies
from crm.filters import ContactFilter
from crm.models import Contact
from crm.selectors import record_emails
from crm.services.consent import suppression_for
from crm.services.contacts import (
    contact_create,
    contact_delete_check,
    contact_update,
)
from crm.services.contacts import contact_delete as contact_delete_service
from crm.web import selectors
from crm.web.access import access_row, visible, web_view
from crm.web.forms.contacts import ContactForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context
from crm.web.views.bulk_bar import bulk_bar
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip
from crm.web.views.notes import notes_context

SPEC = ListSpec(
    filter_bar=("lifecycle", "source", "owner", "tag"),
    sorts={
        "name": ("last_name", "first_name"),
        "company": ("company__name",),
        "lifecycle": ("lifecycle",),
        "created": ("created_at",),
    },
    default_sort="name",
)


def contact_list_rows(user, params):
    """The contact list's rows before search and paging, and its filter (also for bulk)."""
    contacts = visible(user, "contacts", Contact.objects.all()).select_related("company", "owner")
    return contacts, ContactFilter(params, queryset=contacts)


@web_view("contacts")
def contact_list(request):
    choice = list_choice(request, "contacts")
    if not isinstance(choice, ListChoice):
        return choice
    contacts, filterset = contact_list_rows(request.user, request.GET)
    context = list_context(request, contacts, SPEC, filterset)
    context["list_view"] = choice
    context["bulk"] = bulk_bar(request, "contacts", context)
    context["can_create"] = policies.can_write(request.user, "contacts")
    return render(request, "contacts/list.html", context)


@web_view("contacts")
def contact_detail(request, pk):
    user = request.user
    contact = access_row(
        user, "contacts", Contact.objects.select_related("company", "owner", "referred_by"), pk
    )
    timeline = selectors.contact_timeline(user=user, contact=contact)
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "tags": list(contact.tags.all()),
            "timeline": timeline,
            # Only asked when there is nothing to show: "nothing happened" must be true.
            "hidden_records": not timeline
            and selectors.contact_has_hidden_records(user=user, contact=contact),
            "can_edit": policies.can_edit_row(user, "contacts", contact),
            "can_log": policies.can_write(user, "activities"),
            "suppression": suppression_for(contact.email),
            "can_see_suppressions": policies.can_read(user, "suppressions"),
            "notes": notes_context(user, "contact", contact),
            "emails": record_emails(user=user, contact=contact),
            "can_email": policies.can_write(user, "emails")
            and policies.can_edit_row(user, "contacts", contact),
        },
    )


@web_view("contacts", write=True)
def contact_create_view(request):
    user = request.user
    form = ContactForm(request.POST or None, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: contact_create(actor=user, **data),
        success_url=lambda c: reverse("web:contact_detail", args=[c.pk]),
        success_message=_("Contact created."),
        context={
            "heading": _("New contact"),
            "cancel_url": reverse("web:contact_list"),
            "wide": True,
        },
    )


@web_view("contacts", write=True)
def contact_edit(request, pk):
    user = request.user
    contact = access_row(user, "contacts", Contact.objects.all(), pk, write=True)
    form = ContactForm(request.POST or None, instance=contact, user=user)

    def save(data):
        # The form validated a copy; the service compares against the stored row.
        return contact_update(contact=Contact.objects.get(pk=pk), actor=user, data=data)

    return form_round_trip(
        request,
        form=form,
        save=save,
        success_url=lambda c: reverse("web:contact_detail", args=[c.pk]),
        success_message=_("Contact saved."),
        context={
            "heading": _("Edit %(name)s") % {"name": contact},
            "cancel_url": reverse("web:contact_detail", args=[pk]),
            "back_url": reverse("web:contact_detail", args=[pk]),
            "back_label": str(contact),
            "wide": True,
        },
    )


@web_view("contacts", write=True)
def contact_delete(request, pk):
    contact = access_row(request.user, "contacts", Contact.objects.all(), pk, write=True)
    return delete_round_trip(
        request,
        obj=contact,
        kind=_("contact"),
        consequence=_("Their interactions, leads, tasks and NPS answers go too."),
        check=lambda: contact_delete_check(contact=contact, actor=request.user),
        delete=lambda: contact_delete_service(contact=contact, actor=request.user),
        cancel_url=reverse("web:contact_detail", args=[pk]),
        success_url=reverse("web:contact_list"),
    )
