"""What a KPI is measured over: a period `[start, end)` and a scope (company, rep, team, …)."""

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScopeType:
    COMPANY = "company"
    OWNER = "owner"
    TEAM = "team"
    PIPELINE = "pipeline"
    CAMPAIGN = "campaign"

    CHOICES = [
        (COMPANY, _("Company")),
        (OWNER, _("Rep")),
        (TEAM, _("Team")),
        (PIPELINE, _("Pipeline")),
        (CAMPAIGN, _("Campaign")),
    ]
    ALL = (COMPANY, OWNER, TEAM, PIPELINE, CAMPAIGN)


class UnsupportedScope(ValueError):
    """The KPI has no meaning for this kind of scope (e.g. CAC per rep: spend has no owner)."""


@dataclass(frozen=True)
class Scope:
    type: str = ScopeType.COMPANY
    # Company-wide has no id; snapshots store it as 0 so the unique key stays NOT NULL.
    id: int | None = None

    @classmethod
    def company(cls) -> "Scope":
        return cls(ScopeType.COMPANY, None)

    @classmethod
    def owner(cls, user_or_id) -> "Scope":
        return cls(ScopeType.OWNER, getattr(user_or_id, "pk", user_or_id))

    @classmethod
    def team(cls, team_or_id) -> "Scope":
        return cls(ScopeType.TEAM, getattr(team_or_id, "pk", team_or_id))

    @classmethod
    def pipeline(cls, pipeline_or_id) -> "Scope":
        return cls(ScopeType.PIPELINE, getattr(pipeline_or_id, "pk", pipeline_or_id))

    @classmethod
    def campaign(cls, campaign_or_id) -> "Scope":
        return cls(ScopeType.CAMPAIGN, getattr(campaign_or_id, "pk", campaign_or_id))

    @classmethod
    def from_snapshot(cls, scope_type: str, scope_id: int) -> "Scope":
        return cls(scope_type, None if scope_type == ScopeType.COMPANY else scope_id)

    @property
    def snapshot_id(self) -> int:
        return self.id or 0

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id}

    def people_q(self, field: str) -> Q:
        """Filter on a user foreign key (`owner`, `assignee`, `contact__owner`, …).

        Company: no filter. Rep: that user. Team: users whose team is the team.
        Other scope types are the caller's business (pipeline, campaign).
        """
        if self.type == ScopeType.OWNER:
            return Q(**{f"{field}_id": self.id})
        if self.type == ScopeType.TEAM:
            return Q(**{f"{field}__team_id": self.id})
        return Q()


@dataclass(frozen=True)
class Period:
    """Dates `[start, end)`, each taken at midnight in settings.TIME_ZONE."""

    start: date
    end: date

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")

    @property
    def start_at(self) -> datetime:
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return _midnight(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def trailing_year(self) -> "Period":
        """The 12 months ending with this period's end (CLV's yearly figures)."""
        return Period(self.end - relativedelta(years=1), self.end)

    def previous(self) -> "Period":
        """The period of the same length right before this one (for "change vs last period")."""
        return Period(self.start - (self.end - self.start), self.start)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
