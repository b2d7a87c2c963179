"""State shared by the demo phases: the seeded random source, the clock and what exists."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

SEED = 2026


@dataclass
class DemoContext:
    rng: random.Random
    # Midnight today (local time): every historical moment is before it, so a run at any
    # hour of the same day produces the same rows.
    anchor: datetime
    users: dict = field(default_factory=dict)
    reps: list = field(default_factory=list)
    # Campaigns, tags and pipelines by their English key (setup.py), whatever the language.
    campaigns: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    pipelines: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)  # pipeline key -> ordered stages
    stage_mean_days: dict = field(default_factory=dict)  # stage id -> mean days a deal stays
    companies: list = field(default_factory=list)
    companies_without_contacts: list = field(default_factory=list)
    # contact id -> moment the contact stops buying (subscription cancelled, churned)
    churn_at: dict = field(default_factory=dict)
    # contact id -> the campaign of the lead that brought them in
    lead_campaign: dict = field(default_factory=dict)

    @classmethod
    def create(cls) -> "DemoContext":
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(rng=random.Random(SEED), anchor=today)

    def days_ago(self, days: float) -> datetime:
        return self.anchor - timedelta(days=days)

    def between(self, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end), rounded to the minute."""
        if end <= start:
            return start
        seconds = self.rng.uniform(0, (end - start).total_seconds())
        moment = start + timedelta(seconds=seconds)
        return max(start, moment.replace(second=0, microsecond=0))

    def office_hours(self, day: datetime) -> datetime:
        """A moment between 08:00 and 18:00 on the day of `day`."""
        local = timezone.localtime(day).replace(hour=8, minute=0, second=0, microsecond=0)
        return local + timedelta(minutes=self.rng.randrange(0, 600, 5))

    def rep(self):
        return self.rng.choice(self.reps)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
