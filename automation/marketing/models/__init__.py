from .campaigns import (
    CampaignPlan,
    CampaignStep,
    EmailKind,
    EmailSend,
    EnrollmentProgress,
    StepKind,
    StepVariant,
    VariantLanguage,
    WaitUnit,
)
from .events import EventReceipt
from .offers import DiscountCode, DiscountReason, NpsSurvey
from .scoring import ContactScore, LeadHandoff, RuleKind, ScoringModel, ScoringRule
from .segments import Segment

__all__ = [
    "CampaignPlan",
    "CampaignStep",
    "ContactScore",
    "DiscountCode",
    "DiscountReason",
    "EmailKind",
    "EmailSend",
    "EnrollmentProgress",
    "EventReceipt",
    "LeadHandoff",
    "NpsSurvey",
    "RuleKind",
    "ScoringModel",
    "ScoringRule",
    "Segment",
    "StepKind",
    "StepVariant",
    "VariantLanguage",
    "WaitUnit",
]
