from .contacts import (
    CompanySerializer,
    ContactSerializer,
    InteractionSerializer,
    NpsResponseSerializer,
    ReferralSerializer,
)
from .notes import NoteSerializer
from .revenue import PurchaseSerializer, SpendSerializer, SubscriptionSerializer
from .sales import (
    ActivitySerializer,
    DealSerializer,
    LeadConvertSerializer,
    LeadSerializer,
    PipelineSerializer,
    StageChangeSerializer,
    StageSerializer,
)
from .support import TicketReplySerializer, TicketSerializer
from .users import AuthTokenResponseSerializer, MeSerializer, TeamSerializer, UserSerializer

__all__ = [
    "ActivitySerializer",
    "AuthTokenResponseSerializer",
    "CompanySerializer",
    "ContactSerializer",
    "DealSerializer",
    "InteractionSerializer",
    "LeadConvertSerializer",
    "LeadSerializer",
    "MeSerializer",
    "NoteSerializer",
    "NpsResponseSerializer",
    "PipelineSerializer",
    "PurchaseSerializer",
    "ReferralSerializer",
    "SpendSerializer",
    "StageChangeSerializer",
    "StageSerializer",
    "SubscriptionSerializer",
    "TeamSerializer",
    "TicketReplySerializer",
    "TicketSerializer",
    "UserSerializer",
]
