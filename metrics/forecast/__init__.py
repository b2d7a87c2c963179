"""The pipeline forecast: how this team's deals convert, what the open ones will bring.

- `conversion`: per stage, the measured chance that a deal there is eventually won and
  the measured days from entering it to winning, from the stage history (StageChange).
- `service`: the forecast per month or quarter and scope, with its interval and the deals
  behind each number; the page, the API and the goals read it through `forecast_build`.
- `accuracy`: nightly snapshots of the forecast and, once a period has ended, how far
  each snapshot was from what happened.
"""
