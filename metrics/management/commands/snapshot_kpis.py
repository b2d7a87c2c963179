"""Backfill KPI snapshots: `snapshot_kpis --from 2025-01-01 --to 2025-06-30` or `--days 365`."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from metrics import registry
from metrics.services import backfill_days, snapshot_history


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = "Compute KPI snapshots for a range of days (rerunning a day replaces its rows)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default yesterday)")
        parser.add_argument("--days", type=int, help="the N days up to --to (or yesterday)")
        parser.add_argument(
            "--daily-recent",
            type=int,
            default=None,
            help="only the N most recent days daily, older days weekly (fast demo backfill)",
        )

    def handle(self, *args, first=None, last=None, days=None, daily_recent=None, **options):
        last = _date(last) if last else timezone.localdate() - timedelta(days=1)
        if days is not None:
            if days < 1:
                raise CommandError("--days must be at least 1")
            first = last - timedelta(days=days - 1)
        elif first:
            first = _date(first)
        else:
            first = last
        if first > last:
            raise CommandError("--from must not be after --to")
        plan = backfill_days(first, last, daily_recent_days=daily_recent)
        bar = tqdm(
            total=len(registry.KPIS),
            desc=f"KPI snapshots, {len(plan)} days",
            unit="KPI",
            disable=options["verbosity"] < 1,
        )
        with bar:
            rows = snapshot_history(
                plan, progress=lambda key: (bar.set_postfix_str(key), bar.update())
            )
        self.stdout.write(
            self.style.SUCCESS(f"{rows} snapshot rows for {len(plan)} days ({first}..{last}).")
        )
