"""The board's column totals convert at these rates: a rate added, corrected or removed
changes the board version like a deal does (crm.0023)."""

import importlib

from django.db import migrations

board_version = importlib.import_module("crm.migrations.0025_board_version")


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0005_limits_ranges_and_lengths"),
        ("crm", "0025_board_version"),
    ]

    operations = [
        migrations.RunSQL(
            board_version.watch("metrics_exchangerate"),
            board_version.unwatch("metrics_exchangerate"),
        )
    ]
