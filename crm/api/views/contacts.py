from django.conf import settings

from crm import filters, selectors
from crm.api.serializers import (
    CompanySerializer,
    ContactSerializer,
    InteractionSerializer,
    NpsResponseSerializer,
    ReferralSerializer,
)
from crm.services import contacts as contact_services

from .base import PolicyViewSet
from .bulk import BulkActionMixin


class CompanyViewSet(PolicyViewSet):
    policy_resource = "companies"
    selector = selectors.company_list
    serializer_class = CompanySerializer
    filterset_class = filters.CompanyFilter
    search_fields = ["name", "domain", "industry"]
    ordering_fields = ["name", "created_at"]

    def create_record(self, *, actor, data):
        return contact_services.company_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return contact_services.company_update(company=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        contact_services.company_delete(company=instance, actor=actor)


class ContactViewSet(BulkActionMixin, PolicyViewSet):
    policy_resource = "contacts"
    selector = selectors.contact_list
    serializer_class = ContactSerializer
    filterset_class = filters.ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering_fields = ["last_name", "first_name", "created_at", "customer_since", "email"]

    def create_record(self, *, actor, data):
        return contact_services.contact_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return contact_services.contact_update(contact=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        contact_services.contact_delete(contact=instance, actor=actor)


class InteractionViewSet(PolicyViewSet):
    policy_resource = "interactions"
    selector = selectors.interaction_list
    serializer_class = InteractionSerializer
    filterset_class = filters.InteractionFilter
    ordering_fields = ["occurred_at"]

    def create_record(self, *, actor, data):
        return contact_services.interaction_record(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return contact_services.interaction_update(interaction=instance, actor=actor, data=data)


class ReferralViewSet(PolicyViewSet):
    policy_resource = "referrals"
    selector = selectors.referral_list
    serializer_class = ReferralSerializer
    filterset_class = filters.ReferralFilter
    ordering_fields = ["referred_on"]

    def create_record(self, *, actor, data):
        return contact_services.referral_record(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return contact_services.referral_update(referral=instance, actor=actor, data=data)


class NpsResponseViewSet(PolicyViewSet):
    policy_resource = "nps"
    selector = selectors.nps_response_list
    serializer_class = NpsResponseSerializer
    filterset_class = filters.NpsResponseFilter
    search_fields = ["comment"]
    ordering_fields = ["responded_at", "score"]

    def create_record(self, *, actor, data):
        data.setdefault("scale", settings.GOALPOST_NPS_SCALE)
        return contact_services.nps_record(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return contact_services.nps_update(response=instance, actor=actor, data=data)
