"""How deals in each stage actually convert, measured from the stage history.

For every stage, the cohort is the deals with a stay in the stage (a `StageChange` row)
that began within the lookback, `[now - GOALPOST_FORECAST_LOOKBACK_DAYS, now)`:

- measured P(won) = deals of the cohort now won ÷ deals of the cohort now closed (won +
  lost). Open deals are left out: they have not decided yet, and counting them as losses
  would understate every young stage. With fewer than GOALPOST_FORECAST_MIN_CLOSED closed
  deals the stage's configured `win_probability` is used instead (`source` says which).
- days to close = median over the cohort's won deals of (closed_at - entered_at of the
  stay), in days: how long a deal that will be won still takes once it is in the stage.
- typical days in stage = median length of the cohort's finished stays (left_at -
  entered_at); a deal staying longer than that is "rotting", and
  `service.open_deals_weighted` lowers its chance.

One grouped SQL query over StageChange joined to Deal; the loop below is over stages.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q

from crm.models import DealStatus, Stage, StageChange

from .sql import Days, Median


@dataclass(frozen=True)
class StageConversion:
    stage_id: int
    pipeline_id: int
    stage_name: str
    pipeline_name: str
    position: int
    configured_probability: float  # 0..1, the stage's win_probability
    entered: int  # deals of the cohort
    won: int
    lost: int
    measured_probability: float | None  # won ÷ (won + lost); None below the minimum
    days_to_close: float | None  # median days from entering the stage to winning
    typical_days_in_stage: float | None  # median finished stay

    @property
    def probability(self) -> float:
        """The P(won) the forecast uses: measured when there is enough history."""
        if self.measured_probability is not None:
            return self.measured_probability
        return self.configured_probability

    @property
    def source(self) -> str:
        return "measured" if self.measured_probability is not None else "configured"


def lookback_days() -> int:
    return settings.GOALPOST_FORECAST_LOOKBACK_DAYS


def stage_conversion_list(*, now: datetime, pipeline_id: int | None = None) -> list:
    """[StageConversion] for every stage (of one pipeline, if given), in board order.

    `now` is an aware datetime; the cohort is the stays entered in
    `[now - GOALPOST_FORECAST_LOOKBACK_DAYS days, now)`. Two queries whatever the rows.
    """
    since = now - timedelta(days=lookback_days())
    stays = StageChange.objects.filter(entered_at__gte=since, entered_at__lt=now)
    stages = Stage.objects.select_related("pipeline").order_by(
        "pipeline__name", "pipeline_id", "position", "id"
    )
    if pipeline_id is not None:
        stays = stays.filter(stage__pipeline_id=pipeline_id)
        stages = stages.filter(pipeline_id=pipeline_id)
    won, lost = Q(deal__status=DealStatus.WON), Q(deal__status=DealStatus.LOST)
    rows = {
        row["stage_id"]: row
        for row in stays.order_by()
        .values("stage_id")
        .annotate(
            entered=Count("deal_id", distinct=True),
            won=Count("deal_id", distinct=True, filter=won),
            lost=Count("deal_id", distinct=True, filter=lost),
            days_to_close=Median(Days(F("deal__closed_at") - F("entered_at")), filter=won),
            typical=Median(Days(F("left_at") - F("entered_at")), filter=Q(left_at__isnull=False)),
        )
    }
    minimum = settings.GOALPOST_FORECAST_MIN_CLOSED
    result = []
    for stage in stages:
        row: Any = rows.get(stage.pk, {})  # a values() row, or none for the stage
        n_won, n_lost = row.get("won", 0), row.get("lost", 0)
        closed = n_won + n_lost
        result.append(
            StageConversion(
                stage_id=stage.pk,
                pipeline_id=stage.pipeline_id,
                stage_name=stage.name,
                pipeline_name=stage.pipeline.name,
                position=stage.position,
                configured_probability=stage.win_probability / 100,
                entered=row.get("entered", 0),
                won=n_won,
                lost=n_lost,
                measured_probability=n_won / closed if closed and closed >= minimum else None,
                days_to_close=row.get("days_to_close"),
                typical_days_in_stage=row.get("typical"),
            )
        )
    return result
