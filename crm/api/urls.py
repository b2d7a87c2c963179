"""Core CRM endpoints, mounted under /api/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from crm.api.views.audit import AuditEventViewSet
from crm.api.views.auth import TokenView
from crm.api.views.bulk import BulkActionViewSet
from crm.api.views.consent import SuppressedAddressViewSet
from crm.api.views.contacts import (
    CompanyViewSet,
    ContactViewSet,
    InteractionViewSet,
    NpsResponseViewSet,
    ReferralViewSet,
)
from crm.api.views.emails import EmailMessageViewSet, InboundEmailView
from crm.api.views.notes import NoteViewSet
from crm.api.views.revenue import PurchaseViewSet, SpendViewSet, SubscriptionViewSet
from crm.api.views.sales import (
    ActivityViewSet,
    DealViewSet,
    LeadViewSet,
    PipelineViewSet,
    StageViewSet,
)
from crm.api.views.saved_views import SavedViewViewSet
from crm.api.views.support import TicketViewSet
from crm.api.views.users import MeView, TeamViewSet, UserViewSet
from crm.api.views.workspace import LostReasonViewSet, SlaTargetViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("companies", CompanyViewSet, basename="company")
router.register("contacts", ContactViewSet, basename="contact")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("leads", LeadViewSet, basename="lead")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("stages", StageViewSet, basename="stage")
router.register("deals", DealViewSet, basename="deal")
router.register("activities", ActivityViewSet, basename="activity")
router.register("notes", NoteViewSet, basename="note")
router.register("purchases", PurchaseViewSet, basename="purchase")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("nps-responses", NpsResponseViewSet, basename="nps-response")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("spend", SpendViewSet, basename="spend")
router.register("bulk-actions", BulkActionViewSet, basename="bulk-action")
router.register("suppressions", SuppressedAddressViewSet, basename="suppression")
router.register("lost-reasons", LostReasonViewSet, basename="lost-reason")
router.register("sla-targets", SlaTargetViewSet, basename="sla-target")
router.register("emails", EmailMessageViewSet, basename="email")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    # Before the router: "inbound" is not an email id.
    path("emails/inbound/", InboundEmailView.as_view(), name="api-email-inbound"),
    *router.urls,
]
