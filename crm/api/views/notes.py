from crm import filters, selectors
from crm.api.serializers import NoteSerializer
from crm.services import notes as note_services

from .base import PolicyViewSet


class NoteViewSet(PolicyViewSet):
    """Notes on deals, contacts, companies and tickets (filter ?deal=, ?contact=,
    ?company=, ?ticket=). Anyone who sees the record reads its notes and may add one;
    the author edits or deletes it, managers and admins any note."""

    policy_resource = "notes"
    selector = selectors.note_list
    serializer_class = NoteSerializer
    filterset_class = filters.NoteFilter
    search_fields = ["body"]
    ordering_fields = ["created_at", "pinned"]

    def create_record(self, *, actor, data):
        return note_services.note_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return note_services.note_update(note=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        note_services.note_delete(note=instance, actor=actor)
