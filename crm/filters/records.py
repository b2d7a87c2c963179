"""Emails and notes, the records attached to contacts, deals and tickets (API only)."""

from django_filters import rest_framework as filters

from crm.models import EmailDirection, EmailMessage, Note

from .base import IdFilter, date_range


class EmailMessageFilter(filters.FilterSet):
    contact = IdFilter()
    deal = IdFilter()
    ticket = IdFilter()
    direction = filters.ChoiceFilter(choices=EmailDirection.choices)
    sent_after, sent_before = date_range("sent_at")

    class Meta:
        model = EmailMessage
        fields = ["contact", "deal", "ticket", "direction"]


class NoteFilter(filters.FilterSet):
    deal = IdFilter()
    contact = IdFilter()
    company = IdFilter()
    ticket = IdFilter()
    author = IdFilter()
    pinned = filters.BooleanFilter()

    class Meta:
        model = Note
        fields = ["deal", "contact", "company", "ticket", "author", "pinned"]
